package api

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestErrorClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		path        string // "/api/v1/models" is a list endpoint, "/api/v1/models/5" is not
		status      int
		ctype       string
		retryAfter  string
		body        string
		wantKind    ErrorKind
		wantMessage string
		wantSent    error
	}{
		{name: "404", path: "/api/v1/models/5", status: 404, body: `{"error":"No model with id 5"}`, wantKind: KindNotFound, wantMessage: "No model with id 5", wantSent: ErrNotFound},
		{name: "401", path: "/api/v1/models/5", status: 401, body: `{"error":"Unauthorized"}`, wantKind: KindAuthRequired, wantMessage: "Unauthorized", wantSent: ErrAuthRequired},
		{name: "403 plain", path: "/api/v1/models/5", status: 403, body: `{"error":"Forbidden"}`, wantKind: KindForbidden, wantMessage: "Forbidden", wantSent: ErrForbidden},
		// A proxy's or network filter's block page: CivitAI refuses in JSON.
		{name: "403 html block page", path: "/api/v1/models/5", status: 403, ctype: "text/html", body: "<html><body>blocked by policy</body></html>",
			wantKind: KindNotAPI, wantMessage: "server returned an HTML page: blocked by policy", wantSent: ErrNotAPI},
		{name: "410", path: "/api/v1/models/5", status: 410, body: `{"error":"Model archived, not available for download"}`, wantKind: KindArchived, wantMessage: "Model archived, not available for download", wantSent: ErrArchived},
		{name: "400 zod object", path: "/api/v1/models", status: 400,
			body:     `{"error":{"issues":[{"code":"too_big","maximum":100,"path":["limit"],"message":"Number must be less than or equal to 100"}],"name":"ZodError"}}`,
			wantKind: KindBadRequest, wantMessage: "limit: Number must be less than or equal to 100", wantSent: ErrBadRequest},
		{name: "400 zod flatten", path: "/api/v1/models", status: 400, body: `{"error":{"formErrors":["bad"],"fieldErrors":{"types":["Invalid enum value"]}}}`,
			wantKind: KindBadRequest, wantMessage: "types: Invalid enum value; bad"},
		{name: "400 query+page", path: "/api/v1/models", status: 400, body: `{"error":"Cannot use page param with query search. Use cursor-based pagination."}`,
			wantKind: KindBadRequest, wantMessage: "Cannot use page param with query search. Use cursor-based pagination."},
		{name: "trpc shape", path: "/api/v1/images", status: 400, body: `{"code":"BAD_REQUEST","message":"Invalid input","issues":[{"path":["nsfw"],"message":"Invalid"}]}`,
			wantKind: KindBadRequest, wantMessage: "Invalid input: nsfw: Invalid"},
		{name: "429 page cap message", path: "/api/v1/models", status: 429, retryAfter: "5", body: `{"error":"You've requested too many pages, please use cursors instead"}`,
			wantKind: KindPageCap, wantMessage: "You've requested too many pages, please use cursors instead", wantSent: ErrPageCap},
		// A 429 is the page cap only when it says so: an edge's or a
		// limiter's 429 without Retry-After is rate limiting.
		{name: "429 list no retry-after", path: "/api/v1/models", status: 429, body: `{"error":"slow down"}`, wantKind: KindRateLimited, wantMessage: "slow down", wantSent: ErrRateLimited},
		{name: "429 list html edge", path: "/api/v1/models", status: 429, ctype: "text/html", body: "<html><head><title>Too Many Requests</title></head></html>",
			wantKind: KindRateLimited, wantMessage: "server returned an HTML page: Too Many Requests", wantSent: ErrRateLimited},
		{name: "429 images page cap", path: "/api/v1/images", status: 429, body: `{"error":"You've requested too many pages, please use cursors instead"}`,
			wantKind: KindPageCap, wantMessage: "You've requested too many pages, please use cursors instead", wantSent: ErrPageCap},
		{name: "429 single with no retry-after", path: "/api/v1/models/5", status: 429, body: `{"error":"slow down"}`, wantKind: KindRateLimited, wantMessage: "slow down", wantSent: ErrRateLimited},
		{name: "500 code", path: "/api/v1/images", status: 500, body: `{"error":"boom","code":"INTERNAL_SERVER_ERROR"}`, wantKind: KindServer, wantMessage: "boom", wantSent: ErrServer},
		{name: "500 empty object", path: "/api/v1/models", status: 500, body: `{"message":"An unexpected error occurred","error":{}}`, wantKind: KindServer, wantMessage: "An unexpected error occurred"},
		{name: "524 html", path: "/api/v1/models", status: 524, ctype: "text/html", body: "<!DOCTYPE html><html><head><title>civitai.com | 524: A timeout occurred</title></head><body>x</body></html>",
			wantKind: KindServer, wantMessage: "server returned an HTML page: civitai.com | 524: A timeout occurred"},
		// The API answers its misses in JSON; a web page 404 is a path it
		// has no route for (wrong base URL, proxy, host): never "not found".
		{name: "404 next.js html", path: "/api/v1/models/5", status: 404, ctype: "text/html; charset=utf-8", body: "<html><title>404: This page could not be found</title></html>",
			wantKind: KindNotAPI, wantMessage: "server returned an HTML page: 404: This page could not be found", wantSent: ErrNotAPI},
		{name: "404 html without content type", path: "/api/v1/models", status: 404, ctype: "text/plain", body: "<!DOCTYPE html><html><title>Not Found</title></html>",
			wantKind: KindNotAPI, wantMessage: "server returned an HTML page: Not Found", wantSent: ErrNotAPI},
		{name: "404 go mux text", path: "/api/v1/models/5", status: 404, ctype: "text/plain", body: "404 page not found\n", wantKind: KindNotAPI, wantMessage: "404 page not found", wantSent: ErrNotAPI},
		{name: "404 empty", path: "/api/v1/models/5", status: 404, wantKind: KindNotAPI, wantMessage: "", wantSent: ErrNotAPI},
		{name: "html without title", path: "/api/v1/models/5", status: 502, ctype: "text/html", body: "<html><body>\n<h1>Bad &amp; gateway</h1></body></html>",
			wantKind: KindServer, wantMessage: "server returned an HTML page: Bad & gateway"},
		{name: "plain text", path: "/api/v1/models/5", status: 503, ctype: "text/plain", body: "\n  upstream connect error\nmore", wantKind: KindServer, wantMessage: "upstream connect error"},
		{name: "499 empty", path: "/api/v1/models/5", status: 499, wantKind: KindServer, wantMessage: ""}, // cut off on its side: retried,
		{name: "405", path: "/api/v1/models/5", status: 405, body: `{"error":"Method not allowed"}`, wantKind: KindUnknown, wantMessage: "Method not allowed"},
		{name: "json string body", path: "/api/v1/models/5", status: 400, body: `"bad id"`, wantKind: KindBadRequest, wantMessage: "bad id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t, Options{Retry: RetryPolicy{MaxAttempts: 1}})
			mux.HandleFunc(tt.path, func(w http.ResponseWriter, r *http.Request) {
				ct := tt.ctype
				if ct == "" {
					ct = "application/json"
				}
				w.Header().Set("Content-Type", ct)
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			var err error
			switch tt.path {
			case "/api/v1/models":
				_, err = c.ListModels(t.Context(), nil)
			case "/api/v1/images":
				_, err = c.ListImages(t.Context(), nil)
			default:
				_, err = c.GetModel(t.Context(), 5)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if e.Kind != tt.wantKind || e.StatusCode != tt.status || e.Message != tt.wantMessage || e.Method != "GET" {
				t.Errorf("got kind=%v status=%d message=%q, want kind=%v status=%d message=%q", e.Kind, e.StatusCode, e.Message, tt.wantKind, tt.status, tt.wantMessage)
			}
			if tt.wantSent != nil && !errors.Is(err, tt.wantSent) {
				t.Errorf("errors.Is(err, %v) = false", tt.wantSent)
			}
			if errors.Is(err, ErrNetwork) && tt.wantKind != KindNetwork {
				t.Error("matches ErrNetwork")
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e    *Error
		want string
	}{
		{&Error{Kind: KindNotFound, Method: "GET", URL: "https://civitai.com/api/v1/models/5", StatusCode: 404, Message: "No model with id 5"},
			"GET /api/v1/models/5: 404 No model with id 5"},
		{&Error{Kind: KindServer, Method: "GET", URL: "http://127.0.0.1:1/p/api/v1/models?query=a%20b", StatusCode: 502},
			"GET /p/api/v1/models?query=a%20b: 502 Bad Gateway"},
		{&Error{Kind: KindServer, Method: "GET", URL: "https://civitai.com/x", StatusCode: 524}, "GET /x: 524 A Timeout Occurred"},
		{&Error{Kind: KindNetwork, Method: "GET", URL: "https://civitai.com", Message: "error connecting to civitai.com: refused"},
			"GET /: error connecting to civitai.com: refused"},
		{&Error{Kind: KindEarlyAccess, Method: "GET", URL: "https://civitai.com/api/download/models/1", StatusCode: 403, Message: "in early access",
			Deadline: time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)}, "GET /api/download/models/1: 403 in early access (early access until 2025-08-01T00:00:00Z)"},
		{&Error{Kind: KindPageCap}, "page limit reached"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestErrorIsAndUnwrap(t *testing.T) {
	t.Parallel()
	inner := errors.New("dial failed")
	err := error(&Error{Kind: KindNetwork, Err: inner})
	if !errors.Is(err, ErrNetwork) || errors.Is(err, ErrServer) || !errors.Is(err, inner) {
		t.Error("Is/Unwrap mismatch")
	}
	sentinels := []*Error{ErrNotFound, ErrAuthRequired, ErrForbidden, ErrEarlyAccess, ErrArchived, ErrRateLimited, ErrPageCap, ErrServer, ErrNetwork, ErrNotJSON, ErrBadRequest, ErrNotAPI}
	seen := map[ErrorKind]bool{}
	for _, s := range sentinels {
		if seen[s.Kind] || s.Kind == KindUnknown || s.Kind.String() == "unknown error" {
			t.Errorf("sentinel %v duplicated or unnamed", s.Kind)
		}
		seen[s.Kind] = true
	}
}

func TestValidationErrorString(t *testing.T) {
	t.Parallel()
	e := &ValidationError{Field: "hash", Value: "xyz", Reason: "must be hex"}
	if got := e.Error(); got != `invalid hash "xyz": must be hex` {
		t.Errorf("Error() = %q", got)
	}
	e = &ValidationError{Field: "api key", Reason: "contains whitespace"}
	if got := e.Error(); got != `invalid api key: contains whitespace` {
		t.Errorf("Error() = %q", got)
	}
}

func TestErrorBodyCap(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, Options{Retry: RetryPolicy{MaxAttempts: 1}})
	mux.HandleFunc("/api/v1/models/5", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(500)
		_, _ = w.Write([]byte(strings.Repeat("x", 200<<10)))
	})
	_, err := c.GetModel(t.Context(), 5)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindServer || len(e.Message) > maxMessage+10 {
		t.Fatalf("err = %v", err)
	}
}

func TestNetworkErrorNamesHost(t *testing.T) {
	t.Parallel()
	// .invalid never resolves (RFC 2606); no packet leaves loopback/resolver.
	c, err := New(Options{BaseURL: "http://civit-test.invalid", Retry: RetryPolicy{MaxAttempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetModel(t.Context(), 1)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindNetwork || e.StatusCode != 0 || e.Err == nil {
		t.Fatalf("err = %#v", err)
	}
	if !strings.Contains(e.Error(), "civit-test.invalid") {
		t.Errorf("message does not name the host: %v", e)
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	c, _ := New(Options{})
	u := c.endpoint("/api/v1/models", map[string][]string{"token": {"abc"}, "query": {"a b"}, "X-Amz-Signature": {"sig"}})
	got := redactURL(u)
	if strings.Contains(got, "abc") || strings.Contains(got, "sig") || !strings.Contains(got, "query=a%20b") {
		t.Errorf("redactURL = %s", got)
	}
}
