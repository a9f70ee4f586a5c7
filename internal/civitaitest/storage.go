package civitaitest

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The storage host imitates an R2/S3 bucket behind presigned URLs: it
// validates the URL signature and expiry, and serves bodies with ETag,
// Last-Modified, Range and If-Range. Like S3, it refuses a presigned
// request that also carries an Authorization header (two auth
// mechanisms), so a client that forwards its API key to storage fails
// here as it would on the real bucket.

// authConflictMsg is S3's message for a presigned URL sent with an
// Authorization header.
const authConflictMsg = "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, " +
	"Signature query string parameter or the Authorization header should be specified"

// presigned reports whether the URL carries query-string authentication.
func presigned(u *url.URL) bool {
	q := u.Query()
	return q.Has("X-Amz-Algorithm") || q.Has("X-Amz-Signature") || q.Has("Signature")
}

// s3Error renders an S3-style XML error.
func s3Error(code, msg string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Error><Code>` + html.EscapeString(code) + `</Code><Message>` + html.EscapeString(msg) + `</Message></Error>`
}

func writeS3Error(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	body := s3Error(code, msg)
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}

// fileForKey resolves "model/<n>/<slug>.<fileID>.<ext>".
func (s *Server) fileForKey(key string) *FakeFile {
	seg := key[strings.LastIndex(key, "/")+1:]
	parts := strings.Split(seg, ".")
	if len(parts) < 3 {
		return nil
	}
	id, err := strconv.ParseInt(parts[len(parts)-2], 10, 64)
	if err != nil {
		return nil
	}
	f, ok := s.Catalog.File(id)
	if !ok || f.StorageKey != key {
		return nil
	}
	return f
}

// parseRange parses a single "bytes=" range against size. ok is false
// when the header should be ignored (malformed or several ranges);
// unsatisfiable reports a 416.
func parseRange(h string, size int64) (off, n int64, ok, unsatisfiable bool) {
	spec, found := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, false
	}
	a, b, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, false
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == "" {
		// Suffix range: the last b bytes.
		k, err := strconv.ParseInt(b, 10, 64)
		if err != nil || k < 0 {
			return 0, 0, false, false
		}
		if k == 0 || size == 0 {
			return 0, 0, true, true
		}
		k = min(k, size)
		return size - k, k, true, false
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 {
		return 0, 0, false, false
	}
	end := size - 1
	if b != "" {
		e, err := strconv.ParseInt(b, 10, 64)
		if err != nil || e < start {
			return 0, 0, false, false
		}
		end = min(e, size-1)
	}
	if start >= size {
		return 0, 0, true, true
	}
	return start, end - start + 1, true, false
}

// serveStorage serves signed file URLs.
func (s *Server) serveStorage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeS3Error(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		return
	}
	if strings.HasPrefix(r.URL.Path, "/image/") {
		serveImage(w, r)
		return
	}
	if presigned(r.URL) && r.Header.Get("Authorization") != "" {
		writeS3Error(w, r, http.StatusBadRequest, "InvalidArgument", authConflictMsg)
		return
	}
	disposition, code, msg := s.verifySignedURL(r.URL)
	if code != "" {
		writeS3Error(w, r, http.StatusForbidden, code, msg)
		return
	}
	f := s.fileForKey(strings.TrimPrefix(r.URL.Path, "/"))
	if f == nil {
		writeS3Error(w, r, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	gen := f.Generation()
	body := f.content(gen)
	etag := f.etag(gen)
	lastMod := f.lastModified(gen).UTC().Format(http.TimeFormat)
	h := w.Header()
	h.Set("Accept-Ranges", "bytes")
	h.Set("ETag", etag)
	h.Set("Last-Modified", lastMod)
	h.Set("Content-Type", "application/octet-stream")
	if disposition != "" {
		h.Set("Content-Disposition", disposition)
	}
	if im := r.Header.Get("If-Match"); im != "" && im != "*" && im != etag {
		writeS3Error(w, r, http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
		return
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && (inm == etag || inm == "*") {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	rangeHdr := r.Header.Get("Range")
	if ir := r.Header.Get("If-Range"); rangeHdr != "" && ir != "" && ir != etag && ir != lastMod {
		rangeHdr = "" // the representation changed: send it whole
	}
	off, n, status := int64(0), f.Size, http.StatusOK
	if rangeHdr != "" {
		o, k, ok, unsat := parseRange(rangeHdr, f.Size)
		switch {
		case unsat:
			h.Set("Content-Range", fmt.Sprintf("bytes */%d", f.Size))
			writeS3Error(w, r, http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range is not satisfiable")
			return
		case ok:
			off, n, status = o, k, http.StatusPartialContent
			h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", o, o+k-1, f.Size))
		}
	}
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = body.writeRange(w, off, n)
}
