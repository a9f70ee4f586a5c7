// Package proxyenv chooses the proxy of each request from the environment,
// for the API client and the download engine alike: HTTP_PROXY (http://
// URLs), HTTPS_PROXY (https:// URLs) and NO_PROXY as net/http reads them
// (upper case first, then lower case; loopback hosts never proxied), and
// ALL_PROXY for a scheme whose own variable is unset, as curl does, which
// net/http ignores. A proxy URL may be http://, https://, socks5:// or
// socks5h:// (both resolve names on the proxy); one without a scheme is
// http://.
//
// A setting it cannot use is an error of every request it applies to (a
// *ConfigError), never a direct connection: net/http drops a proxy URL it
// cannot parse and connects without one. A proxy's refusal to open a
// tunnel (CONNECT) is a *ConnectError, which says whether it was the
// proxy asking for a password.
package proxyenv

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"

	"golang.org/x/net/http/httpproxy"
)

// Env is the proxy settings read from the environment once.
type Env struct {
	vars  map[string]setting // by request scheme: "http", "https"
	match func(*url.URL) (*url.URL, error)
}

// setting is the proxy of one request scheme and where it comes from.
type setting struct {
	name string   // the variable, e.g. "HTTPS_PROXY" or "all_proxy"
	url  *url.URL // nil when err is set
	err  *ConfigError
}

// the stand-in proxy that match returns: only whether there is one counts.
const standIn = "http://proxy.invalid"

// New reads the settings through getenv.
func New(getenv func(string) string) *Env {
	e := &Env{vars: map[string]setting{}}
	pick := func(names ...string) (string, string) {
		for _, n := range names {
			if v := strings.TrimSpace(getenv(n)); v != "" {
				return n, v
			}
		}
		return "", ""
	}
	var cfg httpproxy.Config
	for _, s := range []struct {
		scheme string
		names  []string
		field  *string
	}{
		{"http", []string{"HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"}, &cfg.HTTPProxy},
		{"https", []string{"HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"}, &cfg.HTTPSProxy},
	} {
		name, value := pick(s.names...)
		if name == "" {
			continue
		}
		u, err := parse(name, value)
		e.vars[s.scheme] = setting{name: name, url: u, err: err}
		*s.field = standIn
	}
	_, cfg.NoProxy = pick("NO_PROXY", "no_proxy")
	cfg.CGI = getenv("REQUEST_METHOD") != ""
	e.match = cfg.ProxyFunc()
	return e
}

// Default returns the settings of this process's environment, read at the
// first call (as http.ProxyFromEnvironment does).
var Default = sync.OnceValue(func() *Env { return New(os.Getenv) })

// parse reads a proxy URL as net/http does (no scheme: http://), but
// refuses what it would drop or misuse.
func parse(name, value string) (*url.URL, *ConfigError) {
	u, err := url.Parse(value)
	if err != nil || u.Scheme == "" || u.Host == "" {
		if u2, err2 := url.Parse("http://" + value); err2 == nil && u2.Host != "" {
			u, err = u2, nil
		}
	}
	if err != nil || u.Host == "" {
		return nil, &ConfigError{Var: name, Value: redactRaw(value), Reason: "not a proxy URL such as http://host:port"}
	}
	switch u.Scheme = strings.ToLower(u.Scheme); u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return nil, &ConfigError{Var: name, Value: u.Redacted(), Reason: fmt.Sprintf("civit cannot use a %s:// proxy (only http, https, socks5 and socks5h)", u.Scheme)}
	}
	if u.Port() == "" && strings.HasSuffix(u.Host, ":") {
		return nil, &ConfigError{Var: name, Value: u.Redacted(), Reason: "the port is missing after the colon"}
	}
	return u, nil
}

// Proxy is an http.Transport's Proxy: the proxy for req, nil for a direct
// connection, or a *ConfigError when the setting that applies is unusable.
func (e *Env) Proxy(req *http.Request) (*url.URL, error) { return e.For(req.URL) }

// For is Proxy for a URL.
func (e *Env) For(u *url.URL) (*url.URL, error) {
	s, ok := e.vars[u.Scheme]
	if !ok {
		return nil, nil
	}
	p, err := e.match(u) // NO_PROXY, loopback, CGI
	if err != nil || p == nil {
		return nil, err
	}
	if s.err != nil {
		return nil, s.err
	}
	return s.url, nil
}

// Var names the variable that sets the proxy of scheme's URLs (http or
// https), or the one to set when none does: HTTPS_PROXY for https,
// HTTP_PROXY for http. Hints name it.
func (e *Env) Var(scheme string) string {
	if s, ok := e.vars[scheme]; ok {
		return s.name
	}
	if scheme == "http" {
		return "HTTP_PROXY"
	}
	return "HTTPS_PROXY"
}

// Configure makes tr use e: its Proxy, and its answer to a refused CONNECT
// (a *ConnectError).
func (e *Env) Configure(tr *http.Transport) {
	tr.Proxy = e.Proxy
	tr.OnProxyConnectResponse = func(_ context.Context, proxy *url.URL, req *http.Request, resp *http.Response) error {
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		return &ConnectError{Proxy: proxy.Host, Var: e.Var("https"), Target: req.URL.Opaque,
			StatusCode: resp.StatusCode, Status: resp.Status, HasPassword: proxy.User != nil}
	}
}

// AuthHint is the advice for a proxy's 407 to a request for u.
func (e *Env) AuthHint(u *url.URL) string {
	name := e.Var(u.Scheme)
	if p, err := e.For(u); err == nil && p != nil && p.User != nil {
		return authHint(name, true)
	}
	return authHint(name, false)
}

func authHint(name string, hasPassword bool) string {
	if hasPassword {
		return fmt.Sprintf("the proxy did not accept the user name and password in `%s`: check them (characters such as @ : / %% in them must be %%-encoded)", name)
	}
	return fmt.Sprintf("the proxy asks for a user name and password: put user:password@ in the proxy URL, %s=http://user:pass@host:port", name)
}

// ConfigError is a proxy setting civit cannot use. Permanent.
type ConfigError struct {
	Var    string // the variable, e.g. "ALL_PROXY"
	Value  string // its value, password redacted
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s=%s: %s", e.Var, e.Value, e.Reason)
}

// Hint says what to do.
func (e *ConfigError) Hint() string {
	return fmt.Sprintf("set `%s` to a proxy URL such as http://host:3128 or socks5://host:1080, or unset it", e.Var)
}

// ConnectError is a proxy's answer other than 200 to CONNECT, the request
// that opens a tunnel to an https:// host through it. A 407 (the proxy
// wants a password) or 403 (it does not allow the host) is permanent.
type ConnectError struct {
	Proxy       string // host:port
	Var         string // the variable that set it
	Target      string // host:port the tunnel was for
	StatusCode  int
	Status      string // "407 Proxy Authentication Required"
	HasPassword bool   // the proxy URL carried user:password@
}

func (e *ConnectError) Error() string {
	return fmt.Sprintf("proxy %s (%s) refused to connect to %s: %s", e.Proxy, e.Var, e.Target, e.Status)
}

// Temporary reports whether the proxy may let it through later: it could
// not reach the host (502, 504) or was overloaded (5xx, 429).
func (e *ConnectError) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// Hint says what to do.
func (e *ConnectError) Hint() string {
	switch e.StatusCode {
	case http.StatusProxyAuthRequired:
		return authHint(e.Var, e.HasPassword)
	case http.StatusForbidden:
		host, _, _ := strings.Cut(e.Target, ":")
		return fmt.Sprintf("the proxy in `%s` does not let civit reach %s: ask its administrator, or add the host to `NO_PROXY` if it can be reached without the proxy", e.Var, host)
	}
	return fmt.Sprintf("the proxy in `%s` could not reach the server: check that the proxy works, or try again later", e.Var)
}

// redactRaw hides the user information of a value that does not parse.
func redactRaw(s string) string {
	if at := strings.LastIndex(s, "@"); at >= 0 {
		from := 0
		if i := strings.Index(s, "://"); i >= 0 && i < at {
			from = i + len("://")
		}
		s = s[:from] + "REDACTED" + s[at:]
	}
	return s
}
