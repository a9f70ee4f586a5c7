package proxyenv_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/civit/civit/internal/civitaitest"
	"github.com/civit/civit/internal/proxyenv"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		env     []string
		url     string
		want    string // the proxy URL, "" for none
		wantErr string // a *ConfigError containing this
		wantVar string // Var of the URL's scheme
	}{
		{name: "none", url: "https://civitai.com/api/v1/models", wantVar: "HTTPS_PROXY"},
		{name: "none http", url: "http://civitai.com/", wantVar: "HTTP_PROXY"},
		{name: "https proxy", env: []string{"HTTPS_PROXY", "http://p:3128"}, url: "https://civitai.com/", want: "http://p:3128", wantVar: "HTTPS_PROXY"},
		{name: "lower case", env: []string{"https_proxy", "http://p:3128"}, url: "https://civitai.com/", want: "http://p:3128", wantVar: "https_proxy"},
		{name: "all_proxy socks5 for https", env: []string{"ALL_PROXY", "socks5://s:1080"}, url: "https://civitai.com/", want: "socks5://s:1080", wantVar: "ALL_PROXY"},
		{name: "all_proxy socks5 for http", env: []string{"ALL_PROXY", "socks5://s:1080"}, url: "http://b2.example:8080/f", want: "socks5://s:1080", wantVar: "ALL_PROXY"},
		{name: "all_proxy lower case", env: []string{"all_proxy", "socks5h://s:1080"}, url: "https://civitai.com/", want: "socks5h://s:1080", wantVar: "all_proxy"},
		{name: "own variable first", env: []string{"HTTPS_PROXY", "http://p:3128", "ALL_PROXY", "socks5://s:1080"}, url: "https://civitai.com/", want: "http://p:3128", wantVar: "HTTPS_PROXY"},
		{name: "all_proxy where the own is unset", env: []string{"HTTPS_PROXY", "http://p:3128", "ALL_PROXY", "socks5://s:1080"}, url: "http://civitai.com/", want: "socks5://s:1080", wantVar: "ALL_PROXY"},
		{name: "no scheme is http", env: []string{"ALL_PROXY", "p:3128"}, url: "https://civitai.com/", want: "http://p:3128"},
		{name: "no_proxy applies to all_proxy", env: []string{"ALL_PROXY", "socks5://s:1080", "NO_PROXY", "civitai.com"}, url: "https://civitai.com/", want: ""},
		{name: "no_proxy other host", env: []string{"ALL_PROXY", "socks5://s:1080", "NO_PROXY", "civitai.com"}, url: "https://b2.example/", want: "socks5://s:1080"},
		{name: "loopback never", env: []string{"ALL_PROXY", "socks5://s:1080"}, url: "http://127.0.0.1:8787/", want: ""},
		{name: "unusable scheme", env: []string{"ALL_PROXY", "socks4://s:1080"}, url: "https://civitai.com/", wantErr: "ALL_PROXY=socks4://s:1080: civit cannot use a socks4:// proxy"},
		{name: "unusable scheme not applying", env: []string{"ALL_PROXY", "socks4://s:1080", "NO_PROXY", "*"}, url: "https://civitai.com/"},
		{name: "unparsable", env: []string{"HTTPS_PROXY", "http://p:%zz"}, url: "https://civitai.com/", wantErr: "HTTPS_PROXY="},
		{name: "password not shown", env: []string{"ALL_PROXY", "ftp://u:secret@p:21"}, url: "https://civitai.com/", wantErr: "ALL_PROXY=ftp://u:xxxxx@p:21"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := proxyenv.New(env(tc.env...))
			u, _ := url.Parse(tc.url)
			got, err := e.For(u)
			if tc.wantErr != "" {
				var ce *proxyenv.ConfigError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("For(%s) = %v, %v; want a *ConfigError with %q", tc.url, got, err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "secret") || strings.Contains(ce.Hint(), "secret") {
					t.Errorf("the password was printed: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("For(%s): %v", tc.url, err)
			}
			if s := urlString(got); s != tc.want {
				t.Errorf("For(%s) = %q, want %q", tc.url, s, tc.want)
			}
			if tc.wantVar != "" {
				if v := e.Var(u.Scheme); v != tc.wantVar {
					t.Errorf("Var(%s) = %q, want %q", u.Scheme, v, tc.wantVar)
				}
			}
		})
	}
}

func urlString(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.String()
}

// A transport configured from ALL_PROXY=socks5:// goes through the SOCKS
// proxy (net/http ignores ALL_PROXY: it would connect directly).
func TestConfigureSOCKS5(t *testing.T) {
	t.Parallel()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") }))
	t.Cleanup(origin.Close)
	p, err := civitaitest.NewProxy(civitaitest.ProxyOptions{Hosts: map[string]string{"origin.invalid": origin.Listener.Addr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	tr := &http.Transport{}
	proxyenv.New(env("ALL_PROXY", "socks5://"+p.Addr)).Configure(tr)
	resp, err := (&http.Client{Transport: tr}).Get("http://origin.invalid/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != "hello" {
		t.Errorf("body %q", b)
	}
	if seen := p.Seen(); len(seen) != 1 || seen[0] != "origin.invalid:80" {
		t.Errorf("the proxy saw %q", seen)
	}
}

// A proxy's 407 to CONNECT is a *ConnectError that says to put the user
// name and password in the proxy URL; a 502 is temporary.
func TestConnectRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		opts      civitaitest.ProxyOptions
		userinfo  string
		status    int
		temporary bool
		hint      string
	}{
		{name: "password wanted", opts: civitaitest.ProxyOptions{User: "u", Password: "p"}, status: 407, hint: "put user:password@ in the proxy URL, HTTPS_PROXY=http://user:pass@host:port"},
		{name: "wrong password", opts: civitaitest.ProxyOptions{User: "u", Password: "p"}, userinfo: "u:wrong@", status: 407, hint: "did not accept the user name and password in `HTTPS_PROXY`"},
		{name: "blocked", opts: civitaitest.ProxyOptions{Refuse: true}, status: 403, hint: "does not let civit reach civitai.invalid"},
		{name: "unreachable", opts: civitaitest.ProxyOptions{Hosts: map[string]string{"civitai.invalid": "127.0.0.1:1"}}, status: 502, temporary: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := civitaitest.NewProxy(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(p.Close)
			tr := &http.Transport{}
			proxyenv.New(env("HTTPS_PROXY", "http://"+tc.userinfo+p.Addr)).Configure(tr)
			_, err = (&http.Client{Transport: tr}).Get("https://civitai.invalid/api/v1/models")
			var ce *proxyenv.ConnectError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *ConnectError", err)
			}
			if ce.StatusCode != tc.status || ce.Temporary() != tc.temporary || !strings.Contains(ce.Hint(), tc.hint) {
				t.Errorf("%v: status %d, temporary %v, hint %q", ce, ce.StatusCode, ce.Temporary(), ce.Hint())
			}
			if strings.Contains(err.Error(), "wrong") {
				t.Errorf("the password was printed: %v", err)
			}
		})
	}
}
