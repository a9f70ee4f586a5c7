package api

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func TestCache(t *testing.T) {
	t.Parallel()
	cache := newMemCache()
	c, mux, srv := setup(t, Options{Cache: cache, APIKey: testKey})
	var calls atomic.Int32
	mux.HandleFunc("/api/v1/models/1", func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		writeJSON(w, 200, `{"id":1,"name":"v`+string(rune('0'+n))+`"}`)
	})
	m, err := c.GetModel(t.Context(), 1)
	if err != nil || m.Name != "v1" || calls.Load() != 1 {
		t.Fatalf("miss: %+v %v calls=%d", m, err, calls.Load())
	}
	m, err = c.GetModel(t.Context(), 1)
	if err != nil || m.Name != "v1" || calls.Load() != 1 || cache.hits != 1 {
		t.Fatalf("hit: %+v %v calls=%d hits=%d", m, err, calls.Load(), cache.hits)
	}
	if string(m.Raw) != `{"id":1,"name":"v1"}` {
		t.Errorf("cached Raw = %s", m.Raw)
	}
	// Refresh skips the read but still writes.
	refresh, err := New(Options{BaseURL: srv.URL + basePath, Cache: cache, APIKey: testKey, Refresh: true})
	if err != nil {
		t.Fatal(err)
	}
	m, err = refresh.GetModel(t.Context(), 1)
	if err != nil || m.Name != "v2" || calls.Load() != 2 {
		t.Fatalf("refresh: %+v %v calls=%d", m, err, calls.Load())
	}
	m, _ = c.GetModel(t.Context(), 1)
	if m.Name != "v2" {
		t.Errorf("refresh did not write: %q", m.Name)
	}
	// Anonymous and authenticated answers are stored apart.
	anon, _ := New(Options{BaseURL: srv.URL + basePath, Cache: cache})
	m, _ = anon.GetModel(t.Context(), 1)
	if m.Name != "v3" || calls.Load() != 3 {
		t.Errorf("anonymous shared the authenticated entry: %q", m.Name)
	}
	keys := cache.keys()
	if len(keys) != 2 {
		t.Errorf("keys = %q", keys)
	}
	for _, k := range keys {
		if strings.Contains(k, testKey) {
			t.Errorf("cache key contains the API key: %q", k)
		}
		if !strings.HasPrefix(k, "GET "+srv.URL+basePath+"/api/v1/models/1") {
			t.Errorf("cache key = %q", k)
		}
	}
}

func TestCacheOnlyStores200JSON(t *testing.T) {
	t.Parallel()
	cache := newMemCache()
	c, mux, _ := setup(t, Options{Cache: cache, Retry: RetryPolicy{MaxAttempts: 1}})
	mux.HandleFunc("/api/v1/models/404", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, `{"error":"No model with id 404"}`)
	})
	mux.HandleFunc("/api/v1/models/5", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><title>maintenance</title></html>"))
	})
	mux.HandleFunc("/api/v1/models/6", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 203, `{"id":6}`)
	})
	mux.HandleFunc("/api/v1/model-versions/by-hash", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `[]`)
	})
	_, _ = c.GetModel(t.Context(), 404)
	_, _ = c.GetModel(t.Context(), 5)
	if _, err := c.GetModel(t.Context(), 6); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetModelVersionsByHashes(t.Context(), []string{strings.Repeat("A", 64)}); err != nil {
		t.Fatal(err)
	}
	if keys := cache.keys(); len(keys) != 0 {
		t.Errorf("cached non-200/non-JSON/POST answers: %q", keys)
	}
}

func TestCorruptCacheEntryIgnored(t *testing.T) {
	t.Parallel()
	cache := newMemCache()
	c, mux, _ := setup(t, Options{Cache: cache})
	mux.HandleFunc("/api/v1/models/1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"id":1,"name":"fresh"}`)
	})
	cache.Set(c.cacheKey("GET", c.endpoint("/api/v1/models/1", nil)), []byte("{broken"))
	m, err := c.GetModel(t.Context(), 1)
	if err != nil || m.Name != "fresh" {
		t.Errorf("m = %+v, err = %v", m, err)
	}
}

// Random images are random: a page of them is never cached, while every
// other sort of the same endpoint is.
func TestCacheSkipsRandomImages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sort      string
		wantCalls int32
	}{
		{"Random", 2},
		{"random", 2},
		{"Newest", 1},
		{"", 1},
	}
	for _, tt := range tests {
		t.Run(tt.sort, func(t *testing.T) {
			t.Parallel()
			cache := newMemCache()
			c, mux, _ := setup(t, Options{Cache: cache})
			var calls atomic.Int32
			mux.HandleFunc("/api/v1/images", func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				writeJSON(w, 200, `{"items":[{"id":1,"url":"u"}],"metadata":{}}`)
			})
			for range 2 {
				if _, err := c.ListImages(t.Context(), &ImagesOptions{ModelID: 1, Sort: tt.sort}); err != nil {
					t.Fatal(err)
				}
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("sort %q: %d requests for two calls, want %d", tt.sort, got, tt.wantCalls)
			}
		})
	}
}
