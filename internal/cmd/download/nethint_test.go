package download

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	dl "github.com/civit/civit/internal/download"
)

// Failures on the way to the file's server get advice that names what to
// do; none of them is blamed on the network in general.
func TestExplainStorageFailures(t *testing.T) {
	t.Parallel()
	const file = "http://storage.invalid/model/1/f.safetensors"
	get := func(inner error) error { return &url.Error{Op: "Get", URL: file, Err: inner} }
	for _, tc := range []struct {
		name string
		err  error
		want string // the hint contains it; "" for no hint of explain's
	}{
		{name: "storage does not resolve",
			err:  get(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "storage.invalid", IsNotFound: true}}),
			want: "the file's server storage.invalid does not resolve: check your internet connection and DNS; if your network needs a proxy, set `HTTP_PROXY`"},
		{name: "untrusted certificate",
			err:  fmt.Errorf("giving up: %w", get(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}})),
			want: "a proxy or server presents a certificate this system does not trust: add its CA"},
		{name: "proxy unreachable",
			err:  get(&net.OpError{Op: "proxyconnect", Net: "tcp", Err: &net.OpError{Op: "dial", Net: "tcp", Err: fmt.Errorf("connection refused")}}),
			want: "civit could not reach the proxy set in `HTTP_PROXY`"},
		{name: "web page instead of the file",
			err:  &dl.UnexpectedContentError{ContentType: "text/html", Length: 112, Snippet: "<!DOCTYPE html><html><title>Sign in to Wi-Fi</title>"},
			want: "a captive portal"},
		{name: "maintenance page instead of the file",
			err:  &dl.UnexpectedContentError{ContentType: "text/html; charset=utf-8", Length: 240, Snippet: "<!DOCTYPE html><html>", Text: "Civitai | Maintenance"},
			want: "CivitAI is down for maintenance: run the same command again in a few minutes"},
		{name: "maintenance page with a 503",
			err:  fmt.Errorf("giving up after 8 attempts: %w", &dl.HTTPError{StatusCode: 503, Status: "503 Service Unavailable", URL: file, Body: "Civitai | Maintenance", ContentType: "text/html; charset=utf-8"}),
			want: "CivitAI is down for maintenance"},
		{name: "json document instead of the file"},
		{name: "storage refuses after fresh links",
			err:  fmt.Errorf("%w (still refused after 3 fresh URLs)", &dl.HTTPError{StatusCode: 403, Status: "403 Forbidden", URL: file, Body: "AccessDenied", ContentType: "application/xml"}),
			want: "CivitAI's file storage refuses this file"},
		{name: "proxy block page on the storage",
			err:  &dl.HTTPError{StatusCode: 403, Status: "403 Forbidden", URL: file, Body: "Access denied", ContentType: "text/html"},
			want: "a proxy or network filter refused the download with a web page: check the proxy settings (`HTTP_PROXY`)"},
		{name: "no such key",
			err:  &dl.HTTPError{StatusCode: 404, Status: "404 Not Found", URL: file, Body: "NoSuchKey", ContentType: "application/xml"},
			want: "CivitAI's file storage does not have this file"},
		{name: "plain-HTTP proxy wants a password",
			err:  &dl.HTTPError{StatusCode: 407, Status: "407 Proxy Authentication Required", URL: file},
			want: "put user:password@ in the proxy URL, HTTP_PROXY=http://user:pass@host:port"},
		{name: "the API's failure is the mapper's",
			err: fmt.Errorf("resolve a fresh download URL: %w", &api.Error{Kind: api.KindNetwork, Err: get(&net.DNSError{Err: "no such host", Name: "civitai.invalid", IsNotFound: true})})},
	} {
		if tc.err == nil {
			tc.err = &dl.UnexpectedContentError{ContentType: "application/json", Length: 106, Snippet: `{"error":"Unauthorized"}`}
		}
		got := explain(&item{Target: "101", Err: tc.err})
		var he *cmdutil.HintError
		hint := ""
		if h, ok := got.(*cmdutil.HintError); ok {
			he = h
			hint = he.Hint
		}
		if tc.want == "" {
			if strings.Contains(hint, "captive") || strings.Contains(hint, "storage") {
				t.Errorf("%s: hint %q", tc.name, hint)
			}
			continue
		}
		if !strings.Contains(hint, tc.want) {
			t.Errorf("%s: explain(%v) hint %q, want %q", tc.name, tc.err, hint, tc.want)
		}
	}
}

// After answers that left nothing on disk (empty ones, a refused first
// request), the advice does not promise to resume "what arrived".
func TestExplainNothingKept(t *testing.T) {
	t.Parallel()
	it := &item{Target: "101", Dest: filepath.Join(t.TempDir(), "m.safetensors"),
		Version: &api.ModelVersion{ID: 10101}, File: &api.File{ID: 1010101},
		Err: fmt.Errorf("giving up after 8 attempts: %w", &dl.EmptyAnswerError{Expected: 207285})}
	var he *cmdutil.HintError
	if !errors.As(explain(it), &he) {
		t.Fatalf("explain(%v): no hint", it.Err)
	}
	if want := "the file's server or the network kept failing; run the same command again later"; he.Hint != want {
		t.Errorf("hint %q, want %q", he.Hint, want)
	}
}
