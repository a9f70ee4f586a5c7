package civitaitest

import (
	"bufio"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// ProxyOptions configures a Proxy.
type ProxyOptions struct {
	// Hosts maps the host names (and host:port) that exist only behind the
	// proxy to the address to reach them at; a name not listed is dialled
	// as it is. Go never proxies loopback hosts, so tests give the fake's
	// hosts made-up names here.
	Hosts map[string]string
	// User and Password, when User is set, are required (Basic
	// Proxy-Authorization, or SOCKS5 user/password); 407 otherwise.
	User, Password string
	// Refuse answers every HTTP request and CONNECT with a 403 HTML block
	// page, as a corporate filter does.
	Refuse bool
}

// BlockPage is what a refusing Proxy sends.
const BlockPage = "<html><head><title>Access denied</title></head><body>blocked by policy</body></html>\n"

// Proxy is a forward proxy on loopback speaking HTTP (absolute-URI
// requests and CONNECT tunnels) and SOCKS5 on the same port, for tests of
// HTTP_PROXY, HTTPS_PROXY and ALL_PROXY.
type Proxy struct {
	// Addr is host:port to put in a proxy URL (http:// or socks5://).
	Addr string

	opts ProxyOptions
	ln   net.Listener
	wg   sync.WaitGroup

	mu    sync.Mutex
	seen  []string // the targets asked for, host:port
	conns map[net.Conn]struct{}
}

// NewProxy starts a Proxy; Close stops it.
func NewProxy(opts ProxyOptions) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Addr: ln.Addr().String(), opts: opts, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !p.track(c, true) {
				c.Close()
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				defer p.track(c, false)
				defer c.Close()
				p.serve(c)
			}()
		}
	}()
	return p, nil
}

// Close stops the proxy and its tunnels.
func (p *Proxy) Close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// Seen returns the targets (host:port) clients asked the proxy for.
func (p *Proxy) Seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

func (p *Proxy) track(c net.Conn, add bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		return false
	}
	if add {
		p.conns[c] = struct{}{}
	} else {
		delete(p.conns, c)
	}
	return true
}

func (p *Proxy) dial(target string) (net.Conn, error) {
	p.mu.Lock()
	p.seen = append(p.seen, target)
	p.mu.Unlock()
	host, _, _ := net.SplitHostPort(target)
	addr := target
	if a, ok := p.opts.Hosts[target]; ok {
		addr = a
	} else if a, ok := p.opts.Hosts[host]; ok {
		addr = a
	}
	c, err := net.Dial("tcp", addr)
	if err == nil && !p.track(c, true) {
		c.Close()
		return nil, net.ErrClosed
	}
	return c, err
}

func (p *Proxy) serve(c net.Conn) {
	br := bufio.NewReader(c)
	first, err := br.Peek(1)
	if err != nil {
		return
	}
	if first[0] == 5 {
		p.serveSOCKS(c, br)
		return
	}
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	if p.opts.Refuse {
		fmt.Fprintf(c, "HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(BlockPage), BlockPage)
		return
	}
	if p.opts.User != "" && req.Header.Get("Proxy-Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(p.opts.User+":"+p.opts.Password)) {
		io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	if req.Method == http.MethodConnect {
		up, err := p.dial(req.Host)
		if err != nil {
			io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			return
		}
		defer up.Close()
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
		relay(c, br, up)
		return
	}
	// An absolute-URI request: one request per connection.
	target := req.URL.Host
	if req.URL.Port() == "" {
		target = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	up, err := p.dial(target)
	if err != nil {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	defer up.Close()
	req.Header.Del("Proxy-Authorization")
	req.Header.Del("Proxy-Connection")
	req.Close = true
	if err := req.Write(up); err != nil {
		return
	}
	io.Copy(c, up)
}

// serveSOCKS speaks SOCKS5 (RFC 1928) with no authentication or, when
// User is set, user/password (RFC 1929); CONNECT only.
func (p *Proxy) serveSOCKS(c net.Conn, br *bufio.Reader) {
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return
	}
	methods := make([]byte, hdr[1])
	if _, err := io.ReadFull(br, methods); err != nil {
		return
	}
	want := byte(0)
	if p.opts.User != "" {
		want = 2
	}
	if !strings.Contains(string(methods), string([]byte{want})) {
		c.Write([]byte{5, 0xff})
		return
	}
	c.Write([]byte{5, want})
	if want == 2 {
		ok, err := p.socksAuth(br)
		if err != nil {
			return
		}
		if !ok {
			c.Write([]byte{1, 1})
			return
		}
		c.Write([]byte{1, 0})
	}
	req := make([]byte, 4)
	if _, err := io.ReadFull(br, req); err != nil {
		return
	}
	var host string
	switch req[3] {
	case 1, 4:
		ip := make(net.IP, 4)
		if req[3] == 4 {
			ip = make(net.IP, 16)
		}
		if _, err := io.ReadFull(br, ip); err != nil {
			return
		}
		host = ip.String()
	case 3:
		n, err := br.ReadByte()
		if err != nil {
			return
		}
		name := make([]byte, n)
		if _, err := io.ReadFull(br, name); err != nil {
			return
		}
		host = string(name)
	default:
		return
	}
	port := make([]byte, 2)
	if _, err := io.ReadFull(br, port); err != nil {
		return
	}
	target := net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(port))))
	reply := func(code byte) { c.Write([]byte{5, code, 0, 1, 0, 0, 0, 0, 0, 0}) }
	if req[1] != 1 {
		reply(7) // command not supported
		return
	}
	if p.opts.Refuse {
		reply(2) // not allowed by ruleset
		return
	}
	up, err := p.dial(target)
	if err != nil {
		reply(4) // host unreachable
		return
	}
	defer up.Close()
	reply(0)
	relay(c, br, up)
}

func (p *Proxy) socksAuth(br *bufio.Reader) (bool, error) {
	read := func() (string, error) {
		n, err := br.ReadByte()
		if err != nil {
			return "", err
		}
		b := make([]byte, n)
		_, err = io.ReadFull(br, b)
		return string(b), err
	}
	if v, err := br.ReadByte(); err != nil || v != 1 {
		return false, errors.New("bad auth version")
	}
	user, err := read()
	if err != nil {
		return false, err
	}
	pass, err := read()
	if err != nil {
		return false, err
	}
	return user == p.opts.User && pass == p.opts.Password, nil
}

// relay copies both ways until either side closes.
func relay(c net.Conn, br *bufio.Reader, up net.Conn) {
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, br); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
}
