package civitaitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// noRedirect is a client that returns redirects instead of following them.
func noRedirect() *http.Client {
	return &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// result is a fully read response.
type result struct {
	status int
	header http.Header
	body   []byte
}

// call performs a request; hdr are "Name: value" pairs.
func call(t testing.TB, method, url string, body []byte, hdr ...string) result {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "civit-test/1.0")
	for _, h := range hdr {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := noRedirect().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return result{resp.StatusCode, resp.Header, b}
}

func get(t testing.TB, url string, hdr ...string) result {
	t.Helper()
	return call(t, http.MethodGet, url, nil, hdr...)
}

// decode unmarshals a JSON body, failing the test on error.
func decode[T any](t testing.TB, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %T: %v\nbody: %.500s", v, err, b)
	}
	return v
}

// listResp is the subset of /models responses tests look at.
type listResp struct {
	Items []struct {
		ID        int64  `json:"id"`
		Name      string `json:"name"`
		Type      string `json:"type"`
		NSFWLevel int    `json:"nsfwLevel"`
		Tags      []string
		Creator   *struct{ Username string }
		Stats     struct {
			DownloadCount                                *int64
			ThumbsUpCount, ThumbsDownCount, CommentCount int64
		}
		ModelVersions []struct {
			ID          int64
			BaseModel   string
			PublishedAt string
			Files       []struct {
				ID          int64
				Primary     bool
				DownloadURL string `json:"downloadUrl"`
			}
		} `json:"modelVersions"`
	} `json:"items"`
	Metadata struct {
		NextCursor  string `json:"nextCursor"`
		NextPage    string `json:"nextPage"`
		CurrentPage int    `json:"currentPage"`
		PageSize    int    `json:"pageSize"`
	} `json:"metadata"`
}

func (l listResp) ids() []int64 {
	var out []int64
	for _, it := range l.Items {
		out = append(out, it.ID)
	}
	return out
}
