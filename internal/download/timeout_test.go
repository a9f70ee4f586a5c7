package download

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civit/civit/internal/proxyenv"
)

// A server or network that does not answer in time is transient, like a
// stall, although net/http's and net's timeout errors satisfy
// errors.Is(err, context.DeadlineExceeded); only the context's own error
// is a cancel.
func TestTimeoutsAreTransient(t *testing.T) {
	t.Parallel()
	// A listener that accepts and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	get := func(c *http.Client) error {
		resp, err := c.Get("http://" + ln.Addr().String())
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	headerTimeout := get(&http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 50 * time.Millisecond}})
	clientTimeout := get(&http.Client{Timeout: 50 * time.Millisecond})
	_, dialTimeout := (&net.Dialer{Timeout: time.Nanosecond}).DialContext(context.Background(), "tcp", "192.0.2.1:80")
	for _, err := range []error{headerTimeout, clientTimeout, dialTimeout} {
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%v: not a DeadlineExceeded; the test proves nothing", err)
		}
	}

	for _, tc := range []struct {
		name string
		err  error
		want errClass
	}{
		{"header timeout", headerTimeout, classTransient},
		{"header timeout given up", fmt.Errorf("giving up after 8 attempts: %w", headerTimeout), classTransient},
		{"client timeout", clientTimeout, classTransient},
		{"dial timeout", dialTimeout, classTransient},
		{"stall", fmt.Errorf("read: %w", &StallError{Timeout: time.Second}), classTransient},
		{"cancel", context.Canceled, classCanceled},
		{"cancel wrapped", fmt.Errorf("download x: %w", context.Canceled), classCanceled},
		{"cancel mid-request", &url.Error{Op: "Get", URL: "http://x/", Err: context.Canceled}, classCanceled},
		{"deadline of the caller's ctx", fmt.Errorf("download x: %w", context.DeadlineExceeded), classCanceled},
	} {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("%s: classify(%v) = %d, want %d", tc.name, tc.err, got, tc.want)
		}
	}
}

// A storage host that sends no headers before the transport's
// ResponseHeaderTimeout (which may fire before the stall watchdog, both
// being 30 s by default) is asked again, as after a stall, instead of the
// file failing at once as if the user had cancelled it.
func TestResponseHeaderTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	body := testBody(100000, 7)
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			<-r.Context().Done() // no headers: the client gives up first
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", itoa(int64(len(body))))
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	opts := testOptions()
	opts.StallTimeout = time.Minute // the transport's timer wins the race
	opts.HTTPClient = &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 100 * time.Millisecond}}
	dest := filepath.Join(t.TempDir(), "m.safetensors")
	res, err := New(opts).Download(t.Context(), Request{Source: Source{URL: srv.URL + "/m"}, Dest: dest, SHA256: sha256Hex(body), Connections: 1})
	if err != nil {
		t.Fatalf("download: %v (after %d requests)", err, n.Load())
	}
	checkFile(t, dest, body)
	if res.Retries < 1 || n.Load() < 2 {
		t.Errorf("%d retries, %d requests: the timeout was not retried", res.Retries, n.Load())
	}
}

// A proxy that wants a password or does not allow the host, and a proxy
// setting civit cannot use, fail the file at once; a proxy that could not
// reach the host is retried.
func TestProxyErrorsClassify(t *testing.T) {
	t.Parallel()
	get := func(err error) error { return &url.Error{Op: "Get", URL: "https://b2.example/f", Err: err} }
	for _, tc := range []struct {
		err  error
		want errClass
	}{
		{get(&proxyenv.ConnectError{StatusCode: 407}), classPermanent},
		{get(&proxyenv.ConnectError{StatusCode: 403}), classPermanent},
		{get(&proxyenv.ConnectError{StatusCode: 502}), classTransient},
		{get(&proxyenv.ConfigError{Var: "ALL_PROXY"}), classPermanent},
	} {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("classify(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
