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
	const after = time.Second // a loopback answer comes far sooner, even under -race
	var mu sync.Mutex
	var hosts []string
	fired := make(chan struct{})
	c, mux, srv := setup(t, Options{SlowAfter: after, OnSlow: func(host string, waited time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		hosts = append(hosts, host)
		if waited != after {
			t.Errorf("waited = %v", waited)
		}
		if len(hosts) == 1 {
			close(fired)
		}
	}})
	mux.HandleFunc("/api/v1/models/1", func(w http.ResponseWriter, r *http.Request) {
		select { // answers once the note is out, not after a guess of a sleep
		case <-fired:
		case <-time.After(10 * time.Second):
		}
		writeJSON(w, 200, `{"id":1}`)
	})
	mux.HandleFunc("/api/v1/models/2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"id":2}`)
	})
	if _, err := c.GetModel(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
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
