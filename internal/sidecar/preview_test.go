package sidecar

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// encoded returns a tiny PNG or JPEG.
func encoded(t *testing.T, format string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// webpBytes is the start of a WebP file, enough for content sniffing.
var webpBytes = append([]byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"), make([]byte, 24)...)

// seen records what the test server received.
type seen struct {
	mu       sync.Mutex
	paths    []string
	auth     []string
	cookies  []string
	accept   []string
	requests int
}

func (s *seen) record(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	s.paths = append(s.paths, r.URL.Path)
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	s.cookies = append(s.cookies, r.Header.Get("Cookie"))
	s.accept = append(s.accept, r.Header.Get("Accept"))
}

func (s *seen) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// imageServer serves body with contentType at every path but /redirect,
// which redirects to the CivitAI-like image path.
func imageServer(t *testing.T, contentType string, body []byte) (*httptest.Server, *seen) {
	t.Helper()
	s := &seen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/key/uuid/original=true/42.jpeg", http.StatusFound)
			return
		}
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, s
}

// previews lists the preview-looking files of dir.
func previews(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.Contains(e.Name(), ".preview.") || strings.HasSuffix(e.Name(), ".tmp") {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestWritePreviewImages(t *testing.T) {
	t.Parallel()
	pngB, jpgB := encoded(t, "png"), encoded(t, "jpeg")
	tests := []struct {
		name, contentType, path string
		body                    []byte
		wantFile                string
	}{
		{"png", "image/png", "/key/uuid/original=true/42.png", pngB, "lora.preview.png"},
		{"jpeg", "image/jpeg", "/key/uuid/width=1664/42.jpeg", jpgB, "lora.preview.jpg"},
		{"jpeg with params", "image/jpeg; charset=binary", "/key/uuid/original=true/42.jpeg", jpgB, "lora.preview.jpg"},
		{"nonstandard image/jpg", "image/jpg", "/key/uuid/original=true/42.jpeg", jpgB, "lora.preview.jpg"},
		{"webp", "image/webp", "/key/uuid/original=true/42.webp", webpBytes, "lora.preview.webp"},
		{"content wins over header", "image/png", "/key/uuid/original=true/42.png", jpgB, "lora.preview.jpg"},
		{"redirect", "image/jpeg", "/redirect", jpgB, "lora.preview.jpg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, s := imageServer(t, tt.contentType, tt.body)
			dir := t.TempDir()
			model := filepath.Join(dir, "lora.safetensors")
			p, written, err := WritePreview(t.Context(), srv.Client(), srv.URL+tt.path, model, false)
			if err != nil || !written {
				t.Fatalf("WritePreview = %q, %v, %v", p, written, err)
			}
			if want := filepath.Join(dir, tt.wantFile); p != want {
				t.Errorf("path %q, want %q", p, want)
			}
			got, err := os.ReadFile(p)
			if err != nil || !bytes.Equal(got, tt.body) {
				t.Errorf("file content differs (%v)", err)
			}
			if st, _ := os.Stat(p); st == nil || runtime.GOOS != "windows" && st.Mode().Perm() != 0o644 { // Windows has no mode bits
				t.Errorf("mode of %s is not 0644", p)
			}
			if diff := cmp.Diff([]string{tt.wantFile}, previews(t, dir)); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			for i := range s.auth {
				if s.auth[i] != "" || s.cookies[i] != "" {
					t.Errorf("request %d carried Authorization %q / Cookie %q", i, s.auth[i], s.cookies[i])
				}
				// The CDN answers in a format Accept allows: only JPEG
				// and PNG are read by every UI (SwarmUI
				// T2IModelHandler.cs AutoImageFormatSuffixes has no
				// webp or gif, LoRA Manager no .preview.gif).
				if a := s.accept[i]; !strings.Contains(a, "image/jpeg") || strings.Contains(a, "webp") || strings.Contains(a, "gif") || strings.Contains(a, "avif") || strings.Contains(a, "*") {
					t.Errorf("request %d Accept = %q, want JPEG and PNG only", i, a)
				}
			}
			if last := s.paths[len(s.paths)-1]; tt.path != "/redirect" && !strings.Contains(last, "/width=450/") {
				t.Errorf("image requested at %q, want a width=450 preview", s.paths)
			}
		})
	}
}

func TestWritePreviewRefused(t *testing.T) {
	t.Parallel()
	pngB := encoded(t, "png")
	tests := []struct {
		name, contentType string
		status            int
		body              []byte
		wantErr           error
	}{
		{"json error", "application/json", 200, []byte(`{"error":"Unauthorized","message":"The creator of this asset requires you to be logged in to download it"}`), ErrNotImage},
		{"html page", "text/html; charset=utf-8", 200, []byte("<!DOCTYPE html><html><body>We're adjusting a few things</body></html>"), ErrNotImage},
		{"html served as png", "image/png", 200, []byte("<!DOCTYPE html><html><body>Just a moment...</body></html>"), ErrNotImage},
		{"empty body", "image/png", 200, nil, ErrNotImage},
		{"avif", "image/avif", 200, pngB, ErrNotImage},
		{"no content type", "", 200, []byte(`{"a":1}`), ErrNotImage},
		{"video", "video/mp4", 200, []byte("\x00\x00\x00\x18ftypmp42"), ErrNotImage},
		{"not found", "application/json", 404, []byte(`{"error":"Not found"}`), nil},
		{"server error", "text/html", 502, []byte("Bad Gateway"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				} else {
					w.Header()["Content-Type"] = nil // no sniffing by net/http
				}
				w.WriteHeader(tt.status)
				w.Write(tt.body)
			}))
			defer srv.Close()
			dir := t.TempDir()
			p, written, err := WritePreview(t.Context(), srv.Client(), srv.URL+"/k/u/original=true/1.png", filepath.Join(dir, "m.safetensors"), true)
			if err == nil || written || p != "" {
				t.Fatalf("WritePreview = %q, %v, %v; want an error", p, written, err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.status != 200 {
				var se *StatusError
				if !errors.As(err, &se) || se.StatusCode != tt.status {
					t.Errorf("err = %v, want *StatusError %d", err, tt.status)
				}
			}
			if left := previews(t, dir); len(left) != 0 {
				t.Errorf("files left behind: %v", left)
			}
		})
	}
}

func TestWritePreviewTooLarge(t *testing.T) {
	t.Parallel()
	big := append(encoded(t, "png"), make([]byte, 4096)...)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		max     int64
	}{
		{"declared length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			w.Write(big)
		}, 1024},
		{"chunked", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			for i := 0; i < len(big); i += 512 {
				w.Write(big[i:min(i+512, len(big))])
				w.(http.Flusher).Flush()
			}
		}, 1024},
		{"over the public 20 MiB bound", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Header().Set("Content-Length", strconv.Itoa(MaxPreviewBytes+1))
			w.Write(big) // short: the client must refuse from the header alone
		}, MaxPreviewBytes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			dir := t.TempDir()
			_, written, err := writePreview(t.Context(), srv.Client(), srv.URL+"/k/u/width=1/1.png", filepath.Join(dir, "m.safetensors"), false, tt.max)
			if !errors.Is(err, ErrTooLarge) || written {
				t.Fatalf("writePreview = %v, %v; want ErrTooLarge", written, err)
			}
			if left := previews(t, dir); len(left) != 0 {
				t.Errorf("files left behind: %v", left)
			}
		})
	}
	// The same body fits a larger bound.
	srv := httptest.NewServer(tests[1].handler)
	defer srv.Close()
	dir := t.TempDir()
	if _, written, err := writePreview(t.Context(), srv.Client(), srv.URL+"/x.png", filepath.Join(dir, "m.safetensors"), false, int64(len(big))); err != nil || !written {
		t.Fatalf("exact-size body: %v, %v", written, err)
	}
}

func TestWritePreviewExistingKept(t *testing.T) {
	t.Parallel()
	for _, existing := range []string{"m.png", "m.preview.png", "m.preview.jpeg", "m.jpg", "m.preview.webp", "m.gif"} {
		t.Run(existing, func(t *testing.T) {
			t.Parallel()
			srv, s := imageServer(t, "image/png", encoded(t, "png"))
			dir := t.TempDir()
			old := filepath.Join(dir, existing)
			if err := os.WriteFile(old, []byte("mine"), 0o644); err != nil {
				t.Fatal(err)
			}
			p, written, err := WritePreview(t.Context(), srv.Client(), srv.URL+"/k/u/original=true/1.png", filepath.Join(dir, "m.safetensors"), false)
			if err != nil || written || p != old {
				t.Fatalf("WritePreview = %q, %v, %v; want the existing %q kept", p, written, err, old)
			}
			if n := s.count(); n != 0 {
				t.Errorf("%d requests made for a model that has a preview", n)
			}
			if b, _ := os.ReadFile(old); string(b) != "mine" {
				t.Errorf("existing preview changed")
			}
		})
	}
}

func TestWritePreviewForceReplaces(t *testing.T) {
	t.Parallel()
	jpgB := encoded(t, "jpeg")
	srv, _ := imageServer(t, "image/jpeg", jpgB)
	dir := t.TempDir()
	for name, content := range map[string]string{"m.preview.png": "old preview", "m.png": "user image", "other.preview.png": "another model"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, written, err := WritePreview(t.Context(), srv.Client(), srv.URL+"/k/u/original=true/1.jpeg", filepath.Join(dir, "m.safetensors"), true)
	if err != nil || !written || p != filepath.Join(dir, "m.preview.jpg") {
		t.Fatalf("WritePreview = %q, %v, %v", p, written, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "m.preview.png")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale m.preview.png not removed (%v); A1111 would show it first", err)
	}
	for _, keep := range []string{"m.png", "other.preview.png"} {
		if _, err := os.Stat(filepath.Join(dir, keep)); err != nil {
			t.Errorf("%s removed: %v", keep, err)
		}
	}
	// Forcing again over the same extension replaces the file in place.
	if p2, written, err := WritePreview(t.Context(), srv.Client(), srv.URL+"/k/u/original=true/1.jpeg", filepath.Join(dir, "m.safetensors"), true); err != nil || !written || p2 != p {
		t.Fatalf("second force = %q, %v, %v", p2, written, err)
	}
	if left := previews(t, dir); !cmp.Equal(left, []string{"m.preview.jpg", "other.preview.png"}) {
		t.Errorf("files %v", left)
	}
}

func TestWritePreviewContext(t *testing.T) {
	t.Parallel()
	t.Run("canceled before", func(t *testing.T) {
		t.Parallel()
		srv, _ := imageServer(t, "image/png", encoded(t, "png"))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		dir := t.TempDir()
		_, written, err := WritePreview(ctx, srv.Client(), srv.URL+"/a.png", filepath.Join(dir, "m.safetensors"), false)
		if !errors.Is(err, context.Canceled) || written {
			t.Fatalf("WritePreview = %v, %v; want context.Canceled", written, err)
		}
	})
	t.Run("stalled body", func(t *testing.T) {
		t.Parallel()
		pngB := encoded(t, "png")
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Header().Set("Content-Length", strconv.Itoa(len(pngB)+1000))
			w.Write(pngB)
			w.(http.Flusher).Flush()
			<-r.Context().Done() // stall until the client gives up
		}))
		defer srv.Close()
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		dir := t.TempDir()
		_, written, err := WritePreview(ctx, srv.Client(), srv.URL+"/a.png", filepath.Join(dir, "m.safetensors"), false)
		if !errors.Is(err, context.DeadlineExceeded) || written {
			t.Fatalf("WritePreview = %v, %v; want context.DeadlineExceeded", written, err)
		}
		if left := previews(t, dir); len(left) != 0 {
			t.Errorf("files left behind: %v", left)
		}
	})
}

func TestWritePreviewBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	model := filepath.Join(dir, "m.safetensors")
	if _, _, err := WritePreview(t.Context(), nil, "https://image.civitai.com/a/b/width=1/c.png", model, false); err == nil {
		t.Error("nil client accepted")
	}
	for _, u := range []string{"", "ftp://host/x.png", "/relative/x.png", "https://", "::bad"} {
		if _, _, err := WritePreview(t.Context(), &http.Client{}, u, model, false); err == nil {
			t.Errorf("url %q accepted", u)
		}
	}
}

func TestPreviewURL(t *testing.T) {
	t.Parallel()
	const base = "https://image.civitai.com/xG1nkqKTMzGDvpLrqFT7WA/e802c8b2-d53a-4583-8c73-474b68a9bb21/"
	tests := []struct{ in, want string }{
		{base + "original=true/58189862.jpeg", base + "width=450/58189862.jpeg"},
		{base + "width=1664/58189862.jpeg", base + "width=450/58189862.jpeg"},
		{base + "original=true,quality=90/58189862.jpeg", base + "width=450/58189862.jpeg"},
		{base + "width=1024/1743604.mp4", base + "anim=false,width=450/1743604.mp4"},
		{base + "anim=false,width=1024/1743604.jpeg", base + "anim=false,width=450/1743604.jpeg"},
		// Old imagecache host of 2022, no transformation segment: unchanged.
		{"https://imagecache.civitai.com/xG1nkqKTMzGDvpLrqFT7WA/2c5b8a68-2a52-4b2b-7a44-d4a4a4d8f700/width=450", "https://imagecache.civitai.com/xG1nkqKTMzGDvpLrqFT7WA/2c5b8a68-2a52-4b2b-7a44-d4a4a4d8f700/width=450"},
		{"https://example.com/a/b.png", "https://example.com/a/b.png"},
		{"https://example.com/a=b/c=d/e.png?x=1", "https://example.com/a=b/c=d/e.png?x=1"},
		{"::bad", "::bad"},
	}
	for _, tt := range tests {
		if got := PreviewURL(tt.in, 450); got != tt.want {
			t.Errorf("PreviewURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestChoosePreview(t *testing.T) {
	t.Parallel()
	vid := Image{URL: "v.mp4", Type: "video", NSFWLevel: 1}
	pg := Image{URL: "pg.jpeg", Type: "image", NSFWLevel: 1}
	x := Image{URL: "x.jpeg", Type: "image", NSFWLevel: 16}
	unknown := Image{URL: "u.jpeg"}
	tests := []struct {
		name   string
		images []Image
		max    int
		want   Image
		ok     bool
	}{
		{"first image", []Image{x, pg}, 0, x, true},
		{"skip video", []Image{vid, pg}, 0, pg, true},
		{"video when nothing else", []Image{vid, {URL: "a.mp3", Type: "audio"}}, 0, vid, true},
		{"nsfw filter", []Image{x, vid, pg}, 2, pg, true},
		{"unknown level excluded when filtering", []Image{unknown}, 4, Image{}, false},
		{"unknown level kept without filter", []Image{unknown}, 0, unknown, true},
		{"empty url skipped", []Image{{URL: " "}, pg}, 0, pg, true},
		{"none", nil, 0, Image{}, false},
	}
	for _, tt := range tests {
		got, ok := ChoosePreview(tt.images, tt.max)
		if ok != tt.ok || got != tt.want {
			t.Errorf("%s: ChoosePreview = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestWritePreviewDropsCookieJar(t *testing.T) {
	t.Parallel()
	srv, s := imageServer(t, "image/png", encoded(t, "png"))
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "__Secure-civitai-token", Value: "secret"}})
	hc := srv.Client()
	hc.Jar = jar
	if _, _, err := WritePreview(t.Context(), hc, srv.URL+"/redirect", filepath.Join(t.TempDir(), "m.safetensors"), false); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cookies) != 2 || s.cookies[0] != "" || s.cookies[1] != "" {
		t.Errorf("cookies sent: %q", s.cookies)
	}
}

// A version's first image the CDN lost (404) or that is not an image does
// not leave the model without a preview: the next ones are tried, at most
// three in all.
func TestWriteFirstPreviewFallsBack(t *testing.T) {
	t.Parallel()
	jpgB := encoded(t, "jpeg")
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, path.Base(r.URL.Path))
		mu.Unlock()
		switch {
		case strings.Contains(r.URL.Path, "/gone/"):
			http.NotFound(w, r)
		case strings.Contains(r.URL.Path, "/html/"):
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html>moved</html>")
		default:
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write(jpgB)
		}
	}))
	t.Cleanup(srv.Close)
	img := func(dir, name string) Image {
		return Image{URL: srv.URL + "/key/" + dir + "/original=true/" + name, Type: "image", NSFWLevel: 1}
	}
	for _, tt := range []struct {
		name      string
		images    []Image
		wantOK    bool
		wantErr   bool
		wantAsked []string
	}{
		{"first works", []Image{img("ok", "1.jpeg"), img("ok", "2.jpeg")}, true, false, []string{"1.jpeg"}},
		{"first gone", []Image{img("gone", "1.jpeg"), img("ok", "2.jpeg")}, true, false, []string{"1.jpeg", "2.jpeg"}},
		{"gone, a page, then one", []Image{img("gone", "1.jpeg"), img("html", "2.jpeg"), img("ok", "3.jpeg")}, true, false, []string{"1.jpeg", "2.jpeg", "3.jpeg"}},
		{"three tries at most", []Image{img("gone", "1.jpeg"), img("gone", "2.jpeg"), img("gone", "3.jpeg"), img("ok", "4.jpeg")}, true, true, []string{"1.jpeg", "2.jpeg", "3.jpeg"}},
		{"none qualifies", nil, false, false, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			asked = nil
			mu.Unlock()
			dir := t.TempDir()
			p, written, ok, err := WriteFirstPreview(t.Context(), srv.Client(), tt.images, 0, filepath.Join(dir, "lora.safetensors"), false)
			if ok != tt.wantOK || (err != nil) != tt.wantErr {
				t.Fatalf("WriteFirstPreview = %q, %v, %v, %v; want ok %v, error %v", p, written, ok, err, tt.wantOK, tt.wantErr)
			}
			if tt.wantOK && !tt.wantErr && (!written || p != filepath.Join(dir, "lora.preview.jpg")) {
				t.Errorf("preview %q (written %v), want lora.preview.jpg", p, written)
			}
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff(tt.wantAsked, asked); diff != "" {
				t.Errorf("images asked for (-want +got):\n%s", diff)
			}
		})
	}
}

// A model named so near the limit that no preview name fits: nothing is
// fetched, and the error says so (ErrNameTooLong), not a failed download.
// A .civitai.info that cannot exist says the same.
func TestSidecarNameTooLong(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows counts the limit in UTF-16 units")
	}
	t.Parallel()
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(encoded(t, "jpeg"))
	}))
	t.Cleanup(srv.Close)
	model := filepath.Join(t.TempDir(), strings.Repeat("a", 244)+".safetensors") // 256 bytes
	images := []Image{{URL: srv.URL + "/k/original=true/1.jpeg", Type: "image"}, {URL: srv.URL + "/k/original=true/2.jpeg", Type: "image"}}
	_, written, _, err := WriteFirstPreview(t.Context(), srv.Client(), images, 0, model, false)
	var long *NameTooLongError
	if written || !errors.Is(err, ErrNameTooLong) || !errors.As(err, &long) || long.Name != strings.Repeat("a", 244)+".preview.png" {
		t.Errorf("WriteFirstPreview = written %v, %v; want ErrNameTooLong naming the preview", written, err)
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("%d images fetched for a preview that cannot exist", n)
	}
	_, err = WriteInfo(InfoPath(model), []byte(`{"id":1}`), false)
	if !errors.Is(err, ErrNameTooLong) {
		t.Errorf("WriteInfo = %v, want ErrNameTooLong", err)
	}
}
