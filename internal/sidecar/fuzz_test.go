package sidecar

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
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

// FuzzPreviewURL checks the rewriting of image URLs from the API: only the
// CDN's option segment changes (scheme, host, query and file name stay),
// and rewriting again changes nothing.
func FuzzPreviewURL(f *testing.F) {
	for _, s := range []string{
		"https://image.civitai.com/xG1nkqKTMzGDvpLrqFT7WA/0b6d1a7e-4a39-4e8b-9d8a-1f7c3c2d0a11/original=true/123.jpeg",
		"https://image.civitai.com/x/uuid/width=1664/123.jpeg", "https://image.civitai.com/x/uuid/original=true,quality=90/v.mp4",
		"https://image.civitai.com/x/uuid/anim=false,width=450/v.webm", "https://image.civitai.com/x/uuid/123.jpeg",
		"http://127.0.0.1:8788/image/width=2/a%2Fb.png?x=1#f", "/width=1/x", "%zz", "",
	} {
		f.Add(s, 450)
	}
	f.Fuzz(func(t *testing.T, raw string, width int) {
		got := PreviewURL(raw, width)
		if got == raw {
			return
		}
		a, err1 := url.Parse(raw)
		b, err2 := url.Parse(got)
		if err1 != nil || err2 != nil {
			t.Fatalf("PreviewURL(%q, %d) = %q (%v, %v)", raw, width, got, err1, err2)
		}
		if a.Scheme != b.Scheme || a.Host != b.Host || a.RawQuery != b.RawQuery || a.Fragment != b.Fragment || a.User.String() != b.User.String() {
			t.Fatalf("PreviewURL(%q, %d) = %q: more than the path changed", raw, width, got)
		}
		if a.Path[strings.LastIndex(a.Path, "/"):] != b.Path[strings.LastIndex(b.Path, "/"):] {
			t.Fatalf("PreviewURL(%q, %d) = %q: file name changed", raw, width, got)
		}
		if !strings.Contains(b.Path, "/width="+strconv.Itoa(width)+"/") && !strings.Contains(b.Path, ",width="+strconv.Itoa(width)+"/") {
			t.Fatalf("PreviewURL(%q, %d) = %q: no width segment", raw, width, got)
		}
		if again := PreviewURL(got, width); again != got {
			t.Fatalf("PreviewURL(%q, %d) = %q, then %q", raw, width, got, again)
		}
	})
}
