package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/civit/civit/internal/layout"
)

// CheckBaseURL accepts what the API client accepts as its base URL.
func CheckBaseURL(s string) error { return checkURL(s) }

// checkURL accepts what the API client accepts as its base URL.
func checkURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err == nil && u.User != nil:
		return fmt.Errorf("a base URL must not contain a user name or password (the API key is api_key)")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("%q is not an http(s) URL", RedactURL(s))
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%q: a base URL has no query or fragment", RedactURL(s))
	}
	return nil
}

// checkAPIKey refuses what cannot be sent in an Authorization header:
// spaces or control characters inside the key. The error does not show
// the key.
func checkAPIKey(s string) error {
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return fmt.Errorf("it has spaces or control characters inside (a key is one word: paste the key alone)")
	}
	return nil
}

func checkBool(s string) error {
	if _, err := strconv.ParseBool(s); err != nil {
		return fmt.Errorf("%q is not true or false", s)
	}
	return nil
}

// maxLimit is search's largest `--limit`.
const maxLimit = 1000

func checkLimit(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxLimit {
		return fmt.Errorf("%q is not a whole number from 1 to %d", s, maxLimit)
	}
	return nil
}

func checkDuration(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 5m or 30s", s)
	}
	if d < 0 {
		return fmt.Errorf("%q is negative (0 turns the cache off)", s)
	}
	return nil
}

func checkSubdir(s string) error {
	_, err := layout.ParseSubdir(s)
	return err
}

func checkLayout(s string) error {
	_, err := layout.Parse(s)
	return err
}

// PreviewMaxNSFW turns the preview_max_rating setting into the largest
// CivitAI nsfwLevel of an image civit may save as a model's preview: pg 1,
// pg13 2, r 4, x 8; "" or any 0 (no limit, the first image as Civitai
// Helper takes it).
func PreviewMaxNSFW(s string) (int, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "any":
		return 0, nil
	case "pg":
		return 1, nil
	case "pg13", "pg-13":
		return 2, nil
	case "r":
		return 4, nil
	case "x":
		return 8, nil
	}
	return 0, fmt.Errorf("%q is not pg, pg13, r, x or any", s)
}

func checkPreviewRating(s string) error {
	_, err := PreviewMaxNSFW(s)
	return err
}

// RedactURL hides what may be a secret in a URL, for showing a base URL:
// its user information (a user name can be a token as well as a
// password), http://user:pass@host becoming http://REDACTED@host, and the
// values of token-like query parameters. It works on the string, so a URL
// that does not parse (a password with '#' or '/') loses everything between
// "://" and its last '@' too.
func RedactURL(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if at := strings.LastIndex(s, "@"); at > i {
			s = s[:i+len("://")] + "REDACTED" + s[at:]
		}
	}
	return secretParam.ReplaceAllString(s, "${1}REDACTED")
}

// secretParam matches a query parameter whose name says it holds a secret
// (token=, api_key=, key=, sig=, ...), up to its value.
var secretParam = regexp.MustCompile(`(?i)([?&#;](?:[a-z_-]*(?:token|key|secret|password|passwd|sig|signature)|x-amz-[a-z-]+)=)[^&#\s]*`)
