package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const testKey = "s3cr3t-key-0123456789"

func TestNewBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "", want: "https://civitai.com"},
		{in: "https://civitai.com/", want: "https://civitai.com"},
		{in: "https://civitai.com/api/v1", want: "https://civitai.com"},
		{in: "https://civitai.com/api/v1/", want: "https://civitai.com"},
		{in: "  http://127.0.0.1:8787\n", want: "http://127.0.0.1:8787"},
		{in: "http://127.0.0.1:8787/mirror/api/v1/", want: "http://127.0.0.1:8787/mirror"},
		{in: "https://CivitAI.red", want: "https://civitai.red"},
		{in: "civitai.com", wantErr: true},
		{in: "ftp://civitai.com", wantErr: true},
		{in: "http://", wantErr: true},
		{in: "https://civitai.com/?token=abc", wantErr: true},
		{in: "https://user:pw@civitai.com", wantErr: true},
		{in: "http://[::1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			c, err := New(Options{BaseURL: tt.in})
			if tt.wantErr {
				var ve *ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("err = %v, want *ValidationError", err)
				}
				if strings.Contains(err.Error(), "abc") || strings.Contains(err.Error(), "pw") {
					t.Errorf("error leaks credentials: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.BaseURL().String(); got != tt.want {
				t.Errorf("BaseURL = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	c, err := New(Options{APIKey: "  " + testKey + "\n"})
	if err != nil || !c.HasAPIKey() || c.apiKey != testKey {
		t.Fatalf("trimmed key: %v %v", err, c)
	}
	if c, _ := New(Options{APIKey: " \n"}); c.HasAPIKey() {
		t.Error("blank key counts as a key")
	}
	if _, err := New(Options{APIKey: "abc def"}); err == nil || strings.Contains(err.Error(), "abc") {
		t.Errorf("inner whitespace: err = %v", err)
	}
	for _, ua := range []string{"Mozilla/5.0", "civit (like Chrome)", "Safari"} {
		var ve *ValidationError
		if _, err := New(Options{UserAgent: ua}); !errors.As(err, &ve) {
			t.Errorf("UserAgent %q accepted", ua)
		}
	}
	if c.retry != DefaultRetryPolicy() {
		t.Errorf("zero Retry = %+v, want default", c.retry)
	}
	c2, _ := New(Options{Retry: RetryPolicy{MaxAttempts: 1}})
	if c2.retry.MaxAttempts != 1 || c2.retry.MaxDelay != 30*time.Second {
		t.Errorf("partial policy = %+v", c2.retry)
	}
}

func TestDefaultRetryPolicy(t *testing.T) {
	t.Parallel()
	want := RetryPolicy{MaxAttempts: 5, BaseDelay: 500 * time.Millisecond, MaxDelay: 30 * time.Second, MaxElapsed: 2 * time.Minute,
		LimitWait: time.Minute, LimitBudget: 5 * time.Minute}
	if got := DefaultRetryPolicy(); got != want {
		t.Errorf("DefaultRetryPolicy = %+v", got)
	}
}

func TestNewHTTPClient(t *testing.T) {
	t.Parallel()
	hc := NewHTTPClient(60 * time.Second)
	tr, ok := hc.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("transport = %T", hc.Transport)
	}
	if hc.Timeout != 60*time.Second || tr.Proxy == nil || tr.TLSHandshakeTimeout != 10*time.Second ||
		tr.ResponseHeaderTimeout != 30*time.Second || tr.MaxConnsPerHost != 5 || tr.MaxIdleConns != 10 || tr.MaxIdleConnsPerHost != 5 {
		t.Errorf("client = %+v, transport = %+v", hc, tr)
	}
	if NewHTTPClient(0).Timeout != 0 {
		t.Error("download client has a total timeout")
	}
}

func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, key, ua string
		wantAuth      string
		wantUA        string
	}{
		{name: "anonymous", wantUA: "civit/dev"},
		{name: "with key", key: testKey + "\n", ua: "civit/1.2.3", wantAuth: "Bearer " + testKey, wantUA: "civit/1.2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t, Options{APIKey: tt.key, UserAgent: tt.ua})
			mux.HandleFunc("/api/v1/models/1", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, http.MethodGet)
				testHeader(t, r, "Authorization", tt.wantAuth)
				testHeader(t, r, "User-Agent", tt.wantUA)
				testHeader(t, r, "Accept", "application/json")
				if strings.Contains(r.URL.String(), testKey) {
					t.Errorf("key in URL %s", r.URL)
				}
				writeJSON(w, 200, `{"id":1}`)
			})
			if _, err := c.GetModel(t.Context(), 1); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAuthNotSentToOtherHosts: a redirect to another host (here another
// port on loopback, which net/http alone would still treat as the same
// domain) never carries the key.
func TestAuthNotSentToOtherHosts(t *testing.T) {
	t.Parallel()
	var otherAuth atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherAuth.Store(r.Header.Get("Authorization"))
		writeJSON(w, 200, `{"id":9,"name":"elsewhere"}`)
	}))
	t.Cleanup(other.Close)
	c, mux, srv := setup(t, Options{APIKey: testKey})
	mux.HandleFunc("/api/v1/models/9", func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "Authorization", "Bearer "+testKey)
		http.Redirect(w, r, other.URL+"/api/v1/models/9", http.StatusFound)
	})
	mux.HandleFunc("/api/v1/models/10", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, srv.URL+basePath+"/api/v1/models/11", http.StatusFound)
	})
	mux.HandleFunc("/api/v1/models/11", func(w http.ResponseWriter, r *http.Request) {
		testHeader(t, r, "Authorization", "Bearer "+testKey) // same host keeps it
		writeJSON(w, 200, `{"id":11}`)
	})
	m, err := c.GetModel(t.Context(), 9)
	if err != nil || m.Name != "elsewhere" {
		t.Fatalf("GetModel = %+v, %v", m, err)
	}
	if got := otherAuth.Load(); got != "" {
		t.Errorf("other host got Authorization %q", got)
	}
	if _, err := c.GetModel(t.Context(), 10); err != nil {
		t.Fatal(err)
	}
}

func TestSameOrigin(t *testing.T) {
	t.Parallel()
	c, err := New(Options{BaseURL: "https://civitai.com", APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]bool{
		"https://civitai.com/api/v1/models":     true,
		"https://CIVITAI.com/x":                 true,
		"http://civitai.com/api/v1/models":      false, // downgrade
		"https://image.civitai.com/x":           false,
		"https://civitai.com:8443/x":            false,
		"https://civitai.com.evil.example/x":    false,
		"https://r2.cloudflarestorage.com/file": false,
	}
	for raw, want := range tests {
		u, _ := c.base.Parse(raw)
		if got := c.sameOrigin(u); got != want {
			t.Errorf("sameOrigin(%s) = %v, want %v", raw, got, want)
		}
		req, err := c.newRequest(t.Context(), http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		if has := req.Header.Get("Authorization") != ""; has != want {
			t.Errorf("%s: Authorization sent = %v, want %v", raw, has, want)
		}
	}
}

// TestKeyNeverInErrors: even a server echoing the key back cannot get it
// into an error message.
func TestKeyNeverInErrors(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, Options{APIKey: testKey})
	mux.HandleFunc("/api/v1/models/1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, `{"error":"no model for `+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+`"}`)
	})
	_, err := c.GetModel(t.Context(), 1)
	if err == nil || strings.Contains(err.Error(), testKey) {
		t.Fatalf("err = %v", err)
	}
	var e *Error
	if !errors.As(err, &e) || strings.Contains(e.URL, testKey) || strings.Contains(e.Message, testKey) || !strings.Contains(e.Message, "REDACTED") {
		t.Errorf("error = %#v", e)
	}
}
