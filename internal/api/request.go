package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/civit/civit/internal/backoff"
	"github.com/civit/civit/internal/proxyenv"
)

// maxBody caps a successful JSON response; real pages are a few MB at most.
const maxBody = 128 << 20

// call describes one API request.
type call struct {
	method string
	path   string // API path such as "/api/v1/models"
	query  url.Values
	body   []byte // JSON request body, for POST
	cache  bool   // GET whose 200 body may be cached
}

// fetch performs k with retries and decodes the JSON answer into a new T.
// Every attempt decodes into a fresh value, so a failed attempt leaves
// nothing behind.
func fetch[T any](ctx context.Context, c *Client, k call) (*T, error) {
	u := c.endpoint(k.path, k.query)
	name := k.method + " " + pathOf(redactURL(u))
	var key string
	if k.cache && c.cache != nil {
		key = c.cacheKey(k.method, u)
		if !c.refresh {
			if body, ok := c.cache.Get(key); ok {
				if v, err := decodeJSON[T](body); err == nil {
					return v, nil
				}
			}
		}
	}
	var out *T
	err := c.withRetry(ctx, name, func() error {
		body, status, err := c.roundTrip(ctx, k, u)
		if err != nil {
			return err
		}
		v, err := decodeJSON[T](body)
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				e.Method, e.URL, e.StatusCode = k.method, redactURL(u), status
			}
			return err
		}
		if key != "" && status == http.StatusOK {
			c.cache.Set(key, body)
		}
		out = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// decodeJSON decodes body leniently: a type mismatch deep inside the value
// is tolerated (the rest is still decoded), a mismatch of the whole value or
// a syntax error is not.
func decodeJSON[T any](body []byte) (*T, error) {
	v := new(T)
	err := json.Unmarshal(body, v)
	if err == nil {
		return v, nil
	}
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) && ute.Field != "" {
		return v, nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, &Error{Kind: KindNotJSON, Message: "invalid JSON in response: " + err.Error(), Err: err}
	}
	return nil, &Error{Kind: KindUnknown, Message: "unexpected response shape: " + err.Error(), Err: err}
}

// cacheKey is method, full URL and, when a key is set, the SHA-256 of the
// key, so anonymous and authenticated answers are stored apart. The key
// itself is never part of it.
func (c *Client) cacheKey(method string, u *url.URL) string {
	k := method + " " + u.String()
	if c.keyHash != "" {
		k += " auth:" + c.keyHash
	}
	return k
}

// newRequest builds a request with the standard headers. The key is added
// only for the base URL's scheme and host.
func (c *Client) newRequest(ctx context.Context, method string, u *url.URL, body []byte) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, &Error{Kind: KindUnknown, Method: method, URL: redactURL(u), Message: c.scrub(err.Error()), Err: err}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.apiKey != "" && c.sameOrigin(u) {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	return req, nil
}

// roundTrip sends one attempt of k and returns the body of a 2xx JSON
// answer and its status, or an *Error.
func (c *Client) roundTrip(ctx context.Context, k call, u *url.URL) ([]byte, int, error) {
	req, err := c.newRequest(ctx, k.method, u, k.body)
	if err != nil {
		return nil, 0, err
	}
	var slow *time.Timer
	if f := c.onSlow; f != nil {
		after := c.slowAfter
		slow = time.AfterFunc(after, func() { f(u.Host, after) })
	}
	resp, err := c.hc.Do(req)
	if slow != nil {
		slow.Stop()
	}
	if err != nil {
		return nil, 0, c.networkError(k.method, u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, resp.StatusCode, c.statusError(k.method, u, resp)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		e := c.networkError(k.method, u, err)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() { // the answer began, then stopped
			e.Message = c.scrub(u.Host + " did not finish its answer in time (" + err.Error() + ")")
		}
		return nil, resp.StatusCode, e
	}
	if len(body) > maxBody {
		return nil, resp.StatusCode, &Error{Kind: KindUnknown, Method: k.method, URL: redactURL(u), StatusCode: resp.StatusCode,
			Message: fmt.Sprintf("response larger than %d bytes", maxBody)}
	}
	if msg := notJSON(resp.Header.Get("Content-Type"), body); msg != "" {
		return nil, resp.StatusCode, &Error{Kind: KindNotJSON, Method: k.method, URL: redactURL(u), StatusCode: resp.StatusCode, Message: c.scrub(msg)}
	}
	return body, resp.StatusCode, nil
}

// notJSON explains why a 2xx body is not JSON, or returns "".
func notJSON(contentType string, body []byte) string {
	t := bytes.TrimSpace(body)
	switch {
	case len(t) == 0:
		return "empty response body instead of JSON"
	case isHTML(contentType, t):
		return htmlMessage(t) + " instead of JSON"
	case t[0] != '{' && t[0] != '[':
		return "response is not JSON: " + oneLine(firstLine(string(t[:min(len(t), 200)])))
	}
	return ""
}

// statusError turns a non-2xx response into an *Error, reading at most
// maxErrorBody bytes of its body.
func (c *Client) statusError(method string, u *url.URL, resp *http.Response) *Error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_, _ = io.CopyN(io.Discard, resp.Body, maxErrorBody) // let the connection be reused
	eb := parseErrorBody(resp.Header.Get("Content-Type"), body)
	ra, _ := backoff.RetryAfter(resp.Header.Get("Retry-After"), time.Now(), time.Second)
	e := &Error{
		Kind:       classify(resp.StatusCode, eb),
		Method:     method,
		URL:        redactURL(u),
		StatusCode: resp.StatusCode,
		Message:    c.scrub(eb.message),
		RetryAfter: ra,
		KeySent:    c.apiKey != "" && c.sameOrigin(u),
	}
	if e.Kind == KindEarlyAccess {
		e.Deadline = eb.deadline
	}
	return e
}

// networkError wraps a transport failure. The message names the host, so a
// DNS failure reads "error connecting to civitai.com: no such host"; a
// proxy that cannot be reached is named as the proxy ("error connecting
// to the proxy proxy.example:3128 (HTTPS_PROXY): no such host"); a server
// that was reached but did not answer in time (the response-header
// timeout, Client.Timeout) "civitai.com did not answer in time".
func (c *Client) networkError(method string, u *url.URL, err error) *Error {
	inner, at := err, u // at: the URL that failed (a redirect's, maybe)
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err
		if fu, perr := url.Parse(ue.URL); perr == nil && fu.Host != "" {
			at = fu
		}
	}
	msg := "error connecting to " + at.Host + ": " + reason(inner)
	var op *net.OpError
	var ne net.Error
	switch {
	case errors.As(inner, &op) && op.Op == "proxyconnect":
		who := "the proxy"
		if p, perr := proxyenv.Default().For(at); perr == nil && p != nil {
			who = fmt.Sprintf("the proxy %s (%s)", p.Host, proxyenv.Default().Var(at.Scheme))
		}
		msg = "error connecting to " + who + ": " + reason(op.Err)
	case errors.As(inner, &op) && op.Op == "dial":
		// Not connected: "error connecting" is right, timeout or not.
	case errors.As(inner, &ne) && ne.Timeout():
		msg = at.Host + " did not answer in time (" + inner.Error() + ")"
	}
	return &Error{Kind: KindNetwork, Method: method, URL: redactURL(u), Message: c.scrub(strings.TrimSpace(msg)), Err: err}
}

// reason is a transport error's text, a name that does not resolve
// shortened to "no such host" (the lookup repeats the host and adds the
// resolver's address).
func reason(err error) string {
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return "no such host"
	}
	return err.Error()
}
