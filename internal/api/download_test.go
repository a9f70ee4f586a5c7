package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const signedLocation = "https://civitai-delivery-worker-prod.abc.r2.cloudflarestorage.com/model/1/key.safetensors" +
	"?X-Amz-Expires=86400&response-content-disposition=attachment%3B%20filename%3D%22choke_hold_rnc_ilxl.safetensors%22" +
	"&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20250716T120000Z&X-Amz-Signature=deadbeef"

func TestResolveDownloadRedirect(t *testing.T) {
	t.Parallel()
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("redirect was followed to %s", r.URL)
	}))
	t.Cleanup(storage.Close)
	tests := []struct {
		name     string
		params   DownloadParams
		location string
		wantQ    url.Values
		want     DownloadLocation
	}{
		{name: "signed r2 url", location: signedLocation, want: DownloadLocation{URL: signedLocation,
			Filename: "choke_hold_rnc_ilxl.safetensors", ExpiresAt: time.Date(2025, 7, 17, 12, 0, 0, 0, time.UTC)}},
		{name: "params normalised", params: DownloadParams{Type: "pruned model", Format: "safetensor", Size: "Pruned", FP: "FP16", FileID: 42},
			location: storage.URL + "/file?Expires=1752667200",
			wantQ:    url.Values{"type": {"Pruned Model"}, "format": {"SafeTensor"}, "size": {"pruned"}, "fp": {"fp16"}, "fileId": {"42"}},
			want:     DownloadLocation{URL: storage.URL + "/file?Expires=1752667200", ExpiresAt: time.Unix(1752667200, 0).UTC()}},
		{name: "rfc 5987 filename", location: storage.URL + "/f?response-content-disposition=" + url.QueryEscape(`attachment; filename*=UTF-8''%E8%A3%B8.safetensors`),
			want: DownloadLocation{URL: storage.URL + "/f?response-content-disposition=" + url.QueryEscape(`attachment; filename*=UTF-8''%E8%A3%B8.safetensors`), Filename: "裸.safetensors"}},
		{name: "sloppy disposition", location: storage.URL + "/f?response-content-disposition=" + url.QueryEscape(`attachment; filename=a b.safetensors`),
			want: DownloadLocation{URL: storage.URL + "/f?response-content-disposition=" + url.QueryEscape(`attachment; filename=a b.safetensors`), Filename: "a b.safetensors"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t, Options{APIKey: testKey})
			mux.HandleFunc("/api/download/models/1421739", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, http.MethodGet)
				testHeader(t, r, "Authorization", "Bearer "+testKey)
				testQuery(t, r, tt.wantQ)
				w.Header().Set("Location", tt.location)
				w.WriteHeader(http.StatusTemporaryRedirect)
			})
			got, err := c.ResolveDownload(t.Context(), 1421739, tt.params)
			if err != nil {
				t.Fatal(err)
			}
			if got.URL != tt.want.URL || got.Filename != tt.want.Filename || !got.ExpiresAt.Equal(tt.want.ExpiresAt) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestResolveDownloadRelativeLocation(t *testing.T) {
	t.Parallel()
	c, mux, srv := setup(t, Options{})
	mux.HandleFunc("/api/download/models/7", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/files/7.safetensors")
		w.WriteHeader(http.StatusFound)
	})
	got, err := c.ResolveDownload(t.Context(), 7, DownloadParams{})
	if err != nil || got.URL != srv.URL+"/files/7.safetensors" {
		t.Errorf("got %+v, %v", got, err)
	}
}

func TestResolveDownloadErrors(t *testing.T) {
	t.Parallel()
	deadline := "2025-08-01T12:00:00.000Z"
	tests := []struct {
		name       string
		key        string
		status     int
		location   string
		ctype      string
		body       string
		wantKind   ErrorKind
		wantMsg    string
		wantCalls  int
		wantDeadln time.Time
	}{
		{name: "login redirect", status: 307, location: "/login?returnUrl=/model-versions/1&reason=download-auth",
			wantKind: KindAuthRequired, wantMsg: "the server redirected to the login page: this download requires an API key"},
		{name: "login redirect with key", key: testKey, status: 302, location: "https://civitai.com/login?returnUrl=%2Fmodel-versions%2F1&reason=download-auth",
			wantKind: KindAuthRequired, wantMsg: "the server redirected to the login page: the API key was not accepted"},
		{name: "401 requires login", status: 401, body: `{"error":"Unauthorized","message":"The creator of this asset requires you to be logged in to download it"}`,
			wantKind: KindAuthRequired, wantMsg: "The creator of this asset requires you to be logged in to download it (Unauthorized)"},
		{name: "401 downloads disabled", status: 401, body: `{"error":"Unauthorized","message":"The creator of this asset has disabled downloads on this file"}`,
			wantKind: KindAuthRequired, wantMsg: "The creator of this asset has disabled downloads on this file (Unauthorized)"},
		{name: "403 early access", status: 403, body: `{"error":"Early Access","deadline":"` + deadline + `","message":"This asset is in Early Access. You can use Buzz access it now!"}`,
			wantKind: KindEarlyAccess, wantMsg: "This asset is in Early Access. You can use Buzz access it now! (Early Access)", wantDeadln: time.Date(2025, 8, 1, 12, 0, 0, 0, time.UTC)},
		{name: "403 forbidden", status: 403, body: `{"error":"Forbidden"}`, wantKind: KindForbidden, wantMsg: "Forbidden"},
		{name: "403 no access", status: 403, body: `{"error":"You do not have access to download this file"}`, wantKind: KindForbidden, wantMsg: "You do not have access to download this file"},
		{name: "404 file not found", status: 404, body: `{"error":"File not found"}`, wantKind: KindNotFound, wantMsg: "File not found"},
		{name: "410 archived", status: 410, body: `{"error":"Model archived, not available for download"}`, wantKind: KindArchived, wantMsg: "Model archived, not available for download"},
		{name: "429 limiter", status: 429, body: `{"error":"We've noticed an unusual amount of downloading from your account. Contact support@civitai.com or come back later."}`,
			wantKind: KindRateLimited, wantMsg: "We've noticed an unusual amount of downloading from your account. Contact support@civitai.com or come back later.", wantCalls: 3}, // the first ask, then one after each of the waits 1 ms and 2 ms
		{name: "400 bad enum", status: 400, body: `{"error":"Invalid type"}`, wantKind: KindBadRequest, wantMsg: "Invalid type"},
		{name: "500", status: 500, body: `{"error":"Error getting file"}`, wantKind: KindServer, wantMsg: "Error getting file", wantCalls: 2},
		{name: "200 is not a file", status: 200, ctype: "application/octet-stream", body: strings.Repeat("\x00", 1<<20),
			wantKind: KindUnknown, wantMsg: "expected a redirect to the file, got 200 application/octet-stream"},
		{name: "200 json body", status: 200, ctype: "application/json", body: `{"error":"Unauthorized"}`,
			wantKind: KindUnknown, wantMsg: "expected a redirect to the file, got 200 application/json"},
		{name: "200 html", status: 200, ctype: "text/html", body: "<html><title>Just a moment...</title></html>",
			wantKind: KindNotJSON, wantMsg: "server returned an HTML page: Just a moment... instead of a redirect to the file", wantCalls: 2},
		{name: "redirect without location", status: 307, wantKind: KindUnknown, wantMsg: "redirect without a Location header"},
		{name: "redirect to bad scheme", status: 307, location: "javascript:alert(1)", wantKind: KindUnknown, wantMsg: "redirect to an invalid location"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t, Options{APIKey: tt.key, Retry: RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, LimitWait: time.Millisecond, LimitBudget: 3 * time.Millisecond}})
			var calls atomic.Int32
			mux.HandleFunc("/api/download/models/1", func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				if tt.location != "" {
					w.Header().Set("Location", tt.location)
				}
				ct := tt.ctype
				if ct == "" {
					ct = "application/json"
				}
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			loc, err := c.ResolveDownload(t.Context(), 1, DownloadParams{})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("loc = %+v, err = %v, want *Error", loc, err)
			}
			if e.Kind != tt.wantKind || e.Message != tt.wantMsg || e.StatusCode != tt.status {
				t.Errorf("got kind=%v status=%d msg=%q\nwant kind=%v status=%d msg=%q", e.Kind, e.StatusCode, e.Message, tt.wantKind, tt.status, tt.wantMsg)
			}
			if !e.Deadline.Equal(tt.wantDeadln) {
				t.Errorf("deadline = %v, want %v", e.Deadline, tt.wantDeadln)
			}
			wantCalls := max(tt.wantCalls, 1)
			if got := int(calls.Load()); got != wantCalls {
				t.Errorf("calls = %d, want %d", got, wantCalls)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error contains key: %v", err)
			}
		})
	}
}

func TestResolveDownloadValidation(t *testing.T) {
	t.Parallel()
	c, _ := New(Options{BaseURL: "http://127.0.0.1:1"})
	var ve *ValidationError
	if _, err := c.ResolveDownload(t.Context(), 0, DownloadParams{}); !errors.As(err, &ve) {
		t.Errorf("id 0: %v", err)
	}
	if _, err := c.ResolveDownload(t.Context(), 1, DownloadParams{FileID: -1}); !errors.As(err, &ve) {
		t.Errorf("file id -1: %v", err)
	}
}

func TestSignedExpiry(t *testing.T) {
	t.Parallel()
	tests := map[string]time.Time{
		"X-Amz-Date=20250716T120000Z&X-Amz-Expires=60": time.Date(2025, 7, 16, 12, 1, 0, 0, time.UTC),
		"x-amz-date=20250716T120000Z&x-amz-expires=60": time.Date(2025, 7, 16, 12, 1, 0, 0, time.UTC),
		"X-Amz-Date=bad&X-Amz-Expires=60":              {},
		"Expires=1752667200":                           time.Unix(1752667200, 0).UTC(),
		"Expires=soon":                                 {},
		"":                                             {},
	}
	for raw, want := range tests {
		q, _ := url.ParseQuery(raw)
		if got := signedExpiry(q); !got.Equal(want) {
			t.Errorf("signedExpiry(%q) = %v, want %v", raw, got, want)
		}
	}
}
