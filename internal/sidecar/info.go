package sidecar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// ErrInvalidJSON is returned by WriteInfo when the bytes are not a JSON
// object with an "id", so no half-written or foreign document ends up
// where other tools expect a model version.
var ErrInvalidJSON = errors.New("not a model-version JSON object")

// WriteInfo writes the model-version JSON (GET /api/v1/model-versions/{id}
// or by-hash) to path, normally InfoPath(model). Without force an existing
// file is kept and written is false.
//
// The content is the API's own, re-indented with four spaces and with
// every non-ASCII character escaped as \uXXXX: exactly the shape Civitai
// Helper writes (scripts/ch_lib/model.py write_model_info:
// json.dumps(model_info, indent=4), whose ensure_ascii default escapes).
// Key order, numbers and strings are kept byte for byte (json.Indent does
// not re-encode values), so nothing the API sent is lost or rounded. The
// ASCII escaping matters: Helper reads the file back with open(path, 'r')
// and no encoding, which on Windows is the locale code page, so raw UTF-8
// in a Japanese model name would make Helper discard the file. Browser+
// and LoRA Manager read it as UTF-8 JSON, which \u escapes also satisfy.
func WriteInfo(path string, versionJSON []byte, force bool) (written bool, err error) {
	b, err := formatInfo(versionJSON)
	if err != nil {
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	return writeAtomic(path, force, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// formatInfo validates and re-indents a version JSON (see WriteInfo).
func formatInfo(raw []byte) ([]byte, error) {
	raw = bytes.TrimPrefix(bytes.TrimSpace(raw), []byte("\xef\xbb\xbf"))
	if len(raw) == 0 || raw[0] != '{' || !json.Valid(raw) {
		return nil, ErrInvalidJSON
	}
	var probe struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil || len(probe.ID) == 0 || string(probe.ID) == "null" {
		return nil, ErrInvalidJSON
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "    "); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidJSON, err)
	}
	return asciiJSON(buf.Bytes()), nil
}

// asciiJSON escapes every byte of valid JSON outside printable ASCII the
// way Python's json.dumps(ensure_ascii=True) does: \u followed by four
// lower-case hex digits, a surrogate pair above U+FFFF. Such bytes can only
// occur inside strings, so the result is equivalent JSON.
func asciiJSON(b []byte) []byte {
	out := make([]byte, 0, len(b))
	const hexd = "0123456789abcdef"
	esc := func(r rune) {
		out = append(out, '\\', 'u', hexd[r>>12&0xf], hexd[r>>8&0xf], hexd[r>>4&0xf], hexd[r&0xf])
	}
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf && c != 0x7f {
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		i += n
		if r > 0xffff {
			r -= 0x10000
			esc(0xd800 + r>>10)
			esc(0xdc00 + r&0x3ff)
			continue
		}
		esc(r)
	}
	return out
}
