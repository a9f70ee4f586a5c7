package sidecar

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Preview limits.
const (
	// MaxPreviewBytes bounds a preview download; CivitAI's 450 px previews
	// are well under 1 MiB, a full-size original can be a few MiB.
	MaxPreviewBytes = 20 << 20
	// PreviewWidth is the width WritePreview asks CivitAI's image CDN for:
	// the size of the site's own cards, and what Civicomfy saves
	// (downloader/manager.py _download_and_save_preview: "/width=450").
	PreviewWidth = 450
)

// previewAccept is the Accept header of preview requests. CivitAI's image
// CDN (Cloudflare Images) picks the format from Accept, and a WebP or GIF
// preview is invisible to some UIs: SwarmUI looks for .preview.png, .jpg
// and .jpeg only (src/Text2Image/T2IModelHandler.cs AutoImageFormatSuffixes)
// and ComfyUI LoRA Manager for no .preview.gif (py/utils/constants.py
// PREVIEW_EXTENSIONS). JPEG and PNG are read by every UI.
const previewAccept = "image/jpeg,image/png;q=0.9"

// Errors of WritePreview, for errors.Is.
var (
	// ErrNotImage: the response is not a PNG, JPEG, WebP or GIF image
	// (by Content-Type or by content), e.g. an HTML error page or JSON.
	ErrNotImage = errors.New("preview is not a png, jpeg, webp or gif image")
	// ErrTooLarge: the preview is larger than the size bound.
	ErrTooLarge = errors.New("preview is too large")
)

// StatusError is a non-200 answer to a preview request.
type StatusError struct {
	URL        string // without query
	StatusCode int
}

// Error reads "GET <url>: <code> <status text>".
func (e *StatusError) Error() string {
	return fmt.Sprintf("GET %s: %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
}

// Image is a candidate preview: one of a version's images[].
type Image struct {
	URL string
	// Type is "image", "video" or "audio"; "" counts as an image.
	Type string
	// NSFWLevel is CivitAI's level of the image (1 PG, 2 PG-13, 4 R, 8 X,
	// 16 XXX); 0 when unknown.
	NSFWLevel int
}

// ChoosePreview picks a version's preview: the first image, or the first
// video when there is no image (WritePreview asks the CDN for a still frame
// of it, and refuses it if the answer is not an image). When maxNSFW > 0,
// only media whose NSFWLevel is known and at most maxNSFW qualify. ok is
// false when nothing qualifies.
func ChoosePreview(images []Image, maxNSFW int) (Image, bool) {
	c := previewCandidates(images, maxNSFW)
	if len(c) == 0 {
		return Image{}, false
	}
	return c[0], true
}

// previewCandidates are the media that may be the preview, in the order
// ChoosePreview prefers them: the images, then the videos.
func previewCandidates(images []Image, maxNSFW int) []Image {
	var out, videos []Image
	for _, im := range images {
		if strings.TrimSpace(im.URL) == "" || (maxNSFW > 0 && (im.NSFWLevel <= 0 || im.NSFWLevel > maxNSFW)) {
			continue
		}
		switch strings.ToLower(im.Type) {
		case "", "image":
			out = append(out, im)
		case "video":
			videos = append(videos, im)
		}
	}
	return append(out, videos...)
}

// previewTries is how many of a version's media WriteFirstPreview tries.
const previewTries = 3

// WriteFirstPreview writes the preview of modelPath from the first of
// images that works, as WritePreview does, trying the next (up to three)
// when one fails: an image CivitAI's CDN lost (404) or one that is not an
// image. err is the last failure when none worked; ok is false when no
// media qualify (see ChoosePreview).
func WriteFirstPreview(ctx context.Context, hc *http.Client, images []Image, maxNSFW int, modelPath string, force bool) (path string, written, ok bool, err error) {
	c := previewCandidates(images, maxNSFW)
	for _, im := range c[:min(len(c), previewTries)] {
		// An existing preview (without force) is kept at the first try.
		path, written, err = WritePreview(ctx, hc, im.URL, modelPath, force)
		if err == nil || ctx.Err() != nil || errors.Is(err, ErrNameTooLong) {
			return path, written, true, err
		}
	}
	return path, written, len(c) > 0, err
}

// PreviewURL asks CivitAI's image CDN for a preview width wide: the
// transformation segment of the path (".../original=true/123.jpeg" or
// ".../width=1664/123.jpeg") becomes "width=<width>"; for videos
// (".mp4", ".webm", ".mov", or a segment already holding anim=false) it
// becomes "anim=false,width=<width>" to get a still frame. URLs without such
// a segment are returned unchanged.
func PreviewURL(raw string, width int) string {
	u, err := url.Parse(raw)
	if err != nil || width <= 0 {
		return raw
	}
	segs := strings.Split(u.Path, "/")
	for i := len(segs) - 2; i >= 1; i-- { // never the last segment, the file name
		if !isTransformSegment(segs[i]) {
			continue
		}
		seg := "width=" + strconv.Itoa(width)
		ext := strings.ToLower(path.Ext(segs[len(segs)-1]))
		if strings.Contains(segs[i], "anim=false") || ext == ".mp4" || ext == ".webm" || ext == ".mov" {
			seg = "anim=false," + seg
		}
		segs[i] = seg
		u.Path = strings.Join(segs, "/")
		u.RawPath = ""
		return u.String()
	}
	return raw
}

// isTransformSegment reports whether a path segment is a list of CDN
// options such as "original=true" or "anim=false,width=450".
func isTransformSegment(seg string) bool {
	if seg == "" {
		return false
	}
	sized := false
	for _, opt := range strings.Split(seg, ",") {
		k, _, ok := strings.Cut(opt, "=")
		if !ok || k == "" {
			return false
		}
		if k == "original" || k == "width" || k == "height" {
			sized = true
		}
	}
	return sized
}

// WritePreview downloads a preview image for modelPath and writes it to
// PreviewPath(modelPath, ext), ext being png, jpeg, webp or gif by the
// image's actual content.
//
//   - Without force, if the model already has a preview (foo.<ext> or
//     foo.preview.<ext> for any of PreviewExts), nothing is downloaded and
//     that path is returned with written false. With force the new preview
//     replaces the model's other foo.preview.<ext> files, which A1111
//     would otherwise show instead (it looks for png first).
//   - The request goes through hc (never http.DefaultClient) without an
//     Authorization or Cookie header and without hc's cookie jar, also on
//     redirects: image URLs are public and must not receive the API key.
//     hc's Transport must not add credentials itself.
//   - The URL is rewritten with PreviewURL to PreviewWidth pixels.
//   - The answer must be 200 with an image Content-Type whose bytes sniff as
//     PNG, JPEG, WebP or GIF (ErrNotImage otherwise) and at most
//     MaxPreviewBytes long (ErrTooLarge). A non-200 answer is a *StatusError.
//   - The file is written atomically; on error nothing is left behind.
func WritePreview(ctx context.Context, hc *http.Client, imageURL, modelPath string, force bool) (path string, written bool, err error) {
	return writePreview(ctx, hc, imageURL, modelPath, force, MaxPreviewBytes)
}

// writePreview is WritePreview with the size bound as a parameter.
func writePreview(ctx context.Context, hc *http.Client, imageURL, modelPath string, force bool, maxBytes int64) (string, bool, error) {
	if hc == nil {
		return "", false, errors.New("write preview: nil http client")
	}
	if !force {
		if p, ok, err := existingPreview(modelPath); err != nil || ok {
			return p, false, err
		}
	}
	// Not even the shortest preview name fits: fetching is pointless.
	if _, err := os.Lstat(PreviewPath(modelPath, "png")); nameTooLong(err) {
		return "", false, &NameTooLongError{Name: filepath.Base(PreviewPath(modelPath, "png"))}
	}
	u, err := url.Parse(PreviewURL(strings.TrimSpace(imageURL), PreviewWidth))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false, fmt.Errorf("write preview: invalid image url %q", imageURL)
	}
	shown := redact(u)

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", false, fmt.Errorf("write preview: %w", err)
	}
	req.Header.Set("Accept", previewAccept)
	c := noCredentials(hc)
	resp, err := c.Do(req)
	if err != nil {
		return "", false, fmt.Errorf("download preview: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return "", false, &StatusError{URL: shown, StatusCode: resp.StatusCode}
	}
	ct := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if _, ok := imageExt(mt); !ok {
		return "", false, fmt.Errorf("download preview %s: %w (content type %q)", shown, ErrNotImage, ct)
	}
	if resp.ContentLength > maxBytes {
		return "", false, fmt.Errorf("download preview %s: %w (%d bytes, limit %d)", shown, ErrTooLarge, resp.ContentLength, maxBytes)
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(resp.Body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", false, fmt.Errorf("download preview %s: %w", shown, err)
	}
	head = head[:n]
	sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(head))
	ext, ok := imageExt(sniffed)
	if !ok {
		return "", false, fmt.Errorf("download preview %s: %w (content type %q, content looks like %s)", shown, ErrNotImage, ct, sniffed)
	}
	dest := PreviewPath(modelPath, ext)
	written, err := writeAtomic(dest, force, func(w io.Writer) error {
		body := io.MultiReader(bytes.NewReader(head), resp.Body)
		copied, err := io.Copy(w, io.LimitReader(body, maxBytes+1))
		if err != nil {
			return fmt.Errorf("download preview %s: %w", shown, err)
		}
		if copied > maxBytes {
			return fmt.Errorf("download preview %s: %w (limit %d bytes)", shown, ErrTooLarge, maxBytes)
		}
		return nil
	})
	if err != nil {
		return "", false, err
	}
	if written && force {
		removeOtherPreviews(modelPath, dest)
	}
	return dest, written, nil
}

// imageExt maps an image media type to the preview extension written.
func imageExt(mediaType string) (string, bool) {
	switch strings.ToLower(mediaType) {
	case "image/png":
		return "png", true
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return "jpg", true // the spelling every UI looks for (A1111 before 1.6: png, jpg, webp only)
	case "image/webp":
		return "webp", true
	case "image/gif":
		return "gif", true
	}
	return "", false
}

// existingPreview finds a preview A1111 would show for the model.
func existingPreview(modelPath string) (string, bool, error) {
	s := stem(modelPath)
	for _, ext := range PreviewExts() {
		for _, p := range []string{s + "." + ext, s + ".preview." + ext} {
			_, err := os.Lstat(p)
			if err == nil {
				return p, true, nil
			}
			if !errors.Is(err, fs.ErrNotExist) && !nameTooLong(err) { // too long: cannot exist
				return "", false, fmt.Errorf("check preview %s: %w", p, err)
			}
		}
	}
	return "", false, nil
}

// removeOtherPreviews deletes the model's <stem>.preview.<ext> files other
// than keep, best effort.
func removeOtherPreviews(modelPath, keep string) {
	for _, ext := range PreviewExts() {
		if p := PreviewPath(modelPath, ext); p != keep {
			os.Remove(p)
		}
	}
}

// noCredentials returns a copy of hc without a cookie jar whose redirects
// carry no Authorization or Cookie header.
func noCredentials(hc *http.Client) *http.Client {
	c := *hc
	c.Jar = nil
	prev := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if prev != nil {
			if err := prev(req, via); err != nil {
				return err
			}
		} else if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		req.Header.Del("Authorization")
		req.Header.Del("Cookie")
		return nil
	}
	return &c
}

// redact drops the query and user info of a URL for messages.
func redact(u *url.URL) string {
	c := *u
	c.RawQuery, c.User, c.Fragment = "", nil, ""
	return c.String()
}
