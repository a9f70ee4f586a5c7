package api

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// basePath is a non-root prefix, so tests prove the client keeps it.
const basePath = "/prefix"

// fastRetry keeps retry tests in the millisecond range.
func fastRetry() RetryPolicy {
	return RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxElapsed: 5 * time.Second}
}

// setup starts a loopback server whose handlers are registered on mux with
// paths relative to the site root ("/api/v1/models"), and a Client for it.
// opts.BaseURL is overwritten; a zero opts.Retry becomes fastRetry().
func setup(t *testing.T, opts Options) (*Client, *http.ServeMux, *httptest.Server) {
	t.Helper()
	mux := http.NewServeMux()
	root := http.NewServeMux()
	root.Handle(basePath+"/", http.StripPrefix(basePath, mux))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base path: %s %s", r.Method, r.URL)
		http.Error(w, "outside base path", http.StatusTeapot)
	})
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	opts.BaseURL = srv.URL + basePath + "/api/v1/"
	if opts.Retry == (RetryPolicy{}) {
		opts.Retry = fastRetry()
	}
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, mux, srv
}

func testMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if r.Method != want {
		t.Errorf("method = %s, want %s", r.Method, want)
	}
}

func testHeader(t *testing.T, r *http.Request, name, want string) {
	t.Helper()
	if got := r.Header.Get(name); got != want {
		t.Errorf("header %s = %q, want %q", name, got, want)
	}
}

func testQuery(t *testing.T, r *http.Request, want url.Values) {
	t.Helper()
	got := r.URL.Query()
	if want == nil {
		want = url.Values{}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("query mismatch (-want +got):\n%s", diff)
	}
}

// writeJSON writes body with a JSON content type and the given status.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "samples", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// memCache is a Cache for tests that records keys.
type memCache struct {
	mu   sync.Mutex
	m    map[string][]byte
	gets int
	hits int
}

func newMemCache() *memCache { return &memCache{m: map[string][]byte{}} }

func (c *memCache) Get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gets++
	b, ok := c.m[key]
	if ok {
		c.hits++
	}
	return b, ok
}

func (c *memCache) Set(key string, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = append([]byte(nil), body...)
}

func (c *memCache) keys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ks []string
	for k := range c.m {
		ks = append(ks, k)
	}
	return ks
}

func ptr[T any](v T) *T { return &v }
