package cli

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/proxyenv"
)

// Network failures of the API say what failed and give advice that fits:
// a name that does not resolve keeps "no such host", a silent server is
// not called unreachable, a certificate is not blamed on the connection,
// a proxy's answers are not blamed on the API key, and the proxy variable
// named is the one for the base URL's scheme.
func TestClassifyNetwork(t *testing.T) {
	t.Parallel()
	dial := func(inner error) error {
		return &url.Error{Op: "Get", URL: "https://civitai.invalid/api/v1/models/1", Err: &net.OpError{Op: "dial", Net: "tcp", Err: inner}}
	}
	netErr := func(rawURL, msg string, err error) *api.Error {
		return &api.Error{Kind: api.KindNetwork, Method: "GET", URL: rawURL, Message: msg, Err: err}
	}
	const apiURL = "https://civitai.invalid/api/v1/models/1"
	for _, tc := range []struct {
		name      string
		err       error
		wantMsg   string   // the message contains it
		wantHints []string // each hint contains its string, in order
		code      int
	}{
		{name: "no such host",
			err:       netErr(apiURL, "error connecting to civitai.invalid: no such host", dial(&net.DNSError{Err: "no such host", Name: "civitai.invalid", IsNotFound: true})),
			wantMsg:   "error connecting to civitai.invalid: no such host",
			wantHints: []string{"check the host name (`CIVITAI_BASE_URL`"}, code: ExitError},
		{name: "silent server",
			err:       netErr(apiURL, "civitai.invalid did not answer in time (net/http: timeout awaiting response headers)", &url.Error{Op: "Get", URL: apiURL, Err: timeoutErr{}}),
			wantMsg:   "civitai.invalid did not answer in time",
			wantHints: []string{"the server is slow or down"}, code: ExitError},
		{name: "http base URL names HTTP_PROXY",
			err:       netErr("http://civitai.invalid/api/v1/models/1", "error connecting to civitai.invalid: connection refused", fmt.Errorf("connection refused")),
			wantHints: []string{"proxy settings (`HTTP_PROXY`)"}, code: ExitError},
		{name: "https base URL names HTTPS_PROXY",
			err:       netErr(apiURL, "error connecting to civitai.invalid: connection refused", fmt.Errorf("connection refused")),
			wantHints: []string{"proxy settings (`HTTPS_PROXY`)"}, code: ExitError},
		{name: "untrusted certificate",
			err:       netErr(apiURL, "error connecting to civitai.invalid: tls: failed to verify certificate: x509: certificate signed by unknown authority", &url.Error{Op: "Get", URL: apiURL, Err: x509.UnknownAuthorityError{}}),
			wantHints: []string{"a proxy or server presents a certificate this system does not trust: add its CA"}, code: ExitError},
		{name: "proxy does not resolve",
			err: netErr(apiURL, "error connecting to the proxy proxy.invalid:3128 (HTTPS_PROXY): no such host",
				&url.Error{Op: "Get", URL: apiURL, Err: &net.OpError{Op: "proxyconnect", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "proxy.invalid", IsNotFound: true}}}),
			wantMsg:   "error connecting to the proxy proxy.invalid:3128",
			wantHints: []string{"civit could not reach the proxy set in `HTTPS_PROXY`"}, code: ExitError},
		{name: "proxy wants a password for CONNECT",
			err: netErr(apiURL, "proxy refused", &url.Error{Op: "Get", URL: apiURL,
				Err: &proxyenv.ConnectError{Proxy: "p:3128", Var: "HTTPS_PROXY", Target: "civitai.invalid:443", StatusCode: 407, Status: "407 Proxy Authentication Required"}}),
			wantHints: []string{"put user:password@ in the proxy URL, HTTPS_PROXY=http://user:pass@host:port"}, code: ExitError},
		{name: "plain-HTTP proxy wants a password",
			err:       &api.Error{Kind: api.KindUnknown, Method: "GET", URL: "http://civitai.invalid/api/v1/models/1", StatusCode: 407, Message: "Proxy Authentication Required"},
			wantHints: []string{"put user:password@ in the proxy URL, HTTP_PROXY=http://user:pass@host:port"}, code: ExitError},
		{name: "proxy block page is not the key",
			err:       &api.Error{Kind: api.KindNotAPI, Method: "GET", URL: "http://civitai.invalid/api/v1/models/101", StatusCode: 403, Message: "server returned an HTML page: blocked by policy", KeySent: true},
			wantMsg:   "403 server returned an HTML page: blocked by policy",
			wantHints: []string{"a proxy or network filter refused the request with a web page, not CivitAI's API (which answers in JSON), so no API key helps: check the proxy settings (`HTTP_PROXY`)"}, code: ExitError},
	} {
		msg, hints, code := classify(tc.err, true)
		if !strings.Contains(msg, tc.wantMsg) || code != tc.code || len(hints) != len(tc.wantHints) {
			t.Errorf("%s: %q %q exit %d; want message with %q, %d hints, exit %d", tc.name, msg, hints, code, tc.wantMsg, len(tc.wantHints), tc.code)
			continue
		}
		for i, h := range tc.wantHints {
			if !strings.Contains(hints[i], h) {
				t.Errorf("%s: hint %q, want %q", tc.name, hints[i], h)
			}
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "net/http: timeout awaiting response headers" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }
