package cli

import (
	"net"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/civit/civit/internal/civitaitest"
)

// proxyBox holds a script's proxy (testscript's values are set in Setup).
type proxyBox struct{ p *civitaitest.Proxy }

// cmdProxy starts a fake CivitAI whose hosts exist only behind a forward
// proxy (HTTP and SOCKS5 on one port; Go never proxies loopback hosts):
// proxy [refuse | user:password]. It sets PROXY_ADDR (host:port, for
// http:// and socks5:// URLs) and PROXIED_API (the fake's API by its
// made-up name); its storage is storage.civitai.invalid.
func cmdProxy(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 1 {
		ts.Fatalf("usage: proxy [refuse | user:password]")
	}
	srv, err := civitaitest.NewServer(civitaitest.Options{Seed: 1, Models: 20, APIKeys: []string{"test-key-123456"}, StorageHost: "storage.civitai.invalid"})
	ts.Check(err)
	ts.Defer(srv.Close)
	apiAddr := strings.TrimPrefix(srv.URL, "http://")
	_, apiPort, _ := net.SplitHostPort(apiAddr)
	stAddr := strings.TrimPrefix(srv.StorageURL, "http://")
	_, stPort, _ := net.SplitHostPort(stAddr)
	opts := civitaitest.ProxyOptions{Hosts: map[string]string{
		"api.civitai.invalid":     net.JoinHostPort("127.0.0.1", apiPort),
		"storage.civitai.invalid": net.JoinHostPort("127.0.0.1", stPort),
	}}
	if len(args) == 1 {
		if args[0] == "refuse" {
			opts.Refuse = true
		} else if u, p, ok := strings.Cut(args[0], ":"); ok {
			opts.User, opts.Password = u, p
		} else {
			ts.Fatalf("usage: proxy [refuse | user:password]")
		}
	}
	p, err := civitaitest.NewProxy(opts)
	ts.Check(err)
	ts.Defer(p.Close)
	ts.Value("proxy").(*proxyBox).p = p
	ts.Setenv("PROXY_ADDR", p.Addr)
	ts.Setenv("PROXIED_API", "http://"+net.JoinHostPort("api.civitai.invalid", apiPort))
}

// cmdProxySaw checks that the proxy was asked for HOST (any port):
// proxy-saw HOST
func cmdProxySaw(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: proxy-saw HOST")
	}
	p := ts.Value("proxy").(*proxyBox).p
	if p == nil {
		ts.Fatalf("no proxy: run the proxy command first")
	}
	saw := false
	for _, target := range p.Seen() {
		if h, _, _ := net.SplitHostPort(target); h == args[0] {
			saw = true
		}
	}
	if saw == neg {
		ts.Fatalf("proxy saw %q; want %s %v", p.Seen(), args[0], !neg)
	}
}
