package civitaitest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const browserUA = "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"

// fileAt resolves the file a storage Location points at.
func fileAt(t *testing.T, s *Server, loc string) *FakeFile {
	t.Helper()
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host; got != s.StorageURL {
		t.Fatalf("Location host %s, want storage %s", got, s.StorageURL)
	}
	f := s.fileForKey(strings.TrimPrefix(u.Path, "/"))
	if f == nil {
		t.Fatalf("Location %s names no file", loc)
	}
	return f
}

func fid(v int64, k int) int64 { return v*100 + int64(k) }
func vid(m int64, j int) int64 { return m*100 + int64(j) }

func TestDownloadOutcomes(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 3, Models: -1, APIKeys: []string{"good"}, EarlyAccessKeys: []string{"buyer"}})
	dl := func(v int64, q string) string {
		p := fmt.Sprintf("/api/download/models/%d", v)
		if q != "" {
			p += "?" + q
		}
		return p
	}
	cp := vid(FixtureCheckpoint, 1)  // v3.0: fp16 primary, fp32, ckpt, VAE, fp8
	cp2 := vid(FixtureCheckpoint, 2) // v2.0: ..., GGUF Q8_0 (k=5), GGUF Q4_K_M (k=6)
	tests := []struct {
		name     string
		path     string
		hdr      []string
		status   int
		body     string // exact body ("" = not checked)
		file     int64  // for 307 to storage: the file id chosen
		location string // for other redirects: exact Location
	}{
		{name: "public anonymous", path: dl(vid(FixturePublicLoRA, 1), ""), status: 307, file: fid(vid(FixturePublicLoRA, 1), 1)},
		{name: "auth required anonymous", path: dl(vid(FixtureAuthRequired, 1), ""), status: 401,
			body: `{"error":"Unauthorized","message":"The creator of this asset requires you to be logged in to download it"}`},
		{name: "auth required invalid key is anonymous", path: dl(vid(FixtureAuthRequired, 1), ""), hdr: []string{"Authorization: Bearer nope"}, status: 401},
		{name: "auth required bearer", path: dl(vid(FixtureAuthRequired, 1), ""), hdr: []string{"Authorization: Bearer good"}, status: 307, file: fid(vid(FixtureAuthRequired, 1), 1)},
		{name: "auth required token param", path: dl(vid(FixtureAuthRequired, 1), "token=good"), status: 307, file: fid(vid(FixtureAuthRequired, 1), 1)},
		{name: "early access anonymous", path: dl(vid(FixtureEarlyAccess, 1), ""), status: 403,
			body: `{"error":"Early Access","deadline":"` + earlyAccessDeadline(vid(FixtureEarlyAccess, 1)).Format("2006-01-02T15:04:05.000Z") + `","message":"This asset is in Early Access. You can use Buzz access it now!"}`},
		{name: "early access valid key without purchase", path: dl(vid(FixtureEarlyAccess, 1), ""), hdr: []string{"Authorization: Bearer good"}, status: 403},
		{name: "early access buyer", path: dl(vid(FixtureEarlyAccess, 1), ""), hdr: []string{"Authorization: Bearer buyer"}, status: 307, file: fid(vid(FixtureEarlyAccess, 1), 1)},
		{name: "early access older version", path: dl(vid(FixtureEarlyAccess, 2), ""), status: 307, file: fid(vid(FixtureEarlyAccess, 2), 1)},
		{name: "archived", path: dl(vid(FixtureArchived, 1), ""), status: 410, body: `{"error":"Model archived, not available for download"}`},
		{name: "downloads disabled even with key", path: dl(vid(FixtureNoDownload, 1), ""), hdr: []string{"Authorization: Bearer good"}, status: 401,
			body: `{"error":"Unauthorized","message":"The creator of this asset has disabled downloads on this file"}`},
		{name: "unknown version", path: dl(999999999, ""), status: 404, body: `{"error":"File not found"}`},
		{name: "deleted model", path: dl(vid(FixtureDeleted, 1), ""), status: 404, body: `{"error":"File not found"}`},
		{name: "bad enum is 400 JSON", path: dl(cp, "type=model"), status: 400},
		{name: "bad id is 400", path: dl(0, ""), status: 400, body: `{"error":"Missing modelVersionId"}`},
		{name: "non-numeric id", path: "/api/download/models/abc", status: 400},
		{name: "default picks pruned fp16", path: dl(cp, ""), status: 307, file: fid(cp, 1)},
		{name: "full fp32 by params", path: dl(cp, "type=Model&format=SafeTensor&size=full&fp=fp32"), status: 307, file: fid(cp, 2)},
		{name: "pickle by params", path: dl(cp, "type=Model&format=PickleTensor&size=full&fp=fp32"), status: 307, file: fid(cp, 3)},
		{name: "vae by type", path: dl(cp, "type=VAE&format=SafeTensor"), status: 307, file: fid(cp, 4)},
		{name: "same-name fp8 by params", path: dl(cp, "type=Model&format=SafeTensor&size=pruned&fp=fp8"), status: 307, file: fid(cp, 5)},
		{name: "fp8 by fileId", path: dl(cp, "fileId="+fmt.Sprint(fid(cp, 5))), status: 307, file: fid(cp, 5)},
		{name: "misaligned combination 404", path: dl(cp, "format=SafeTensor&size=full&fp=fp16"), status: 404, body: `{"error":"File not found"}`},
		// quantType is scored (§2.10): each quant is reachable by asking for it.
		{name: "gguf Q8_0 by quantType", path: dl(cp2, "type=Model&format=GGUF&size=pruned&quantType=Q8_0"), status: 307, file: fid(cp2, 5)},
		{name: "gguf Q4_K_M by quantType", path: dl(cp2, "type=Model&format=GGUF&size=pruned&quantType=Q4_K_M"), status: 307, file: fid(cp2, 6)},
		// Without quantType (what downloadUrl carries) the preferred quant wins.
		{name: "gguf without quantType is the preferred Q4_K_M", path: dl(cp2, "type=Model&format=GGUF&size=pruned"), status: 307, file: fid(cp2, 6)},
		{name: "gguf Q4_K_M by fileId", path: dl(cp2, "fileId="+fmt.Sprint(fid(cp2, 6))), status: 307, file: fid(cp2, 6)},
		{name: "gguf unknown quant is 404 not 400", path: dl(cp2, "type=Model&format=GGUF&size=pruned&quantType=Q4_K_XL"), status: 404, body: `{"error":"File not found"}`},
		// fp and quantType are free strings ≤64 (§2.10): unknown values are
		// misaligned (404) when the chosen file has that key, ignored otherwise.
		{name: "unknown fp misaligned is 404", path: dl(cp, "fp=fp4"), status: 404, body: `{"error":"File not found"}`},
		{name: "unknown fp on a file without fp", path: dl(vid(FixturePublicLoRA, 1), "fp=fp4"), status: 307, file: fid(vid(FixturePublicLoRA, 1), 1)},
		{name: "unknown quant on a file without quant", path: dl(vid(FixturePublicLoRA, 1), "quantType=Q4_K_XL"), status: 307, file: fid(vid(FixturePublicLoRA, 1), 1)},
		{name: "fp longer than 64 is 400", path: dl(cp, "fp="+strings.Repeat("x", 65)), status: 400,
			body: `{"error":"✖ Too big: expected string to have <=64 characters\n  → at fp"}`},
		{name: "quantType of 64 is accepted", path: dl(cp, "quantType="+strings.Repeat("x", 64)), status: 307, file: fid(cp, 1)},
		{name: "fileId of another version", path: dl(cp2, "fileId="+fmt.Sprint(fid(cp, 1))), status: 404},
		{name: "browser auth redirect", path: dl(vid(FixtureAuthRequired, 1), ""), hdr: []string{browserUA}, status: 307,
			location: fmt.Sprintf("/login?returnUrl=/model-versions/%d&reason=download-auth", vid(FixtureAuthRequired, 1))},
		{name: "browser early access redirect", path: dl(vid(FixtureEarlyAccess, 1), ""), hdr: []string{browserUA}, status: 307,
			location: fmt.Sprintf("/model-versions/%d", vid(FixtureEarlyAccess, 1))},
		{name: "browser archived is text", path: dl(vid(FixtureArchived, 1), ""), hdr: []string{browserUA}, status: 410, body: "Model archived, not available for download"},
		{name: "browser not found is text", path: dl(999999999, ""), hdr: []string{browserUA}, status: 404, body: "File not found"},
		{name: "browser disabled stays JSON", path: dl(vid(FixtureNoDownload, 1), ""), hdr: []string{browserUA}, status: 401,
			body: `{"error":"Unauthorized","message":"The creator of this asset has disabled downloads on this file"}`},
		// A public endpoint does not check the verb (§1 [S-ep]).
		{name: "POST runs like GET", path: dl(vid(FixturePublicLoRA, 1), ""), hdr: []string{"X-Method: POST"}, status: 307,
			file: fid(vid(FixturePublicLoRA, 1), 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			method := "GET"
			var hdr []string
			for _, h := range tt.hdr {
				if m, ok := strings.CutPrefix(h, "X-Method: "); ok {
					method = m
					continue
				}
				hdr = append(hdr, h)
			}
			r := call(t, method, s.URL+tt.path, nil, hdr...)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.status, r.body)
			}
			if tt.body != "" && string(r.body) != tt.body {
				t.Errorf("body %s\nwant %s", r.body, tt.body)
			}
			loc := r.header.Get("Location")
			switch {
			case tt.file != 0:
				if f := fileAt(t, s, loc); f.ID != tt.file {
					t.Errorf("redirect to file %d (%s), want %d", f.ID, loc, tt.file)
				}
				if cc := r.header.Get("Cache-Control"); cc != "no-store, max-age=0" {
					t.Errorf("Cache-Control %q", cc)
				}
			case tt.location != "":
				if loc != tt.location {
					t.Errorf("Location %q, want %q", loc, tt.location)
				}
			}
		})
	}
}

// TestDownloadURLsResolveToTheirFile follows every file's downloadUrl of
// the version endpoint: each must redirect to that file, except the
// documented colliding GGUF URL of FixtureCheckpoint, whose Q8_0 URL has no
// quantType (§2.10 [S-dlurl]) and silently leads to the preferred Q4_K_M.
func TestDownloadURLsResolveToTheirFile(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 11, Models: 60, APIKeys: []string{"k"}, EarlyAccessKeys: []string{"ea"}})
	type file struct {
		ID          int64
		DownloadURL string `json:"downloadUrl"`
	}
	checked := 0
	for _, m := range s.Catalog.Models() {
		if !m.Visible() || m.Mode == "Archived" {
			continue
		}
		for _, v := range m.PublishedVersions() {
			if v.UsageControl != "Download" || v.PrimaryFile() == nil {
				continue
			}
			r := get(t, fmt.Sprintf("%s/api/v1/model-versions/%d", s.URL, v.ID))
			if r.status != 200 {
				t.Fatalf("version %d: %d", v.ID, r.status)
			}
			for _, f := range decode[struct{ Files []file }](t, r.body).Files {
				dr := get(t, f.DownloadURL, "Authorization: Bearer ea")
				if f.ID == fid(vid(FixtureCheckpoint, 2), 5) {
					if strings.Contains(f.DownloadURL, "quantType") {
						t.Errorf("downloadUrl carries quantType: %s", f.DownloadURL)
					}
					if dr.status != 307 || fileAt(t, s, dr.header.Get("Location")).ID != fid(vid(FixtureCheckpoint, 2), 6) {
						t.Errorf("Q8_0 url %s = %d %s, want 307 to the Q4_K_M file", f.DownloadURL, dr.status, dr.header.Get("Location"))
					}
					continue
				}
				if dr.status != 307 {
					t.Errorf("%s = %d %s", f.DownloadURL, dr.status, dr.body)
					continue
				}
				if got := fileAt(t, s, dr.header.Get("Location")); got.ID != f.ID {
					t.Errorf("%s resolves to file %d, want %d", f.DownloadURL, got.ID, f.ID)
				}
				checked++
			}
		}
	}
	if checked < 60 {
		t.Errorf("only %d files checked", checked)
	}
}

func TestDownloadRequireAuthAndLimiter(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 1, Models: -1, RequireAuthForDownloads: true, DownloadLimit: 2})
	path := fmt.Sprintf("%s/api/download/models/%d", s.URL, vid(FixturePublicLoRA, 1))
	if r := get(t, path); r.status != 401 {
		t.Errorf("anonymous with RequireAuthForDownloads: %d", r.status)
	}
	for i := 0; i < 2; i++ {
		if r := get(t, path, "Authorization: Bearer test-key"); r.status != 307 {
			t.Fatalf("download %d: %d %s", i, r.status, r.body)
		}
	}
	r := get(t, path, "Authorization: Bearer test-key")
	want := `{"error":"` + limiterMessage + `"}`
	if r.status != 429 || string(r.body) != want {
		t.Errorf("third download = %d %s, want 429 %s", r.status, r.body, want)
	}
	if ra := r.header.Get("Retry-After"); ra != "" {
		t.Errorf("limiter sent Retry-After %q", ra)
	}
}

// TestDownloadLimitWindow: the limiter forgets a download after its
// window (a minute unless set), and SetDownloadLimit changes a running
// server's limit.
func TestDownloadLimitWindow(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	base := time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return base.Add(time.Duration(offset.Load())) }
	advance := func(d time.Duration) { offset.Add(int64(d)) }
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 1, Models: -1, Now: now})
	path := fmt.Sprintf("%s/api/download/models/%d", s.URL, vid(FixturePublicLoRA, 1))
	status := func() int { return get(t, path).status }
	steps := []struct {
		name string
		do   func()
		want []int // statuses of requests in a row
	}{
		{"unlimited by default", func() {}, []int{307, 307, 307}},
		{"limit 2 a minute", func() { s.SetDownloadLimit(2, 0) }, []int{307, 307, 429, 429}},
		{"59 s later", func() { advance(59 * time.Second) }, []int{429}},
		{"a minute later", func() { advance(time.Second) }, []int{307, 307, 429}},
		{"window 10 s", func() { s.SetDownloadLimit(1, 10*time.Second) }, []int{307, 429}},
		{"10 s later", func() { advance(10 * time.Second) }, []int{307, 429}},
	}
	for _, st := range steps {
		st.do()
		for i, want := range st.want {
			if got := status(); got != want {
				t.Errorf("%s: request %d: %d, want %d", st.name, i+1, got, want)
			}
		}
	}
}

// signed returns the storage URL the download endpoint redirects to.
func signed(t *testing.T, s *Server, versionID int64, hdr ...string) string {
	t.Helper()
	r := get(t, fmt.Sprintf("%s/api/download/models/%d", s.URL, versionID), hdr...)
	if r.status != 307 {
		t.Fatalf("download %d: %d %s", versionID, r.status, r.body)
	}
	return r.header.Get("Location")
}

func bodyOf(f *FakeFile) []byte {
	var b bytes.Buffer
	if _, err := f.WriteRange(&b, 0, f.Size); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func TestStorageServesSignedURLs(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 5, Models: -1})
	f, _ := s.Catalog.File(fid(vid(FixturePublicLoRA, 1), 1))
	loc := signed(t, s, vid(FixturePublicLoRA, 1))
	u, _ := url.Parse(loc)
	q := u.Query()
	for _, k := range []string{"X-Amz-Expires", "X-Amz-Date", "X-Amz-Signature", "response-content-disposition"} {
		if q.Get(k) == "" {
			t.Errorf("signed URL lacks %s: %s", k, loc)
		}
	}
	if got := q.Get("X-Amz-Expires"); got != "86400" {
		t.Errorf("X-Amz-Expires = %s", got)
	}
	full := bodyOf(f)
	etag := f.ETag()
	lastMod := f.LastModified().UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
	size := f.Size
	tests := []struct {
		name    string
		method  string
		hdr     []string
		status  int
		body    []byte
		cr      string // Content-Range
		headers map[string]string
	}{
		{name: "full", method: "GET", status: 200, body: full, headers: map[string]string{
			"Accept-Ranges": "bytes", "ETag": etag, "Last-Modified": lastMod, "Content-Type": "application/octet-stream",
			"Content-Disposition": `attachment; filename="fixture_public_lora.safetensors"`, "Content-Length": fmt.Sprint(size)}},
		{name: "head", method: "HEAD", status: 200, body: []byte{}, headers: map[string]string{"Content-Length": fmt.Sprint(size), "ETag": etag}},
		// A presigned URL with an Authorization header is two auth
		// mechanisms: S3 refuses it, so an API key must never reach storage.
		{name: "authorization refused", method: "GET", hdr: []string{"Authorization: Bearer whatever"}, status: 400,
			body: []byte(s3Error("InvalidArgument", authConflictMsg)), headers: map[string]string{"Content-Type": "application/xml"}},
		{name: "authorization refused on HEAD", method: "HEAD", hdr: []string{"Authorization: Bearer test-key"}, status: 400, body: []byte{}},
		{name: "authorization refused with a range", method: "GET", hdr: []string{"Authorization: Bearer test-key", "Range: bytes=0-9"}, status: 400},
		{name: "range a-b", method: "GET", hdr: []string{"Range: bytes=10-19"}, status: 206, body: full[10:20], cr: fmt.Sprintf("bytes 10-19/%d", size)},
		{name: "range a-", method: "GET", hdr: []string{"Range: bytes=100000-"}, status: 206, body: full[100000:], cr: fmt.Sprintf("bytes 100000-%d/%d", size-1, size)},
		{name: "suffix", method: "GET", hdr: []string{"Range: bytes=-7"}, status: 206, body: full[size-7:], cr: fmt.Sprintf("bytes %d-%d/%d", size-7, size-1, size)},
		{name: "end clamped", method: "GET", hdr: []string{fmt.Sprintf("Range: bytes=%d-%d", size-3, size+100)}, status: 206, body: full[size-3:]},
		{name: "unsatisfiable", method: "GET", hdr: []string{fmt.Sprintf("Range: bytes=%d-", size)}, status: 416, cr: fmt.Sprintf("bytes */%d", size)},
		{name: "multi range served whole", method: "GET", hdr: []string{"Range: bytes=0-1,5-6"}, status: 200, body: full},
		{name: "malformed range ignored", method: "GET", hdr: []string{"Range: bytes=9-2"}, status: 200, body: full},
		{name: "if-range etag match", method: "GET", hdr: []string{"Range: bytes=5-", "If-Range: " + etag}, status: 206, body: full[5:]},
		{name: "if-range date match", method: "GET", hdr: []string{"Range: bytes=5-", "If-Range: " + lastMod}, status: 206, body: full[5:]},
		{name: "if-range mismatch", method: "GET", hdr: []string{"Range: bytes=5-", `If-Range: "stale"`}, status: 200, body: full},
		{name: "head range", method: "HEAD", hdr: []string{"Range: bytes=0-9"}, status: 206, body: []byte{}, cr: fmt.Sprintf("bytes 0-9/%d", size)},
		{name: "post refused", method: "POST", status: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := call(t, tt.method, loc, nil, tt.hdr...)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d (%s)", r.status, tt.status, r.body)
			}
			if tt.body != nil && !bytes.Equal(r.body, tt.body) {
				t.Errorf("body of %d bytes differs from the expected %d bytes", len(r.body), len(tt.body))
			}
			if tt.cr != "" && r.header.Get("Content-Range") != tt.cr {
				t.Errorf("Content-Range %q, want %q", r.header.Get("Content-Range"), tt.cr)
			}
			for k, v := range tt.headers {
				if got := r.header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
	t.Run("storage requests recorded with authorization flag", func(t *testing.T) {
		t.Parallel()
		s2 := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 5, Models: -1})
		l := signed(t, s2, vid(FixtureAuthRequired, 1), "Authorization: Bearer test-key")
		get(t, l)
		get(t, l, "Authorization: Bearer leaked")
		var st []RequestRecord
		for _, rec := range s2.Requests() {
			if rec.Host == "storage" {
				st = append(st, rec)
			}
		}
		if len(st) != 2 || st[0].HasAuthorization || !st[1].HasAuthorization || st[1].Authorization != "Bearer leaked" {
			t.Errorf("storage records %+v", st)
		}
	})
}

func TestStorageRejectsBadOrExpiredURLs(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	base := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return base.Add(time.Duration(offset.Load())) }
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 5, Models: -1, URLTTL: time.Hour, Now: now})
	loc := signed(t, s, vid(FixturePublicLoRA, 1))
	if r := get(t, loc); r.status != 200 {
		t.Fatalf("fresh URL: %d", r.status)
	}
	tamper := func(from, to string) string { return strings.Replace(loc, from, to, 1) }
	u, _ := url.Parse(loc)
	sig := u.Query().Get("X-Amz-Signature")
	tests := []struct {
		name, url, code string
	}{
		{"bad signature", tamper(sig, strings.Repeat("0", len(sig))), "SignatureDoesNotMatch"},
		{"other file name", tamper("filename%3D%22", "filename%3D%22x"), "SignatureDoesNotMatch"},
		{"longer expiry", tamper("X-Amz-Expires=3600", "X-Amz-Expires=99999"), "SignatureDoesNotMatch"},
		{"no signature", s.StorageURL + u.Path, "AccessDenied"},
	}
	for _, tt := range tests {
		r := get(t, tt.url)
		if r.status != 403 || !bytes.Contains(r.body, []byte("<Code>"+tt.code+"</Code>")) {
			t.Errorf("%s: %d %s", tt.name, r.status, r.body)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/xml" {
			t.Errorf("%s: Content-Type %q", tt.name, ct)
		}
	}
	offset.Store(int64(time.Hour + time.Second))
	r := get(t, loc)
	if r.status != 403 || !bytes.Contains(r.body, []byte("<Code>AccessDenied</Code><Message>Request has expired</Message>")) {
		t.Errorf("expired URL: %d %s", r.status, r.body)
	}
	// A fresh redirect works again.
	if r := get(t, signed(t, s, vid(FixturePublicLoRA, 1))); r.status != 200 {
		t.Errorf("fresh URL after expiry: %d", r.status)
	}
}

func TestMutateFile(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 9, Models: -1})
	id := fid(vid(FixturePublicLoRA, 1), 1)
	f, _ := s.Catalog.File(id)
	loc := signed(t, s, vid(FixturePublicLoRA, 1))
	before := get(t, loc)
	oldTag, oldSHA := f.ETag(), f.SHA256()
	if err := s.MutateFile(id); err != nil {
		t.Fatal(err)
	}
	after := get(t, loc) // the old URL stays valid and serves the new bytes
	if after.status != 200 || bytes.Equal(before.body, after.body) || len(before.body) != len(after.body) {
		t.Fatalf("mutation: status %d, same bytes %v, sizes %d/%d", after.status, bytes.Equal(before.body, after.body), len(before.body), len(after.body))
	}
	if after.header.Get("ETag") == oldTag || f.ETag() == oldTag {
		t.Errorf("ETag unchanged: %s", oldTag)
	}
	sum := sha256.Sum256(after.body)
	if got := strings.ToUpper(hex.EncodeToString(sum[:])); got != f.SHA256() || got == oldSHA {
		t.Errorf("published SHA256 %s, body %s, old %s", f.SHA256(), got, oldSHA)
	}
	// If-Range with the old ETag now gets the whole new body.
	r := get(t, loc, "Range: bytes=10-", "If-Range: "+oldTag)
	if r.status != 200 || !bytes.Equal(r.body, after.body) {
		t.Errorf("If-Range with stale ETag: %d", r.status)
	}
	// The API and by-hash follow the new bytes.
	if r := get(t, s.URL+"/api/v1/model-versions/by-hash/"+f.SHA256()); r.status != 200 {
		t.Errorf("by-hash of new content: %d", r.status)
	}
	if r := get(t, s.URL+"/api/v1/model-versions/by-hash/"+oldSHA); r.status != 404 {
		t.Errorf("by-hash of old content: %d", r.status)
	}
	if err := s.MutateFile(1); err == nil {
		t.Error("MutateFile of unknown file succeeded")
	}
}

func TestBodyMatchesPublishedHashes(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 21, Models: 15, WrongHash: map[int64]bool{fid(vid(FixtureCheckpoint, 1), 2): true}})
	for _, m := range s.Catalog.Models() {
		for _, v := range m.PublishedVersions() {
			for _, f := range v.Files {
				if f.Size > 8<<20 {
					continue
				}
				body := bodyOf(f)
				sum := sha256.Sum256(body)
				real := strings.ToUpper(hex.EncodeToString(sum[:]))
				pub := f.PublishedHashes()["SHA256"]
				wrong := f.ID == fid(vid(FixtureWrongHash, 1), 1) || f.ID == fid(vid(FixtureCheckpoint, 1), 2)
				switch {
				case wrong && (pub == real || pub == ""):
					t.Errorf("file %d should publish a wrong hash", f.ID)
				case !wrong && f.Hashes().SHA256 != real:
					t.Errorf("file %d: Hashes().SHA256 %s, body %s", f.ID, f.Hashes().SHA256, real)
				case !wrong && pub != "" && pub != real:
					t.Errorf("file %d: published %s, body %s", f.ID, pub, real)
				}
				if got := f.Hashes().AutoV2; got != f.Hashes().SHA256[:10] {
					t.Errorf("AutoV2 %s", got)
				}
			}
		}
	}
	f, _ := s.Catalog.File(fid(vid(FixtureMissingHash, 1), 1))
	if diff := cmp.Diff([]string{"BLAKE3"}, keys(f.PublishedHashes())); diff != "" {
		t.Errorf("MissingHash newest hashes (-want +got):\n%s", diff)
	}
	f, _ = s.Catalog.File(fid(vid(FixtureMissingHash, 2), 1))
	if len(f.PublishedHashes()) != 0 {
		t.Errorf("MissingHash older hashes: %v", f.PublishedHashes())
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestBodyAddressable checks ReadAt, WriteRange and the safetensors header.
func TestBodyAddressable(t *testing.T) {
	t.Parallel()
	c := NewCatalog(Options{BigFileSize: 1 << 20, Seed: 2, Models: -1, SizeOverrides: map[int64]int64{fid(vid(FixturePublicLoRA, 1), 1): 3*blockSize + 17}})
	f, _ := c.File(fid(vid(FixturePublicLoRA, 1), 1))
	if f.Size != 3*blockSize+17 {
		t.Fatalf("size override not applied: %d", f.Size)
	}
	full := bodyOf(f)
	for _, tc := range []struct{ off, n int64 }{{0, 1}, {0, 8}, {3, 20}, {blockSize - 4, 12}, {2*blockSize + 5, 3}, {f.Size - 1, 1}, {0, f.Size}} {
		p := make([]byte, tc.n)
		n, err := f.Body().ReadAt(p, tc.off)
		if n != int(tc.n) || (err != nil && err != io.EOF) || !bytes.Equal(p, full[tc.off:tc.off+tc.n]) {
			t.Errorf("ReadAt(%d,%d) = %d, %v", tc.off, tc.n, n, err)
		}
		var b bytes.Buffer
		if _, err := f.WriteRange(&b, tc.off, tc.n); err != nil || !bytes.Equal(b.Bytes(), full[tc.off:tc.off+tc.n]) {
			t.Errorf("WriteRange(%d,%d): %v", tc.off, tc.n, err)
		}
	}
	if _, err := f.Body().ReadAt(make([]byte, 1), f.Size); err != io.EOF {
		t.Errorf("ReadAt at EOF: %v", err)
	}
	if _, err := f.WriteRange(io.Discard, f.Size-1, 2); err == nil {
		t.Error("WriteRange past EOF succeeded")
	}
	// Block i is the file's block with its first 8 bytes XORed with i.
	if !bytes.Equal(full[blockSize+8:2*blockSize], full[2*blockSize+8:3*blockSize]) || bytes.Equal(full[blockSize:blockSize+8], full[2*blockSize:2*blockSize+8]) {
		t.Error("block structure unexpected")
	}
	// A valid safetensors header: 8-byte length, then JSON.
	n := int(full[0]) | int(full[1])<<8
	if !bytes.HasPrefix(full[8:8+n], []byte(`{"__metadata__":`)) || full[8+n-1] != ' ' && full[8+n-1] != '}' {
		t.Errorf("safetensors header %q", full[:8+n])
	}
}

func BenchmarkBody(b *testing.B) {
	c := NewCatalog(Options{Seed: 1, Models: -1, BigFileSize: 256 << 20})
	f, _ := c.File(fid(vid(FixtureBig, 1), 1))
	b.SetBytes(f.Size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.WriteRange(io.Discard, 0, f.Size); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHashes(b *testing.B) {
	c := NewCatalog(Options{Seed: 1, Models: -1, BigFileSize: 64 << 20})
	f, _ := c.File(fid(vid(FixtureBig, 1), 1))
	b.SetBytes(f.Size)
	for i := 0; i < b.N; i++ {
		computeHashes(f.content(int64(i)))
	}
}

// TestBodySpeed guards the "several GB/s" property loosely (race builds
// and a loaded 2-core machine are much slower than the benchmark).
func TestBodySpeed(t *testing.T) {
	t.Parallel()
	c := NewCatalog(Options{Seed: 1, Models: -1, BigFileSize: 64 << 20})
	f, _ := c.File(fid(vid(FixtureBig, 1), 1))
	start := time.Now()
	if _, err := f.WriteRange(io.Discard, 0, f.Size); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("64 MiB took %v", d)
	}
}

// TestRedirectDropsAuthorization checks that a standard client following
// the download redirect does not send the key to storage: the storage
// host has another name than the API host.
func TestRedirectDropsAuthorization(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 1, Models: -1})
	req, _ := http.NewRequestWithContext(t.Context(), "GET", fmt.Sprintf("%s/api/download/models/%d", s.URL, vid(FixtureAuthRequired, 1)), nil)
	req.Header.Set("Authorization", "Bearer test-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	f := mustFile(t, s, fid(vid(FixtureAuthRequired, 1), 1))
	if resp.StatusCode != 200 || int64(len(b)) != f.Size || resp.Header.Get("Content-Disposition") != `attachment; filename="fixture_auth_required.safetensors"` {
		t.Fatalf("followed download: %d, %d bytes, %v", resp.StatusCode, len(b), resp.Header)
	}
	for _, rec := range s.Requests() {
		if rec.Host == "storage" && rec.HasAuthorization {
			t.Errorf("Authorization forwarded to storage: %+v", rec)
		}
	}
}

// TestDownloadFPAndQuantAreFreeStrings checks that no fp or quantType value,
// known to the site (§4) or not, is rejected with 400 (§2.10: strings ≤64).
func TestDownloadFPAndQuantAreFreeStrings(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 2, Models: -1})
	cp2 := vid(FixtureCheckpoint, 2)
	for _, key := range []string{"fp", "quantType"} {
		values := append(append([]string{}, fileFPs...), quantTypes...)
		values = append(values, "fp4", "Q4_K_XL", "IQ2_XXS", "weird value")
		for _, v := range values {
			r := get(t, fmt.Sprintf("%s/api/download/models/%d?%s=%s", s.URL, cp2, key, url.QueryEscape(v)))
			if r.status != 307 && r.status != 404 {
				t.Errorf("%s=%s: %d %s", key, v, r.status, r.body)
			}
		}
	}
}
