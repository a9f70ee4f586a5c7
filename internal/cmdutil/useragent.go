package cmdutil

import "net/http"

// WithUserAgent returns a copy of hc whose requests carry User-Agent ua
// unless they set their own (the API client and the download engine
// do): net/http would send "Go-http-client/1.1". The copy shares hc's
// transport, and so its connections and proxy.
func WithUserAgent(hc *http.Client, ua string) *http.Client {
	c := *hc
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = &userAgent{base: base, ua: ua}
	return &c
}

type userAgent struct {
	base http.RoundTripper
	ua   string
}

// RoundTrip sets the User-Agent on a copy of req (a RoundTripper must not
// change the request it is given).
func (t *userAgent) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") != "" {
		return t.base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.Header.Set("User-Agent", t.ua)
	return t.base.RoundTrip(r)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// transport.
func (t *userAgent) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
