package sidecar

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden compares got with testdata/golden/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/sidecar -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", p, diff)
	}
}

// readFixture reads a file of testdata.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// noTemps fails if dir holds a leftover temporary file.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		model, ext                string
		info, json, preview, stem string
	}{
		{"/x/loras/foo.safetensors", "png", "/x/loras/foo.civitai.info", "/x/loras/foo.json", "/x/loras/foo.preview.png", "/x/loras/foo"},
		{"/x/loras/foo.v2.safetensors", ".JPEG", "/x/loras/foo.v2.civitai.info", "/x/loras/foo.v2.json", "/x/loras/foo.v2.preview.jpeg", "/x/loras/foo.v2"},
		{"rel/model.ckpt", "webp", "rel/model.civitai.info", "rel/model.json", "rel/model.preview.webp", "rel/model"},
		{"/x/noext", "gif", "/x/noext.civitai.info", "/x/noext.json", "/x/noext.preview.gif", "/x/noext"},
	}
	for _, tt := range tests {
		if got := InfoPath(tt.model); got != tt.info {
			t.Errorf("InfoPath(%q) = %q, want %q", tt.model, got, tt.info)
		}
		if got := JSONPath(tt.model); got != tt.json {
			t.Errorf("JSONPath(%q) = %q, want %q", tt.model, got, tt.json)
		}
		if got := PreviewPath(tt.model, tt.ext); got != tt.preview {
			t.Errorf("PreviewPath(%q, %q) = %q, want %q", tt.model, tt.ext, got, tt.preview)
		}
		if got := stem(tt.model); got != tt.stem {
			t.Errorf("stem(%q) = %q, want %q", tt.model, got, tt.stem)
		}
	}
}

func TestWriteInfoGolden(t *testing.T) {
	t.Parallel()
	in := readFixture(t, "civitai-info-1.json")
	var compact bytes.Buffer
	if err := json.Compact(&compact, in); err != nil {
		t.Fatal(err)
	}
	var first []byte
	for name, src := range map[string][]byte{"indented": in, "compact": compact.Bytes()} {
		dir := t.TempDir()
		p := InfoPath(filepath.Join(dir, "choke_hold_rnc_ilxl.safetensors"))
		written, err := WriteInfo(p, src, false)
		if err != nil || !written {
			t.Fatalf("%s: WriteInfo = %v, %v", name, written, err)
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "choke_hold_rnc_ilxl.civitai.info", got)
		if first != nil && !bytes.Equal(first, got) {
			t.Errorf("compact and indented input give different files")
		}
		first = got
		noTemps(t, dir)
		// ASCII only, same JSON value as the input.
		for i, c := range got {
			if c >= 0x7f {
				t.Fatalf("byte %d is %#x, want ASCII only", i, c)
			}
		}
		var a, b any
		if err := json.Unmarshal(in, &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(got, &b); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("written JSON differs in value (-in +out):\n%s", diff)
		}
	}
}

func TestAsciiJSON(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		`{"a":"b"}`:        `{"a":"b"}`,
		`{"n":"裸絞め"}`:      `{"n":"\u88f8\u7d5e\u3081"}`,
		`{"e":"😀"}`:        `{"e":"\ud83d\ude00"}`,
		"{\"d\":\"\x7f\"}": `{"d":"\u007f"}`,
		`{"k":"\u00e9"}`:   `{"k":"\u00e9"}`,
	}
	for in, want := range tests {
		if got := string(asciiJSON([]byte(in))); got != want {
			t.Errorf("asciiJSON(%q) = %q, want %q", in, got, want)
		}
		var a, b any
		if json.Unmarshal([]byte(in), &a) != nil || json.Unmarshal([]byte(want), &b) != nil || !cmp.Equal(a, b) {
			t.Errorf("%q and %q are not the same JSON value", in, want)
		}
	}
}

func TestWriteInfoRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "   ", "null", "[]", `{"id":`, `{"name":"no id"}`, `{"id":null}`, "<html>Bad Gateway</html>", `"str"`} {
		dir := t.TempDir()
		p := filepath.Join(dir, "m.civitai.info")
		written, err := WriteInfo(p, []byte(in), true)
		if !errors.Is(err, ErrInvalidJSON) || written {
			t.Errorf("WriteInfo(%q) = %v, %v; want ErrInvalidJSON", in, written, err)
		}
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("WriteInfo(%q) left a file: %v", in, err)
		}
		noTemps(t, dir)
	}
}

// TestNoClobberAndForce covers both writers: an existing file is kept
// unless forced, and the file mode is 0644.
func TestNoClobberAndForce(t *testing.T) {
	t.Parallel()
	version := readFixture(t, "civitai-info-1.json")
	meta := NewA1111Meta(902206, 1421739, "m", "v", "Illustrious", nil, "", "", "")
	writers := map[string]func(path string, force bool) (bool, error){
		"info":  func(p string, force bool) (bool, error) { return WriteInfo(p, version, force) },
		"a1111": func(p string, force bool) (bool, error) { return WriteA1111(p, meta, force) },
	}
	for name, write := range writers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := filepath.Join(dir, "model.sidecar")
			if err := os.WriteFile(p, []byte("user notes"), 0o600); err != nil {
				t.Fatal(err)
			}
			written, err := write(p, false)
			if err != nil || written {
				t.Fatalf("no force over existing: written=%v err=%v", written, err)
			}
			if b, _ := os.ReadFile(p); string(b) != "user notes" {
				t.Fatalf("existing file changed to %q", b)
			}
			noTemps(t, dir)

			written, err = write(p, true)
			if err != nil || !written {
				t.Fatalf("force: written=%v err=%v", written, err)
			}
			b, _ := os.ReadFile(p)
			if string(b) == "user notes" || !json.Valid(b) {
				t.Fatalf("force did not replace the file: %q", b)
			}
			st, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if runtime.GOOS != "windows" && st.Mode().Perm() != 0o644 { // Windows has no mode bits
				t.Errorf("mode %v, want 0644", st.Mode().Perm())
			}
			noTemps(t, dir)

			// A fresh path is written without force.
			q := filepath.Join(dir, "fresh.sidecar")
			if written, err := write(q, false); err != nil || !written {
				t.Fatalf("fresh path: written=%v err=%v", written, err)
			}
			noTemps(t, dir)

			// Beside a model whose name is as long as civit makes one
			// (download.MaxFilenameBytes): the temporary file fits too.
			long := filepath.Join(dir, strings.Repeat("é", 114)+SuffixInfo)
			if written, err := write(long, false); err != nil || !written {
				t.Fatalf("long name: written=%v err=%v", written, err)
			}
			noTemps(t, dir)
		})
	}
}

func TestWriteMissingDir(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "missing", "m.civitai.info")
	if _, err := WriteInfo(p, readFixture(t, "civitai-info-1.json"), false); err == nil {
		t.Fatal("WriteInfo into a missing folder succeeded")
	}
}

func TestWriteA1111Golden(t *testing.T) {
	t.Parallel()
	desc := string(readFixture(t, "vsk-description.html"))
	m := NewA1111Meta(11821, 127062, "VSK-94 | Girls' Frontline", "v2.0", "SD 1.5",
		[]string{"VSKnormal", "VSKDress", " VSKJacketless ", "", "VSKChristmas", "VSKFace", "<lora:VSK:0.8>"},
		desc, "260F2989F160C67B09FD68482D1CC45DE61A33EEC5D2FA6FCD6CF7E09BBA7D47", "https://civitai.com/")
	dir := t.TempDir()
	p := JSONPath(filepath.Join(dir, "VSK.safetensors"))
	if written, err := WriteA1111(p, m, false); err != nil || !written {
		t.Fatalf("WriteA1111 = %v, %v", written, err)
	}
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "VSK.json", got)
	noTemps(t, dir)

	// What A1111 and Browser+ read back.
	var back map[string]any
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{
		"sd version":       "SD1",
		"activation text":  "VSKnormal, VSKDress, VSKJacketless, VSKChristmas, VSKFace",
		"preferred weight": 0.0,
		"negative text":    "",
		"notes":            "https://civitai.com/models/11821?modelVersionId=127062",
		"modelId":          11821.0,
		"modelVersionId":   127062.0,
		"sha256":           "260f2989f160c67b09fd68482d1cc45de61a33eec5d2fa6fcd6cf7e09bba7d47",
	} {
		if !cmp.Equal(back[k], want) {
			t.Errorf("%q = %#v, want %#v", k, back[k], want)
		}
	}
	if d, _ := back["description"].(string); !strings.HasPrefix(d, "VSK-94 from Girls' Frontline\nTrained on 4 outfits") || strings.Contains(d, "<") {
		t.Errorf("description = %q", d)
	}
	if bytes.Contains(got, []byte(`\u003c`)) || bytes.Contains(got, []byte(`\u0026`)) {
		t.Errorf("HTML-escaped output: %s", got)
	}
}

func TestNewA1111MetaFallbacks(t *testing.T) {
	t.Parallel()
	got := NewA1111Meta(0, 55, " Model ", "v1", "Flux.1 D", nil, "  <p> </p> ", "", "")
	want := A1111Meta{
		Description:    "Model - v1",
		SDVersion:      "Flux",
		Notes:          "https://civitai.com/model-versions/55",
		ModelVersionID: 55,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("NewA1111Meta (-want +got):\n%s", diff)
	}
}

func TestSDVersion(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"SD 1.4": "SD1", "SD 1.5": "SD1", "SD 1.5 LCM": "SD1", "SD 2.0 768": "SD2", "SD 2.1": "SD2",
		"SDXL 1.0": "SDXL", "SDXL Turbo": "SDXL", "Pony": "SDXL", "Illustrious": "SDXL", "NoobAI": "SDXL",
		"SD 3.5 Large": "SD3", "Flux.1 D": "Flux", "Flux.1 S": "Flux",
		"Flux.2 D": "Unknown", "Pony V7": "Unknown", "Wan Video 14B t2v": "Unknown", "": "Unknown", "Other": "Unknown",
	}
	for in, want := range tests {
		if got := SDVersion(in); got != want {
			t.Errorf("SDVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHTMLToText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"<p>Style to use less steps for good images </p>", "Style to use less steps for good images"},
		{"<p>a<br />b</p><p>c</p>", "a\nb\n\nc"},
		{"<p>a</p><p></p><p></p><p>b</p>", "a\n\nb"},
		{"<ul><li>one</li><li>two</li></ul>", "- one\n- two"},
		{"<h2>Title</h2><p>x &amp; y &lt;z&gt; &quot;q&quot;&nbsp;end</p>", "Title\n\nx & y <z> \"q\" end"},
		{"<p>keep<script>alert(1)</script> this<style>p{}</style></p>", "keep this"},
		{"<a href=\"https://x\">link</a> <strong>bold</strong>", "link bold"},
		{"a <unterminated", "a"},
		{"  lots   of \t spaces  ", "lots of spaces"},
	}
	for _, tt := range tests {
		if got := HTMLToText(tt.in); got != tt.want {
			t.Errorf("HTMLToText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVersionURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		base     string
		model, v int64
		want     string
	}{
		{"", 1, 2, "https://civitai.com/models/1?modelVersionId=2"},
		{"https://civitai.red/", 1, 2, "https://civitai.red/models/1?modelVersionId=2"},
		{"", 1, 0, "https://civitai.com/models/1"},
		{"", 0, 2, "https://civitai.com/model-versions/2"},
		{"", 0, 0, ""},
	}
	for _, tt := range tests {
		if got := VersionURL(tt.base, tt.model, tt.v); got != tt.want {
			t.Errorf("VersionURL(%q, %d, %d) = %q, want %q", tt.base, tt.model, tt.v, got, tt.want)
		}
	}
}

// Replacing the .json (--force, an update in place) keeps what only the
// user can have set: the preferred weight, the negative text, and notes
// that are more than the CivitAI link civit writes.
func TestWriteA1111ForceKeepsUserFields(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, old string
		want      A1111Meta
	}{
		{"user fields", `{"description": "old", "preferred weight": 0.65, "negative text": "blurry", "notes": "my notes"}`,
			A1111Meta{Description: "new", PreferredWeight: 0.65, NegativeText: "blurry", Notes: "my notes"}},
		{"civit's link", `{"preferred weight": 0, "notes": "https://civitai.com/models/1?modelVersionId=2"}`,
			A1111Meta{Description: "new", Notes: "https://civitai.com/models/1?modelVersionId=3"}},
		{"not json", `{`, A1111Meta{Description: "new", Notes: "https://civitai.com/models/1?modelVersionId=3"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(t.TempDir(), "m.json")
			if err := os.WriteFile(p, []byte(tt.old), 0o644); err != nil {
				t.Fatal(err)
			}
			m := A1111Meta{Description: "new", Notes: "https://civitai.com/models/1?modelVersionId=3"}
			if _, err := WriteA1111(p, m, true); err != nil {
				t.Fatal(err)
			}
			var got A1111Meta
			b, _ := os.ReadFile(p)
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
