package api

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/civit/civit/internal/proxyenv"
)

// Connection pool sizes used by NewHTTPClient: API calls are few and
// polite, at most 10 connections in all and 5 to one host. File transfers
// use internal/download's own client.
const (
	DefaultMaxIdleConns        = 10
	DefaultMaxIdleConnsPerHost = 5
	DefaultMaxConnsPerHost     = 5
)

var errTooManyRedirects = errors.New("stopped after 10 redirects")

// NewHTTPClient returns a pooled *http.Client with the proxy taken from the
// environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY, as
// proxyenv reads them: http://, https://, socks5:// and socks5h:// URLs),
// a 10 s dial and TLS handshake timeout and a 30 s response-header
// timeout. timeout is the total Client.Timeout; pass 0 for downloads,
// which must not have one.
func NewHTTPClient(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          DefaultMaxIdleConns,
		MaxIdleConnsPerHost:   DefaultMaxIdleConnsPerHost,
		MaxConnsPerHost:       DefaultMaxConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
	}
	proxyenv.Default().Configure(tr)
	return &http.Client{Transport: tr, Timeout: timeout}
}
