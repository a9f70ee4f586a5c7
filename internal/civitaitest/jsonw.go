package civitaitest

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// The server renders JSON with its own tiny encoder so that key order,
// null-versus-absent and number formatting match what JSON.stringify
// produces on the real server (no HTML escaping, integral floats without a
// fraction, shortest round-trip floats).

// obj is an ordered JSON object.
type obj []kv

type kv struct {
	k string
	v any
}

// set appends a key (use only for keys not yet present).
func (o *obj) set(k string, v any) { *o = append(*o, kv{k, v}) }

// setIf appends a key only when cond holds (absent otherwise).
func (o *obj) setIf(cond bool, k string, v any) {
	if cond {
		o.set(k, v)
	}
}

// nullStr renders "" as null and anything else as a string.
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// isoTime renders like JavaScript's Date.toISOString (ms precision, Z);
// the zero time renders as null.
func isoTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// pgTime renders like Postgres json_build_object on TIMESTAMP(3) (no zone,
// trailing zeros of the fraction dropped, no fraction when zero) (§6).
func pgTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.999")
}

func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// encodeJSON renders v.
func encodeJSON(v any) []byte {
	var b bytes.Buffer
	writeJSON(&b, v)
	return b.Bytes()
}

func writeJSON(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case obj:
		b.WriteByte('{')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, e.k)
			b.WriteByte(':')
			writeJSON(b, e.v)
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e)
		}
		b.WriteByte(']')
	case []obj:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e)
		}
		b.WriteByte(']')
	case []string:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, e)
		}
		b.WriteByte(']')
	case []int64:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(e, 10))
		}
		b.WriteByte(']')
	case string:
		writeString(b, x)
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		writeFloat(b, x)
	case rawJSON:
		b.Write(x)
	default:
		panic(fmt.Sprintf("civitaitest: cannot encode %T", v))
	}
}

// rawJSON is inserted verbatim.
type rawJSON []byte

func writeFloat(b *bytes.Buffer, f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		b.WriteString("null")
		return
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		b.WriteString(strconv.FormatFloat(f, 'f', -1, 64))
		return
	}
	abs := math.Abs(f)
	if abs >= 1e21 || abs < 1e-6 {
		b.WriteString(strconv.FormatFloat(f, 'e', -1, 64))
		return
	}
	b.WriteString(strconv.FormatFloat(f, 'f', -1, 64))
}

// writeString escapes like JSON.stringify: quotes, backslash and control
// characters only.
func writeString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b.WriteByte(c)
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b.WriteString(`\ufffd`)
			} else {
				b.WriteString(s[i : i+size])
			}
			i += size
			continue
		}
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
		i++
	}
	b.WriteByte('"')
}
