// Package target parses what users type to name a model on CivitAI: a model
// id, a civitai.com / civitai.red URL (model page, version page, download
// link or API URL) or an AIR (urn:air:sdxl:lora:civitai:ID@VERSION).
//
// Parsing is strict: anything else is an error that says what was expected,
// so the CLI can report it as a usage error.
package target

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Target is a parsed reference to a model, a version or a file.
type Target struct {
	Input     string // what the user typed, trimmed
	ModelID   int64  // 0 when unknown
	VersionID int64  // 0 when unknown (for a model: its latest version)
	FileID    int64  // from ?fileId= on a download link
	// File selectors from a download link (?type=&format=&size=&fp=).
	Type, Format, Size, FP string
	// Token is the API key a pasted download link carried (?token=, as
	// CivitAI tells wget and curl users to add). Input has it redacted:
	// only Token holds it, and it must never be printed.
	Token string
}

// Error explains why an input is not a target.
type Error struct {
	Input  string
	Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s is not a model id, CivitAI URL or AIR: %s", quote(e.Input), e.Reason)
}

// quote is cmdutil.Quote (which this package is below): a Windows path
// keeps its single backslashes ("C:\models\x" in a message misleads).
func quote(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return r == '"' || unicode.IsControl(r) || r == utf8.RuneError }) {
		return strconv.Quote(s)
	}
	return `"` + s + `"`
}

// Expected is the one-line description of valid targets, for hints.
const Expected = "a model id (123), a URL such as https://civitai.com/models/123?modelVersionId=456, or an AIR such as urn:air:sdxl:lora:civitai:123@456"

// Parse parses one target. extraHosts are further host names accepted as
// CivitAI (the configured base URL's host, e.g. a fake server).
func Parse(s string, extraHosts ...string) (Target, error) {
	in := strings.TrimSpace(s)
	tok := linkToken(in)
	s = Redact(s)
	in = Redact(in)
	t, err := parse(s, in, extraHosts)
	if err == nil {
		t.Token = tok
	}
	return t, err
}

// secretParam matches the value of a query parameter that carries an API
// key: CivitAI's ?token= and the spellings other tools use, also in the
// fragment (#token=, as some link shorteners and notes write it).
var secretParam = regexp.MustCompile(`(?i)([?&#](?:token|api_?key|apikey)=)[^&#\s]*`)

// Redact replaces the API key in a pasted link (?token=KEY) by REDACTED,
// so that s can be shown.
func Redact(s string) string {
	return secretParam.ReplaceAllString(s, "${1}REDACTED")
}

// linkToken returns the API key a link carries, "" when none.
func linkToken(s string) string {
	m := secretParam.FindStringSubmatchIndex(s)
	if m == nil {
		return ""
	}
	v, err := url.QueryUnescape(s[m[3]:m[1]])
	if err != nil {
		return ""
	}
	return strings.TrimSpace(v)
}

func parse(s, in string, extraHosts []string) (Target, error) {
	t := Target{Input: in}
	if in == "" {
		return t, &Error{Input: s, Reason: "empty"}
	}
	if id, ok := parseID(in); ok {
		t.ModelID = id
		return t, nil
	}
	if strings.HasPrefix(strings.ToLower(in), "urn:air:") {
		return parseAIR(t)
	}
	if strings.HasPrefix(in, "-") {
		return t, &Error{Input: s, Reason: "ids are positive whole numbers"}
	}
	if strings.Trim(in, "0123456789") == "" {
		return t, &Error{Input: s, Reason: "ids are whole numbers from 1 to 2147483647"}
	}
	if l := strings.ToLower(in); strings.HasPrefix(l, "civitai:") || strings.HasPrefix(l, "air:") {
		return t, &Error{Input: s, Reason: "an AIR starts with urn:air:, as in urn:air:sdxl:lora:civitai:ID@VERSION"}
	}
	if !strings.ContainsAny(in, "./:") {
		return t, &Error{Input: s, Reason: "give a number such as 4201, a civitai.com link, or an AIR such as urn:air:sdxl:lora:civitai:ID@VERSION"}
	}
	return parseURL(t, extraHosts)
}

// ParseID parses a positive id that fits CivitAI's 32-bit id columns.
func ParseID(s string) (int64, error) {
	id, ok := parseID(strings.TrimSpace(s))
	if !ok {
		return 0, fmt.Errorf("%q is not an id (a whole number from 1 to 2147483647)", s)
	}
	return id, nil
}

func parseID(s string) (int64, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 || id > 2147483647 {
		return 0, false
	}
	return id, true
}

// parseAIR reads urn:air:{ecosystem}:{type}:{source}:{id}[@{version}][:{layer}][.{format}].
func parseAIR(t Target) (Target, error) {
	parts := strings.Split(t.Input, ":")
	if len(parts) < 6 {
		return t, &Error{Input: t.Input, Reason: "an AIR has the form urn:air:ECOSYSTEM:TYPE:civitai:ID[@VERSION]"}
	}
	if !strings.EqualFold(parts[4], "civitai") {
		return t, &Error{Input: t.Input, Reason: fmt.Sprintf("source %q is not civitai", parts[4])}
	}
	idPart := parts[5]
	if i := strings.IndexByte(idPart, '.'); i >= 0 { // .format suffix
		idPart = idPart[:i]
	}
	// The .format suffix ends the AIR, after the id or the layer: the
	// file's extension, which chooses the file as --format does.
	last := parts[len(parts)-1]
	if i := strings.LastIndexByte(last, '.'); i >= 0 {
		ext := last[i+1:]
		f, ok := airFormats[strings.ToLower(ext)]
		if !ok {
			return t, &Error{Input: t.Input, Reason: fmt.Sprintf("format %q is not one of safetensors, ckpt, pt, bin, gguf, onnx", ext)}
		}
		t.Format = f
	}
	mid, vid, hasV := strings.Cut(idPart, "@")
	id, ok := parseID(mid)
	if !ok {
		return t, &Error{Input: t.Input, Reason: fmt.Sprintf("model id %q is not a number", mid)}
	}
	t.ModelID = id
	if hasV {
		v, ok := parseID(vid)
		if !ok {
			return t, &Error{Input: t.Input, Reason: fmt.Sprintf("version id %q is not a number", vid)}
		}
		t.VersionID = v
	}
	return t, nil
}

// airFormats maps an AIR's format suffix (a file extension) to CivitAI's
// metadata.format.
var airFormats = map[string]string{
	"safetensors": "SafeTensor", "sft": "SafeTensor",
	"ckpt": "PickleTensor", "pt": "PickleTensor", "pth": "PickleTensor", "bin": "PickleTensor",
	"gguf": "GGUF", "onnx": "ONNX",
}

func isCivitaiHost(host string, extra []string) bool {
	h := strings.ToLower(host)
	for _, e := range extra {
		if e != "" && strings.EqualFold(h, e) {
			return true
		}
	}
	h = strings.TrimPrefix(h, "www.")
	for _, d := range []string{"civitai.com", "civitai.red", "civitai.green"} {
		if h == d {
			return true
		}
	}
	return false
}

func parseURL(t Target, extra []string) (Target, error) {
	raw := t.Input
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return t, &Error{Input: t.Input, Reason: "not a number and not a URL"}
	}
	if !isCivitaiHost(u.Host, extra) && !isCivitaiHost(u.Hostname(), extra) {
		return t, &Error{Input: t.Input, Reason: fmt.Sprintf("host %q is not civitai.com or civitai.red", u.Host)}
	}
	segs := splitPath(u.Path)
	q := u.Query()
	switch {
	case len(segs) >= 2 && segs[0] == "models":
		id, ok := parseID(segs[1])
		if !ok {
			return t, &Error{Input: t.Input, Reason: fmt.Sprintf("model id %q is not a number", segs[1])}
		}
		t.ModelID = id
		if v := q.Get("modelVersionId"); v != "" {
			vid, ok := parseID(v)
			if !ok {
				return t, &Error{Input: t.Input, Reason: fmt.Sprintf("modelVersionId %q is not a number", v)}
			}
			t.VersionID = vid
		}
		return t, nil
	case len(segs) >= 2 && segs[0] == "model-versions":
		return versionFrom(t, segs[1])
	case len(segs) >= 4 && segs[0] == "api" && segs[1] == "download" && segs[2] == "models":
		t, err := versionFrom(t, segs[3])
		if err != nil {
			return t, err
		}
		if f := q.Get("fileId"); f != "" {
			fid, ok := parseID(f)
			if !ok {
				return t, &Error{Input: t.Input, Reason: fmt.Sprintf("fileId %q is not a number", f)}
			}
			t.FileID = fid
		}
		t.Type, t.Format, t.Size, t.FP = q.Get("type"), q.Get("format"), q.Get("size"), q.Get("fp")
		return t, nil
	case len(segs) >= 4 && segs[0] == "api" && segs[1] == "v1" && segs[2] == "models":
		id, ok := parseID(segs[3])
		if !ok {
			return t, &Error{Input: t.Input, Reason: fmt.Sprintf("model id %q is not a number", segs[3])}
		}
		t.ModelID = id
		return t, nil
	case len(segs) >= 4 && segs[0] == "api" && segs[1] == "v1" && segs[2] == "model-versions":
		return versionFrom(t, segs[3])
	}
	return t, &Error{Input: t.Input, Reason: "the URL names no model (expected /models/ID, /model-versions/ID or /api/download/models/ID)"}
}

func versionFrom(t Target, s string) (Target, error) {
	vid, ok := parseID(s)
	if !ok {
		return t, &Error{Input: t.Input, Reason: fmt.Sprintf("version id %q is not a number", s)}
	}
	t.VersionID = vid
	return t, nil
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ParseUser returns the username in s: a name, "@name", or the URL of a
// user's page on civitai.com or civitai.red (https://civitai.com/user/NAME,
// also .../user/NAME/models). extraHosts are as for Parse. Anything else
// that looks like a URL is an error, as is an empty name.
func ParseUser(s string, extraHosts ...string) (string, error) {
	in := strings.TrimSpace(s)
	name := strings.TrimPrefix(in, "@")
	if !strings.Contains(name, "/") {
		if name == "" {
			return "", fmt.Errorf("empty username")
		}
		return name, nil
	}
	raw := name
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("%s is neither a username nor a CivitAI user page URL", quote(in))
	}
	if !isCivitaiHost(u.Host, extraHosts) && !isCivitaiHost(u.Hostname(), extraHosts) {
		return "", fmt.Errorf("%s: host %q is not civitai.com or civitai.red", quote(in), u.Host)
	}
	segs := splitPath(u.Path)
	if len(segs) < 2 || segs[0] != "user" || strings.TrimPrefix(segs[1], "@") == "" {
		return "", fmt.Errorf("%s is not a user page (https://civitai.com/user/NAME)", quote(in))
	}
	return strings.TrimPrefix(segs[1], "@"), nil
}
