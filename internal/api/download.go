package api

import (
	"bytes"
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DownloadParams select a file of a model version for
// /api/download/models/{id}. Zero values are omitted; with none set the
// server picks the primary file (adjusted by the account's preferences).
// A parameter that does not match the chosen file makes the server answer
// 404, so prefer FileID when you know it.
type DownloadParams struct {
	Type   string // one of ModelFileTypes(), e.g. "Model", "Pruned Model", "VAE"
	Format string // one of FileFormats(), e.g. "SafeTensor"
	Size   string // "full" or "pruned"
	FP     string // one of FilePrecisions(), e.g. "fp16"
	FileID int64  // an exact File.ID; bypasses matching
}

func (p DownloadParams) values() url.Values {
	q := url.Values{}
	setNonEmpty(q, "type", normalizeOr(p.Type, ModelFileTypes()))
	setNonEmpty(q, "format", normalizeOr(p.Format, FileFormats()))
	setNonEmpty(q, "size", normalizeOr(p.Size, FileSizes()))
	setNonEmpty(q, "fp", normalizeOr(p.FP, FilePrecisions()))
	setID(q, "fileId", p.FileID)
	return q
}

// DownloadLocation is where a file can be fetched from, without any
// credentials: a short-lived signed storage URL.
type DownloadLocation struct {
	URL string // the signed storage URL (the redirect's Location)
	// Filename comes from the response-content-disposition query parameter
	// of URL when present, else "". It is not sanitised.
	Filename string
	// ExpiresAt is derived from X-Amz-Date + X-Amz-Expires or Expires in
	// URL; zero when unknown.
	ExpiresAt time.Time
}

// ResolveDownload asks /api/download/models/{versionID} for the file's
// storage URL without following the redirect, sending the API key (the
// storage URL needs none). A redirect to the login page is a
// KindAuthRequired *Error; 401, 403 (KindEarlyAccess with Deadline, or
// KindForbidden), 404, 410 and 429 JSON bodies map to their kinds. A 2xx is
// an error too: the body is never taken for the file.
func (c *Client) ResolveDownload(ctx context.Context, versionID int64, p DownloadParams) (*DownloadLocation, error) {
	if versionID <= 0 {
		return nil, &ValidationError{Field: "version id", Value: strconv.FormatInt(versionID, 10), Reason: "must be a positive integer"}
	}
	if p.FileID < 0 {
		return nil, &ValidationError{Field: "file id", Value: strconv.FormatInt(p.FileID, 10), Reason: "must be a positive integer"}
	}
	u := c.endpoint("/api/download/models/"+strconv.FormatInt(versionID, 10), p.values())
	var loc *DownloadLocation
	err := c.withRetry(ctx, http.MethodGet+" "+pathOf(redactURL(u)), func() error {
		l, err := c.resolveOnce(ctx, u)
		if err != nil {
			return err
		}
		loc = l
		return nil
	})
	if err != nil {
		return nil, err
	}
	return loc, nil
}

func (c *Client) resolveOnce(ctx context.Context, u *url.URL) (*DownloadLocation, error) {
	req, err := c.newRequest(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.noRedirect.Do(req)
	if err != nil {
		return nil, c.networkError(http.MethodGet, u, err)
	}
	defer resp.Body.Close()
	newErr := func(kind ErrorKind, msg string) *Error {
		return &Error{Kind: kind, Method: http.MethodGet, URL: redactURL(u), StatusCode: resp.StatusCode, Message: c.scrub(msg)}
	}
	switch s := resp.StatusCode; {
	case s >= 300 && s <= 399:
		_, _ = io.CopyN(io.Discard, resp.Body, maxErrorBody)
		raw := resp.Header.Get("Location")
		if raw == "" {
			return nil, newErr(KindUnknown, "redirect without a Location header")
		}
		target, err := u.Parse(raw)
		if err != nil || (target.Scheme != "http" && target.Scheme != "https") {
			return nil, newErr(KindUnknown, "redirect to an invalid location")
		}
		if isLoginRedirect(target) {
			msg := "the server redirected to the login page: this download requires an API key"
			if c.HasAPIKey() {
				msg = "the server redirected to the login page: the API key was not accepted"
			}
			e := newErr(KindAuthRequired, msg)
			e.KeySent = c.HasAPIKey()
			return nil, e
		}
		return &DownloadLocation{
			URL:       target.String(),
			Filename:  dispositionFilename(target.Query().Get("response-content-disposition")),
			ExpiresAt: signedExpiry(target.Query()),
		}, nil
	case s >= 200 && s <= 299:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody)) // never the whole (possibly huge) file
		t := bytes.TrimSpace(body)
		if isHTML(resp.Header.Get("Content-Type"), t) {
			return nil, newErr(KindNotJSON, htmlMessage(t)+" instead of a redirect to the file")
		}
		return nil, newErr(KindUnknown, "expected a redirect to the file, got "+strconv.Itoa(s)+" "+resp.Header.Get("Content-Type"))
	default:
		return nil, c.statusError(http.MethodGet, u, resp)
	}
}

// isLoginRedirect recognises /login?returnUrl=...&reason=download-auth.
func isLoginRedirect(u *url.URL) bool {
	if strings.EqualFold(u.Query().Get("reason"), "download-auth") {
		return true
	}
	p := strings.TrimRight(strings.ToLower(u.Path), "/")
	return strings.HasSuffix(p, "/login") || strings.HasSuffix(p, "/api/auth/signin")
}

// dispositionFilename reads the filename of a Content-Disposition value,
// preferring RFC 5987 filename*.
func dispositionFilename(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	if _, params, err := mime.ParseMediaType(v); err == nil {
		if f := strings.TrimSpace(params["filename"]); f != "" {
			return f
		}
	}
	// Fallback for sloppy values such as: attachment; filename=a b.safetensors
	lower := strings.ToLower(v)
	i := strings.Index(lower, "filename=")
	if i < 0 {
		return ""
	}
	f := v[i+len("filename="):]
	if j := strings.IndexByte(f, ';'); j >= 0 {
		f = f[:j]
	}
	return strings.Trim(strings.TrimSpace(f), `"`)
}

// signedExpiry reads the expiry of a signed URL: X-Amz-Date + X-Amz-Expires
// (S3/R2) or Expires as Unix seconds (B2, CloudFront).
func signedExpiry(q url.Values) time.Time {
	get := func(name string) string {
		for k, v := range q {
			if strings.EqualFold(k, name) && len(v) > 0 {
				return v[0]
			}
		}
		return ""
	}
	if d, e := get("X-Amz-Date"), get("X-Amz-Expires"); d != "" && e != "" {
		t, err := time.Parse("20060102T150405Z", d)
		secs, err2 := strconv.ParseInt(e, 10, 64)
		if err == nil && err2 == nil && secs >= 0 && secs <= 7*24*3600 {
			return t.Add(time.Duration(secs) * time.Second)
		}
	}
	if e := get("Expires"); e != "" {
		if secs, err := strconv.ParseInt(e, 10, 64); err == nil && secs > 0 && secs < 1<<40 {
			return time.Unix(secs, 0).UTC()
		}
	}
	return time.Time{}
}
