package api

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

// A request without an answer after SlowAfter is reported once, with the
// API's host; one answered sooner is not (CivitAI often takes seconds, and
// a command that prints nothing meanwhile looks hung).
func TestOnSlow(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var hosts []string
	c, mux, srv := setup(t, Options{SlowAfter: 50 * time.Millisecond, OnSlow: func(host string, waited time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		hosts = append(hosts, host)
		if waited != 50*time.Millisecond {
			t.Errorf("waited = %v", waited)
		}
	}})
	mux.HandleFunc("/api/v1/models/1", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		writeJSON(w, 200, `{"id":1}`)
	})
	mux.HandleFunc("/api/v1/models/2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"id":2}`)
	})
	if _, err := c.GetModel(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // past SlowAfter: a quick answer stays unreported
	mu.Lock()
	if len(hosts) != 0 {
		t.Errorf("a quick answer was reported slow: %v", hosts)
	}
	mu.Unlock()
	if _, err := c.GetModel(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := srv.Listener.Addr().String(); len(hosts) != 1 || hosts[0] != want {
		t.Errorf("reported %v, want once %s", hosts, want)
	}
}
