// Package api is a client for the CivitAI public REST API (v1): model search
// and details, model versions, lookup by file hash, images, tags, creators,
// enums and the resolution of download redirects.
//
// The client is built for the real server's quirks: it decodes every known
// era of the response shapes leniently (see Time, FlexBool, FlexInt,
// CommercialUse, Tags), keeps the raw bytes of models and versions for --json
// output, retries transient failures with jittered exponential backoff that
// honours Retry-After, and returns typed errors (*Error with an ErrorKind,
// *ValidationError for bad input) that never contain the API key.
//
// The key is sent only as "Authorization: Bearer <key>" and only to the
// configured base URL's scheme and host; never in a URL, never to another
// host (redirects to other hosts have it removed).
package api

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is the production CivitAI site.
const DefaultBaseURL = "https://civitai.com"

// DefaultUserAgent is sent when Options.UserAgent is empty.
const DefaultUserAgent = "civit/dev"

// Cache stores raw response bodies by key. Implementations handle TTL
// themselves. Keys never contain the API key. Get and Set may be called from
// several goroutines at once.
type Cache interface {
	Get(key string) ([]byte, bool)
	Set(key string, body []byte)
}

// Options configures a Client.
type Options struct {
	// BaseURL is the site root, e.g. https://civitai.com or
	// http://127.0.0.1:8787; default DefaultBaseURL. A trailing slash or an
	// /api/v1 suffix is tolerated. A path prefix is kept.
	BaseURL string
	// APIKey is trimmed of surrounding whitespace and newlines. It is sent
	// only as "Authorization: Bearer <key>" and only to the BaseURL host.
	APIKey string
	// UserAgent defaults to DefaultUserAgent. It must not look like a
	// browser (the server answers browsers with HTML instead of JSON).
	UserAgent string
	// HTTPClient defaults to NewHTTPClient(60*time.Second). It is copied,
	// not modified.
	HTTPClient *http.Client
	// Cache, when non-nil, stores 200 JSON bodies of GET requests.
	Cache Cache
	// Refresh bypasses cache reads; fresh answers are still written.
	Refresh bool
	// Retry bounds retries; the zero value means DefaultRetryPolicy().
	Retry RetryPolicy
	// OnRetry is called before each retry sleep with the request
	// ("GET /api/v1/models?..."), the attempt that failed (1-based), the
	// wait and the error. The package itself never prints. It may be
	// called from several goroutines when the Client is shared.
	OnRetry func(req string, attempt int, wait time.Duration, err error)
	// OnDownloadLimit is called when CivitAI's download limiter refused a
	// download and every download request now waits (RetryPolicy.LimitWait):
	// once per wait, not per request; again is false for the first wait of
	// a run of refusals.
	OnDownloadLimit func(wait time.Duration, again bool)
	// OnSlow is called when a request has had no answer for SlowAfter
	// (default 8 s): CivitAI often takes that long, and a command that
	// prints nothing meanwhile looks hung. host is the API's host; it is
	// called at most once per request, from its own goroutine.
	OnSlow    func(host string, waited time.Duration)
	SlowAfter time.Duration
}

// DefaultSlowAfter is when a request without an answer is reported to
// OnSlow.
const DefaultSlowAfter = 8 * time.Second

// Client is a CivitAI API client. It is safe for concurrent use.
type Client struct {
	base       *url.URL
	apiKey     string
	keyHash    string
	userAgent  string
	hc         *http.Client // follows redirects, strips auth off-host
	noRedirect *http.Client // for ResolveDownload
	cache      Cache
	refresh    bool
	retry      RetryPolicy
	onRetry    func(req string, attempt int, wait time.Duration, err error)
	onLimit    func(wait time.Duration, again bool)
	onSlow     func(host string, waited time.Duration)
	slowAfter  time.Duration
	gate       *rateGate // shared with copies (WithAPIKey, Fresh)

	maxPages      int // hard cap of pages for Models
	maxEmptyPages int // consecutive empty pages tolerated by Models
}

// New returns a Client. It fails with a *ValidationError on an unparsable
// BaseURL, an API key with inner whitespace or control characters, or a
// browser-like UserAgent.
func New(opts Options) (*Client, error) {
	base, err := parseBaseURL(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	key := strings.TrimSpace(opts.APIKey)
	if strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, &ValidationError{Field: "api key", Reason: "contains whitespace or control characters"}
	}
	ua := strings.TrimSpace(opts.UserAgent)
	if ua == "" {
		ua = DefaultUserAgent
	}
	if looksLikeBrowser(ua) {
		return nil, &ValidationError{Field: "user agent", Value: ua, Reason: "must not look like a browser"}
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = NewHTTPClient(60 * time.Second)
	}
	c := &Client{
		base:          base,
		apiKey:        key,
		userAgent:     ua,
		cache:         opts.Cache,
		refresh:       opts.Refresh,
		retry:         opts.Retry.withDefaults(),
		onRetry:       opts.OnRetry,
		onLimit:       opts.OnDownloadLimit,
		onSlow:        opts.OnSlow,
		slowAfter:     cmp.Or(opts.SlowAfter, DefaultSlowAfter),
		gate:          &rateGate{},
		maxPages:      1000,
		maxEmptyPages: 25,
	}
	if key != "" {
		sum := sha256.Sum256([]byte(key))
		c.keyHash = hex.EncodeToString(sum[:])
	}
	follow := *hc
	prev := hc.CheckRedirect
	follow.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if prev != nil {
			if err := prev(req, via); err != nil {
				return err
			}
		} else if len(via) >= 10 {
			return errTooManyRedirects
		}
		if !c.sameOrigin(req.URL) {
			req.Header.Del("Authorization")
		}
		return nil
	}
	c.hc = &follow
	noFollow := *hc
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.noRedirect = &noFollow
	return c, nil
}

// BaseURL returns a copy of the normalised base URL (no /api/v1 suffix, no
// trailing slash).
func (c *Client) BaseURL() *url.URL {
	u := *c.base
	return &u
}

// WithAPIKey returns a copy of c that sends key instead (a key the user
// gave another way, such as a pasted link's ?token=). The copy shares c's
// HTTP clients and cache; answers are cached per key.
func (c *Client) WithAPIKey(key string) (*Client, error) {
	key = strings.TrimSpace(key)
	if strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, &ValidationError{Field: "api key", Reason: "contains whitespace or control characters"}
	}
	cc := *c
	cc.apiKey, cc.keyHash = key, ""
	if key != "" {
		sum := sha256.Sum256([]byte(key))
		cc.keyHash = hex.EncodeToString(sum[:])
	}
	return &cc, nil
}

// Fresh returns a copy of c that asks the server instead of reading cached
// answers (and caches what it gets, like --refresh).
func (c *Client) Fresh() *Client {
	cc := *c
	cc.refresh = true
	return &cc
}

// WithOnRetry returns a copy of c that reports retries to f instead (nil:
// not at all), e.g. through a progress display that owns the terminal.
func (c *Client) WithOnRetry(f func(req string, attempt int, wait time.Duration, err error)) *Client {
	cc := *c
	cc.onRetry = f
	return &cc
}

// WithOnDownloadLimit returns a copy of c that reports the waits at the
// download limit to f instead (nil: not at all). The copies share the
// wait itself.
func (c *Client) WithOnDownloadLimit(f func(wait time.Duration, again bool)) *Client {
	cc := *c
	cc.onLimit = f
	return &cc
}

// WithOnSlow returns a copy of c that reports slow answers to f instead
// (nil: not at all).
func (c *Client) WithOnSlow(f func(host string, waited time.Duration)) *Client {
	cc := *c
	cc.onSlow = f
	return &cc
}

// HasAPIKey reports whether requests carry an API key.
func (c *Client) HasAPIKey() bool { return c.apiKey != "" }

// parseBaseURL normalises Options.BaseURL.
func parseBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &ValidationError{Field: "base URL", Value: redactRaw(raw), Reason: "not a valid URL"}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, &ValidationError{Field: "base URL", Value: redactURL(u), Reason: "scheme must be http or https"}
	}
	if u.Host == "" {
		return nil, &ValidationError{Field: "base URL", Value: redactURL(u), Reason: "missing host"}
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, &ValidationError{Field: "base URL", Value: redactURL(u), Reason: "must not contain credentials, a query or a fragment"}
	}
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimSuffix(p, "/api/v1")
	p = strings.TrimRight(p, "/")
	u.Path = p
	u.RawPath = ""
	u.Host = strings.ToLower(u.Host)
	return u, nil
}

// redactRaw hides the user information (everything between "://" and the
// last '@') and the query of an unparsable URL.
func redactRaw(s string) string {
	if at := strings.LastIndex(s, "@"); at >= 0 {
		from := 0
		if i := strings.Index(s, "://"); i >= 0 && i < at {
			from = i + len("://")
		}
		s = s[:from] + "REDACTED" + s[at:]
	}
	if i := strings.Index(s, "?"); i >= 0 {
		return s[:i] + "…"
	}
	return s
}

// looksLikeBrowser mirrors the server's isRequestFromBrowser check.
func looksLikeBrowser(ua string) bool {
	l := strings.ToLower(ua)
	for _, w := range []string{"mozilla", "chrome", "safari", "firefox", "opera", "edge"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// sameOrigin reports whether u has the base URL's scheme and host, the only
// place the API key may be sent.
func (c *Client) sameOrigin(u *url.URL) bool {
	return u != nil && strings.EqualFold(u.Scheme, c.base.Scheme) && strings.EqualFold(u.Host, c.base.Host)
}

// endpoint builds an absolute URL for an API path such as "/api/v1/models".
func (c *Client) endpoint(path string, q url.Values) *url.URL {
	u := *c.base
	u.Path = c.base.Path + path
	u.RawPath = ""
	if len(q) > 0 {
		u.RawQuery = encodeQuery(q)
	}
	return &u
}

// scrub removes the API key from text that may reach an error message.
func (c *Client) scrub(s string) string {
	if c.apiKey == "" || len(c.apiKey) < 4 {
		return s
	}
	return strings.ReplaceAll(s, c.apiKey, "REDACTED")
}
