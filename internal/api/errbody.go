package api

import (
	"bytes"
	"encoding/json"
	"html"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/civit/civit/internal/tableprinter"
)

// maxErrorBody is how much of a non-2xx body is read into an *Error.
const maxErrorBody = 64 << 10

// maxMessage caps Error.Message so one error stays one readable line.
const maxMessage = 500

// errorBody is what parseErrorBody extracts from a failed response.
type errorBody struct {
	message  string    // flattened text for Error.Message
	errField string    // the JSON "error" field as text, when it was a string
	deadline time.Time // the JSON "deadline" field, for early access
	html     bool      // the body was an HTML page
	json     bool      // the body was a JSON value (what the API sends)
}

// parseErrorBody tolerates every error body shape the API is known to send:
// {"error":"msg"}, {"error":"x","message":"y"}, {"error":"Early Access",
// "deadline":..}, {"message":..,"error":{}}, {"error":<ZodError>},
// {"code","message","issues"}, HTML pages, plain text and empty bodies.
func parseErrorBody(contentType string, body []byte) errorBody {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return errorBody{}
	}
	if isHTML(contentType, trimmed) {
		return errorBody{html: true, message: htmlMessage(trimmed)}
	}
	if trimmed[0] == '{' || trimmed[0] == '[' || trimmed[0] == '"' {
		var v any
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		if err := dec.Decode(&v); err == nil {
			eb := jsonErrorBody(v)
			eb.json = true
			return eb
		}
	}
	return errorBody{message: oneLine(firstLine(string(trimmed)))}
}

func jsonErrorBody(v any) errorBody {
	var eb errorBody
	switch v := v.(type) {
	case string:
		eb.message = oneLine(v)
		return eb
	case map[string]any:
		var errText string
		switch e := v["error"].(type) {
		case string:
			errText = strings.TrimSpace(e)
			eb.errField = errText
		case map[string]any:
			errText = flattenZod(e)
		case nil:
		default:
			errText = scalarText(e)
		}
		msg, _ := v["message"].(string)
		msg = strings.TrimSpace(msg)
		issues := flattenIssues(v["issues"])
		switch {
		case msg != "" && errText != "" && !strings.EqualFold(msg, errText):
			eb.message = msg + " (" + errText + ")"
		case msg != "":
			eb.message = msg
		default:
			eb.message = errText
		}
		if issues != "" {
			if eb.message != "" {
				eb.message += ": "
			}
			eb.message += issues
		}
		if eb.message == "" {
			eb.message, _ = v["code"].(string)
		}
		eb.message = oneLine(eb.message)
		switch d := v["deadline"].(type) {
		case string:
			eb.deadline, _ = ParseTime(d)
		case json.Number:
			if ms, err := d.Int64(); err == nil && ms > 0 {
				eb.deadline = time.UnixMilli(ms).UTC()
			}
		}
	}
	return eb
}

// flattenZod turns a serialised ZodError (or any object) into text.
func flattenZod(obj map[string]any) string {
	if s := flattenIssues(obj["issues"]); s != "" {
		return s
	}
	var parts []string
	if fe, ok := obj["fieldErrors"].(map[string]any); ok {
		for _, k := range sortedKeys(fe) {
			for _, m := range asStrings(fe[k]) {
				parts = append(parts, k+": "+m)
			}
		}
	}
	parts = append(parts, asStrings(obj["formErrors"])...)
	if len(parts) > 0 {
		return strings.Join(parts, "; ")
	}
	if m, ok := obj["message"].(string); ok {
		return strings.TrimSpace(m)
	}
	return ""
}

// flattenIssues renders Zod/tRPC issues as "path: message; ...".
func flattenIssues(v any) string {
	list, ok := v.([]any)
	if !ok {
		return ""
	}
	var parts []string
	for _, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		msg, _ := m["message"].(string)
		var path []string
		if p, ok := m["path"].([]any); ok {
			for _, seg := range p {
				path = append(path, scalarText(seg))
			}
		}
		switch {
		case len(path) > 0 && msg != "":
			parts = append(parts, strings.Join(path, ".")+": "+msg)
		case msg != "":
			parts = append(parts, msg)
		}
	}
	return strings.Join(parts, "; ")
}

func asStrings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}

func scalarText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// isHTML reports whether a body is an HTML page, judging by the
// Content-Type and by its first non-space byte.
func isHTML(contentType string, trimmed []byte) bool {
	if strings.Contains(strings.ToLower(contentType), "html") {
		return true
	}
	return len(trimmed) > 0 && trimmed[0] == '<'
}

var (
	reTitle  = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	reScript = regexp.MustCompile(`(?is)<(script|style|head)[^>]*>.*?</(script|style|head)>`)
	reTag    = regexp.MustCompile(`(?s)<[^>]*>`)
)

// htmlMessage reduces an HTML page to its <title>, or its first text line.
func htmlMessage(body []byte) string {
	const prefix = "server returned an HTML page"
	if m := reTitle.FindSubmatch(body); m != nil {
		if t := oneLine(html.UnescapeString(string(m[1]))); t != "" {
			return prefix + ": " + t
		}
	}
	text := reTag.ReplaceAllString(reScript.ReplaceAllString(string(body), "\n"), "\n")
	if line := oneLine(html.UnescapeString(firstLine(text))); line != "" {
		return prefix + ": " + line
	}
	return prefix
}

// firstLine returns the first non-blank line of s.
func firstLine(s string) string {
	for line := range strings.Lines(s) {
		if t := strings.TrimSpace(line); t != "" {
			return t
		}
	}
	return ""
}

// oneLine collapses whitespace runs to single spaces, turns control
// characters (a server's ESC sequences would reach the terminal) into
// spaces and caps the length.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(strings.Map(noControl, s)), " ")
	if len(s) > maxMessage {
		cut := maxMessage
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// noControl maps control characters (C0, DEL, C1) to a space and drops
// bidirectional controls (a right-to-left override reverses what follows).
func noControl(r rune) rune {
	switch {
	case unicode.IsControl(r):
		return ' '
	case tableprinter.IsBidiControl(r):
		return -1
	}
	return r
}

// classify maps a non-2xx status to an ErrorKind.
//
// A 404 that is not JSON is not CivitAI's "no such model": the API
// answers its misses in JSON, while a path it has no route for (a wrong
// base URL, a proxy or another host in front) gets Next.js's HTML 404
// (civitai-api.md §2.4, §6), and other servers their own page or text. It
// is KindNotAPI, so no command takes it for a model or file CivitAI does
// not know. So is a 403 that is an HTML page: CivitAI refuses in JSON, a
// proxy's or network filter's block page is HTML, and no API key helps.
//
// A 429 is the page*limit cap only when its body says so ("You've requested
// too many pages, please use cursors instead", §2.1); any other 429 (the
// download limiter, Cloudflare's edge, with or without Retry-After) is
// rate limiting and is retried.
func classify(status int, eb errorBody) ErrorKind {
	switch {
	case status == http.StatusNotFound && !eb.json:
		return KindNotAPI
	case status == http.StatusNotFound:
		return KindNotFound
	case status == http.StatusUnauthorized:
		return KindAuthRequired
	case status == http.StatusForbidden && eb.html:
		// CivitAI refuses in JSON; a web page is a proxy's or network
		// filter's block page (or an edge's challenge): not the key.
		return KindNotAPI
	case status == http.StatusForbidden:
		if strings.Contains(strings.ToLower(eb.errField), "early access") {
			return KindEarlyAccess
		}
		return KindForbidden
	case status == http.StatusGone:
		return KindArchived
	case status == http.StatusTooManyRequests:
		if strings.Contains(strings.ToLower(eb.message), "too many pages") {
			return KindPageCap
		}
		return KindRateLimited
	case status == http.StatusBadRequest:
		return KindBadRequest
	case status == http.StatusRequestTimeout, status == 499, status >= 500 && status <= 599:
		// 499: the request was cut off on CivitAI's side (an empty answer;
		// civitai-api.md §6): as worth a retry as a timeout.
		return KindServer
	}
	return KindUnknown
}

// isSensitiveParam reports whether a query parameter's value must never
// appear in errors (credentials and signatures).
func isSensitiveParam(k string) bool {
	switch strings.ToLower(k) {
	case "token", "key", "apikey", "api_key", "access_token", "auth",
		"x-amz-signature", "x-amz-credential", "x-amz-security-token", "signature":
		return true
	}
	return false
}

// redactURL renders u with credentials and signatures replaced by REDACTED.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	r := *u
	if r.User != nil {
		r.User = url.User("REDACTED")
	}
	if r.RawQuery != "" {
		q := r.Query()
		changed := false
		for k := range q {
			if isSensitiveParam(k) {
				q[k] = []string{"REDACTED"}
				changed = true
			}
		}
		if changed {
			r.RawQuery = encodeQuery(q)
		}
	}
	return r.String()
}

// encodeQuery is url.Values.Encode with spaces as %20 instead of '+'.
// Literal '+' characters are already escaped as %2B by Encode.
func encodeQuery(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "+", "%20")
}
