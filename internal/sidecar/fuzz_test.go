package sidecar

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// seedSidecars adds every fixture under testdata to the corpus.
func seedSidecars(f *testing.F, add func(data []byte)) {
	f.Helper()
	err := filepath.WalkDir("testdata", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) == ".md" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		add(b)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", "{}", "null", "[]", `{"id":"1e400"}`, `{"files":[null,1,{"hashes":[]}]}`, `{"civitai":"x"}`, "\xef\xbb\xbf", "SHA256 (x) = "} {
		add([]byte(s))
	}
}

// validHash reports whether h is "" or n upper-case hex digits.
func validHash(h string, n int) bool {
	if h == "" {
		return true
	}
	if len(h) != n {
		return false
	}
	for _, c := range h {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// FuzzParsers feeds arbitrary bytes to the parser of every sidecar kind:
// none may panic, and what they return is well-formed.
func FuzzParsers(f *testing.F) {
	seedSidecars(f, func(b []byte) { f.Add(b) })
	rs := readers()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, r := range rs {
			in, err := r.parse(data, "model.safetensors")
			if err != nil {
				if in != nil {
					t.Fatalf("%s: info %+v with error %v", r.suffix, in, err)
				}
				continue
			}
			if in == nil {
				t.Fatalf("%s: nil info without error", r.suffix)
			}
			if in.ModelID < 0 || in.VersionID < 0 || in.FileID < 0 {
				t.Errorf("%s: negative id in %+v", r.suffix, in)
			}
			if !validHash(in.SHA256, 64) || !validHash(in.BLAKE3, 64) || !validHash(in.AutoV2, 10) {
				t.Errorf("%s: malformed hash in %+v", r.suffix, in)
			}
			for _, w := range in.TrainedWords {
				if w == "" {
					t.Errorf("%s: empty trained word", r.suffix)
				}
			}
		}
		_ = isEmptyInfo(data)
		_ = HTMLToText(string(data))
	})
}

// FuzzFormatInfo checks WriteInfo's formatting: whatever it accepts comes
// out as ASCII-only JSON with the same value.
func FuzzFormatInfo(f *testing.F) {
	seedSidecars(f, func(b []byte) { f.Add(b) })
	f.Add([]byte(`{"id":1,"name":"裸絞め 😀 \u00e9","x":[1.50,2e3,"\u2028"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := formatInfo(data)
		if err != nil {
			return
		}
		for i, c := range out {
			if c >= 0x7f {
				t.Fatalf("byte %d of output is %#x", i, c)
			}
		}
		var a, b any
		if err := json.Unmarshal(bytes.TrimPrefix(bytes.TrimSpace(data), []byte("\xef\xbb\xbf")), &a); err != nil {
			t.Fatalf("accepted input does not decode: %v", err)
		}
		if err := json.Unmarshal(out, &b); err != nil {
			t.Fatalf("output does not decode: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("value changed:\n in: %#v\nout: %#v", a, b)
		}
	})
}
