package download

import (
	"errors"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxFilenameBytes is the longest name SanitizeFilename returns: 255 bytes,
// the limit of ext4, XFS, Btrfs, APFS and (in UTF-16 units) NTFS, less room
// for the longest name civit derives from it, the control file's temporary
// NAME.part.civit.tmp (15 bytes more). The sidecars replace the extension
// with at most 14 bytes (".metadata.json") and fit as well.
const MaxFilenameBytes = 255 - len(".part.civit.tmp")

// ErrBadFilename is returned (wrapped) by SanitizeFilename when nothing usable
// remains of a name.
var ErrBadFilename = errors.New("unusable file name")

// FilenameFromContentDisposition extracts the file name from a
// Content-Disposition header value as RFC 6266 defines it. The extended form
// (RFC 8187, preferred when present and decodable), quoted strings with
// backslash escapes and bare tokens are understood:
//
//	attachment; filename*=UTF-8''na%C3%AFve%20model.safetensors
//	attachment; filename="model \"v2\".safetensors"
//	attachment; filename=model.safetensors
//
// It is lenient about what real servers send: unquoted values with spaces, a
// missing disposition type, stray semicolons and ISO-8859-1 extended values.
//
// The returned name has already been passed through SanitizeFilename, so it is
// a bare base name that is safe to join to a directory. ok is false when the
// header has no file name or nothing usable remains after sanitizing.
func FilenameFromContentDisposition(header string) (string, bool) {
	var plain, ext string
	var havePlain, haveExt bool
	for _, p := range splitParams(header) {
		name, value, found := strings.Cut(p, "=")
		if !found {
			continue // the disposition type ("attachment") or junk
		}
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		switch name {
		case "filename":
			if !havePlain {
				plain, havePlain = unquoteLenient(value), true
			}
		case "filename*":
			if !haveExt {
				if v, ok := decodeExtValue(value); ok {
					ext, haveExt = v, true
				}
			}
		}
	}
	for _, cand := range []struct {
		v  string
		ok bool
	}{{ext, haveExt}, {plain, havePlain}} {
		if !cand.ok {
			continue
		}
		if s, err := SanitizeFilename(cand.v); err == nil {
			return s, true
		}
	}
	return "", false
}

// splitParams splits a header value on semicolons that are not inside a
// quoted string.
func splitParams(h string) []string {
	var out []string
	var b strings.Builder
	inQuote, escaped := false, false
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case escaped:
			escaped = false
		case inQuote && c == '\\':
			escaped = true
		case c == '"':
			inQuote = !inQuote
		case c == ';' && !inQuote:
			out = append(out, b.String())
			b.Reset()
			continue
		}
		b.WriteByte(c)
	}
	return append(out, b.String())
}

// unquote removes RFC 7230 quoted-string quoting; an unquoted value is
// returned as is (trimmed).
func unquote(v string) string {
	if len(v) < 1 || v[0] != '"' {
		return v
	}
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && i+1 < len(v):
			i++
			b.WriteByte(v[i])
		case c == '"':
			return b.String()
		default:
			b.WriteByte(c)
		}
	}
	return b.String() // unterminated quote: keep what we have
}

// unquoteLenient is unquote for a filename value whose quoted string may
// hold unescaped quotes: CivitAI's storage sends filename="<name>" with the
// uploaded name as it is (civitai-api.md §2.10), so a name such as
// Zoë's "Dream" Garden.safetensors arrives as
// filename="Zoë's "Dream" Garden.safetensors". When the quoted string ends
// before the value does and the value ends with a quote, everything between
// the outer quotes is the name; strict unquoting would keep only `Zoë's `.
func unquoteLenient(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return unquote(v)
	}
	for i := 1; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '"':
			if i == len(v)-1 {
				return unquote(v) // a proper quoted string
			}
			return v[1 : len(v)-1]
		}
	}
	return unquote(v)
}

// decodeExtValue decodes an RFC 8187 ext-value: charset'language'pct-encoded.
// UTF-8 and ISO-8859-1 are supported; other charsets are rejected.
func decodeExtValue(v string) (string, bool) {
	v = unquote(v) // some servers quote it although the RFC forbids it
	charset, rest, ok := strings.Cut(v, "'")
	if !ok {
		return "", false
	}
	_, enc, ok := strings.Cut(rest, "'")
	if !ok {
		return "", false
	}
	raw, err := url.PathUnescape(enc)
	if err != nil {
		return "", false
	}
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "":
		if !utf8.ValidString(raw) {
			return "", false
		}
		return raw, true
	case "iso-8859-1", "latin1":
		rs := make([]rune, 0, len(raw))
		for i := 0; i < len(raw); i++ {
			rs = append(rs, rune(raw[i]))
		}
		return string(rs), true
	}
	return "", false
}

// windowsReserved are device names Windows refuses as file names, with or
// without an extension, in any case.
var windowsReserved = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true, "CONIN$": true, "CONOUT$": true,
	"COM0": true, "COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true,
	"COM6": true, "COM7": true, "COM8": true, "COM9": true, "COM¹": true, "COM²": true, "COM³": true,
	"LPT0": true, "LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true,
	"LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true, "LPT¹": true, "LPT²": true, "LPT³": true,
}

// SanitizeFilename turns a server-supplied name into a safe base name:
//
//   - only the last path element is kept (both / and \ separate elements), so
//     absolute paths, drive letters and ".." cannot escape the directory;
//   - invalid UTF-8, control characters and the characters Windows forbids
//     (< > : " | ? *) become "_";
//   - leading and trailing spaces and dots are removed (no hidden files, no
//     "." or "..", no names Windows would silently change);
//   - Windows device names (CON, NUL, COM1, LPT1.txt, ...) get a "_" prefix;
//   - names longer than MaxFilenameBytes are shortened at a rune boundary,
//     keeping the extension.
//
// It returns an error wrapping ErrBadFilename when nothing usable remains.
// SanitizeFilename(SanitizeFilename(x)) == SanitizeFilename(x).
func SanitizeFilename(name string) (string, error) {
	s := name
	// Each pass only shortens the name or adds one "_"; a few passes reach a
	// fixed point, which is what makes the function idempotent.
	for range 8 {
		next := sanitizeOnce(s)
		if next == "" {
			return "", errBadName(name)
		}
		if next == s {
			return s, nil
		}
		s = next
	}
	return "", errBadName(name)
}

func errBadName(name string) error {
	if len(name) > 64 {
		name = name[:64] + "..."
	}
	return &filenameError{name: name}
}

type filenameError struct{ name string }

func (e *filenameError) Error() string { return "unusable file name " + strconv.Quote(e.name) }
func (e *filenameError) Unwrap() error { return ErrBadFilename }

func sanitizeOnce(s string) string {
	s = strings.ToValidUTF8(s, "_")
	// Last non-empty path element.
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '\\' })
	if len(parts) == 0 {
		return ""
	}
	s = parts[len(parts)-1]
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), r == utf8.RuneError:
			return '_'
		case unicode.Is(unicode.Cf, r) && r != zwnj && r != zwj:
			// Invisible format characters: U+202E (right-to-left
			// override) makes "a\u202Esrotnefas.exe" show as
			// "aexe.safetensors". The two joiners stay: scripts and
			// emoji need them.
			return '_'
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		}
		return r
	}, s)
	// Unicode spaces and joiners at either end too: invisible, and one
	// after the extension ("model.safetensors\u3000") hides the kind.
	s = strings.TrimFunc(s, edgeJunk)
	if s == "" {
		return ""
	}
	stem, _, _ := strings.Cut(s, ".")
	if windowsReserved[strings.ToUpper(strings.TrimRight(stem, " "))] {
		s = "_" + s
	}
	if len(s) > MaxFilenameBytes {
		s = shorten(s, MaxFilenameBytes)
	}
	return s
}

// edgeJunk is what a name may not start or end with: dots (hidden files,
// names Windows changes), spaces of every kind, and the joiners.
func edgeJunk(r rune) bool {
	return r == '.' || unicode.IsSpace(r) || r == zwnj || r == zwj
}

// The zero-width non-joiner and joiner, format characters that scripts
// such as Persian and emoji sequences need.
const zwnj, zwj = '\u200c', '\u200d'

// AcceptServerName reports whether the storage's name for a file may
// replace the API's files[].name: only when it keeps the extension. A
// storage answer that would turn model.safetensors into model.exe, or into
// any other kind of file, is not followed; nor is one that says nothing
// before the extension ("_.safetensors": all that is left of a zero-width
// space once made safe).
func AcceptServerName(apiName, serverName string) bool {
	ext := filepath.Ext(serverName)
	says := strings.ContainsFunc(strings.TrimSuffix(serverName, ext), func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) })
	return says && strings.EqualFold(filepath.Ext(apiName), ext)
}

// shorten cuts s to at most max bytes at a rune boundary, keeping a short
// extension (".safetensors") when there is one.
func shorten(s string, max int) string {
	ext := ""
	if i := strings.LastIndexByte(s, '.'); i > 0 && len(s)-i <= 32 && !strings.ContainsRune(s[i:], ' ') {
		ext = s[i:]
	}
	stem := s[:len(s)-len(ext)]
	limit := max - len(ext)
	for limit > 0 && !utf8.RuneStart(stem[limit]) {
		limit--
	}
	stem = strings.TrimRightFunc(stem[:limit], edgeJunk)
	if stem == "" {
		// Degenerate: no room for a stem; cut the whole thing instead.
		limit = max
		for limit > 0 && !utf8.RuneStart(s[limit]) {
			limit--
		}
		return strings.TrimRight(s[:limit], " .")
	}
	return stem + ext
}
