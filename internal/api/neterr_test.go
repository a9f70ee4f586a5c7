package api

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A certificate this system does not trust (a proxy inspecting TLS, a
// self-signed server) is not retried: it will not change in a second.
func TestNoRetryOnUntrustedCertificate(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) }))
	t.Cleanup(srv.Close)
	retries := 0
	c, err := New(Options{BaseURL: srv.URL, Retry: RetryPolicy{MaxAttempts: 5, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxElapsed: 5 * time.Second},
		OnRetry: func(string, int, time.Duration, error) { retries++ }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetModel(t.Context(), 1)
	if !errors.Is(err, ErrNetwork) || !IsCertificateError(err) {
		t.Fatalf("err = %v, want a network error of the certificate", err)
	}
	if retries != 0 {
		t.Errorf("retried %d times", retries)
	}
}

// The message says what failed: a name that does not resolve says so
// (not only "error connecting to"), and a server that accepted the
// connection but sent nothing in time is not called unreachable.
func TestNetworkErrorMessages(t *testing.T) {
	t.Parallel()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	// Headers, then the body stops.
	stops := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"items":[`))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(stops.Close)
	stopsHost := strings.TrimPrefix(stops.URL, "http://")
	for _, tc := range []struct {
		name, base string
		hc         *http.Client
		want       string
	}{
		{name: "no such host", base: "http://no-such-host.invalid", want: "GET /api/v1/models/1: error connecting to no-such-host.invalid: no such host"},
		{name: "header timeout", base: "http://" + silent.Addr().String(), hc: &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: 50 * time.Millisecond}},
			want: "GET /api/v1/models/1: " + silent.Addr().String() + " did not answer in time (net/http: timeout awaiting response headers)"},
		{name: "client timeout", base: "http://" + silent.Addr().String(), hc: &http.Client{Timeout: 50 * time.Millisecond},
			want: "GET /api/v1/models/1: " + silent.Addr().String() + " did not answer in time (context deadline exceeded (Client.Timeout exceeded while awaiting headers))"},
		{name: "body stops", base: stops.URL, hc: &http.Client{Timeout: 100 * time.Millisecond},
			want: "GET /api/v1/models/1: " + stopsHost + " did not finish its answer in time ("},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(Options{BaseURL: tc.base, HTTPClient: tc.hc, Retry: RetryPolicy{MaxAttempts: 1}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetModel(t.Context(), 1)
			if !errors.Is(err, ErrNetwork) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("err = %v\nwant   %s", err, tc.want)
			}
		})
	}
}

// A proxy that does not resolve is named as the proxy, with the variable
// that set it.
func TestNetworkErrorNamesTheProxy(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("https://civitai.com/api/v1/models/1")
	e := (&Client{}).networkError("GET", u,
		&net.OpError{Op: "proxyconnect", Net: "tcp", Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "proxy.invalid", IsNotFound: true}}})
	if !strings.HasPrefix(e.Message, "error connecting to the proxy") || !strings.HasSuffix(e.Message, ": no such host") {
		t.Errorf("message %q", e.Message)
	}
}
