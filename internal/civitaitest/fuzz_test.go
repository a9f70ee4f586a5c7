package civitaitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzParseRange checks the fake storage's Range parser: a range it
// accepts is non-empty and inside the file; a range it refuses as
// unsatisfiable really starts at or beyond the end (or asks for nothing).
func FuzzParseRange(f *testing.F) {
	for _, h := range []string{"bytes=0-", "bytes=0-99", "bytes=100-", "bytes=-1", "bytes=-0", "bytes=5-4", "bytes=0-0,5-9",
		" bytes = 1 - 2 ", "bytes=9223372036854775807-", "bytes=-9223372036854775808", "bytes=+3-", "items=0-1", "bytes=1"} {
		f.Add(h, int64(100))
		f.Add(h, int64(0))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			size = -(size + 1)
		}
		off, n, ok, unsat := parseRange(h, size)
		switch {
		case !ok:
			if unsat || off != 0 || n != 0 {
				t.Fatalf("parseRange(%q, %d) = %d, %d, %v, %v", h, size, off, n, ok, unsat)
			}
		case unsat:
			if off != 0 || n != 0 {
				t.Fatalf("parseRange(%q, %d) = %d, %d, unsatisfiable", h, size, off, n)
			}
		default:
			if off < 0 || n < 1 || off > size-n {
				t.Fatalf("parseRange(%q, %d) = [%d, +%d), outside the file", h, size, off, n)
			}
		}
	})
}

// fuzzServer is a fake server with the fixtures only, shared by a fuzz
// target's inputs.
func fuzzServer(f *testing.F) *Server {
	return NewTestServer(f, Options{Models: -1, MinFileSize: 1, MaxFileSize: 4 << 10})
}

// FuzzStorageRange sends arbitrary Range and If-Range headers to the fake
// storage and checks the answer is what RFC 9110 promises: a 206 carries
// exactly the bytes its Content-Range names, a 200 the whole file, a 416
// the size.
func FuzzStorageRange(f *testing.F) {
	s := fuzzServer(f)
	file, _ := s.Catalog.File(FixturePublicLoRA*10000 + 101)
	u, err := s.SignedURL(file.ID)
	if err != nil {
		f.Fatal(err)
	}
	whole, err := io.ReadAll(io.NewSectionReader(file.Body(), 0, file.Size))
	if err != nil {
		f.Fatal(err)
	}
	for _, h := range []string{"", "bytes=0-", "bytes=0-99", "bytes=-10", "bytes=1000000000-", "bytes=5-4", "bytes=0-1,3-4"} {
		f.Add(h, "")
		f.Add(h, file.ETag())
	}
	f.Fuzz(func(t *testing.T, rng, ifRange string) {
		req := httptest.NewRequest(http.MethodGet, u, nil)
		if rng != "" {
			req.Header["Range"] = []string{rng}
		}
		if ifRange != "" {
			req.Header["If-Range"] = []string{ifRange}
		}
		rec := httptest.NewRecorder()
		s.serveStorage(rec, req)
		body := rec.Body.Bytes()
		cr := rec.Header().Get("Content-Range")
		switch rec.Code {
		case http.StatusOK:
			if !bytes.Equal(body, whole) || cr != "" {
				t.Fatalf("Range %q: 200 with %d bytes, Content-Range %q", rng, len(body), cr)
			}
		case http.StatusPartialContent:
			var first, last, total int64
			if _, err := fmt.Sscanf(cr, "bytes %d-%d/%d", &first, &last, &total); err != nil {
				t.Fatalf("Range %q: 206 with Content-Range %q", rng, cr)
			}
			if total != file.Size || first < 0 || last < first || last >= total || !bytes.Equal(body, whole[first:last+1]) {
				t.Fatalf("Range %q: 206 %q with %d bytes", rng, cr, len(body))
			}
		case http.StatusRequestedRangeNotSatisfiable:
			if cr != fmt.Sprintf("bytes */%d", file.Size) {
				t.Fatalf("Range %q: 416 with Content-Range %q", rng, cr)
			}
		default:
			t.Fatalf("Range %q: status %d", rng, rec.Code)
		}
	})
}

// FuzzAPIQuery sends arbitrary query strings to the fake API's endpoints
// (its query, cursor, page and enum readers): it must never panic, answer
// only with statuses the real API uses, and every JSON body must parse.
func FuzzAPIQuery(f *testing.F) {
	s := fuzzServer(f)
	paths := []string{"/api/v1/models", "/api/v1/models/101", "/api/v1/images", "/api/v1/tags", "/api/v1/creators",
		"/api/v1/model-versions/10101", "/api/v1/model-versions/mini/10101", "/api/v1/model-versions/by-hash/ABCDEF0123",
		"/api/v1/model-versions/by-hash/ids", "/api/v1/enums", "/api/download/models/10101"}
	for _, q := range []string{"", "limit=1", "limit=0", "limit=101", "page=2&limit=3", "cursor=abc", "cursor=1%7C2", "sort=Newest&period=Week",
		"types=LORA&types=Checkpoint", "baseModels=SDXL%201.0", "query=fixture&nsfw=true", "ids=101,102", "ids=1&ids=2",
		"tag=%zz", "username=a%2", "type=Model&format=SafeTensor&fp=fp16", "fileId=1010101", "modelVersionId=x", "postId=-1",
		"browsingLevel=99", "nsfw=X", "allowCommercialUse=Sell", "period=Decade", "sort=", "limit=1e3", "token=test-key"} {
		for i := range paths {
			f.Add(uint8(i), q)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, rawQuery string) {
		p := paths[int(which)%len(paths)]
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
		req.URL.Path, req.URL.RawQuery, req.RequestURI = p, rawQuery, p+"?"+rawQuery
		rec := httptest.NewRecorder()
		s.serveAPI(rec, req)
		switch rec.Code {
		case 200, 307, 308, 400, 401, 403, 404, 405, 410, 429, 500:
		default:
			t.Fatalf("GET %s?%s: status %d", p, rawQuery, rec.Code)
		}
		if strings.Contains(rec.Header().Get("Content-Type"), "json") && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("GET %s?%s: %d with invalid JSON %q", p, rawQuery, rec.Code, rec.Body.Bytes())
		}
	})
}
