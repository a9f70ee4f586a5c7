package layout_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/civit/civit/internal/download"
	"github.com/civit/civit/internal/layout"
)

func TestParseSubdir(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "", want: ""},
		{in: "  ", want: ""},
		{in: "{base}", want: "{base}"},
		{in: "{base}/{creator}/", want: "{base}/{creator}"},
		{in: `{type}\{base}`, want: "{type}/{base}"},
		{in: "by-civit/{model_id} {model}", want: "by-civit/{model_id} {model}"},
		{in: "/abs/{base}", err: "must be relative"},
		{in: "~/{base}", err: "must be relative"},
		{in: `C:\models`, err: "must be relative"},
		{in: "../{base}", err: `".."`},
		{in: "{base}/./x", err: `"."`},
		{in: "{base}//{type}", err: "empty"},
		{in: "{bse}", err: "unknown placeholder {bse}"},
		{in: "{base", err: `"{" without "}"`},
		{in: "base}", err: `"}" without "{"`},
	} {
		d, err := layout.ParseSubdir(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseSubdir(%q) error = %v, want one with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || d.String() != tc.want {
			t.Errorf("ParseSubdir(%q) = %q, %v; want %q", tc.in, d.String(), err, tc.want)
		}
	}
}

func TestSubdirPath(t *testing.T) {
	t.Parallel()
	f := layout.Fields{Base: "SDXL 1.0", Type: "LORA", Creator: "someone", Model: "Detail Tweaker / XL", ModelID: 122359, Version: "v1.0", VersionID: 135867}
	for _, tc := range []struct {
		tmpl string
		f    layout.Fields
		want string
	}{
		{"{base}", f, "SDXL 1.0"},
		{"{base}/{creator}", f, filepath.Join("SDXL 1.0", "someone")},
		{"{type}/{model} ({model_id})", f, filepath.Join("LORA", "Detail Tweaker _ XL (122359)")},
		{"v{version_id}-{version}", f, "v135867-v1.0"},
		{"{base}/{creator}", layout.Fields{}, filepath.Join("unknown", "unknown")},
		{"{model}", layout.Fields{Model: ".."}, "unknown"},
		{"{model}", layout.Fields{Model: "CON"}, "_CON"},
		{"{model}", layout.Fields{Model: "a:b?"}, "a_b_"},
		{"", f, ""},
	} {
		d, err := layout.ParseSubdir(tc.tmpl)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Path(tc.f, download.SanitizeFilename); got != tc.want {
			t.Errorf("%q with %+v = %q, want %q", tc.tmpl, tc.f, got, tc.want)
		}
	}
}

// Whatever the template and the values, the path stays under the folder it
// is joined to.
func FuzzSubdirPath(f *testing.F) {
	f.Add("{base}/{creator}", "SDXL 1.0", "../..", "/etc/passwd")
	f.Add(`{model}\{type}`, "C:", "..\\..", "CON")
	f.Add("x/{version}", "", ".", "\x00")
	f.Fuzz(func(t *testing.T, tmpl, base, creator, model string) {
		d, err := layout.ParseSubdir(tmpl)
		if err != nil {
			return
		}
		p := d.Path(layout.Fields{Base: base, Creator: creator, Model: model, Version: model, Type: base}, download.SanitizeFilename)
		if d.IsZero() {
			if p != "" {
				t.Fatalf("zero Subdir gave %q", p)
			}
			return
		}
		if !filepath.IsLocal(p) {
			t.Fatalf("%q with %q, %q, %q = %q: not local", tmpl, base, creator, model, p)
		}
		for _, part := range strings.Split(p, string(filepath.Separator)) {
			if part == "" || part == "." || part == ".." {
				t.Fatalf("%q = %q has folder %q", tmpl, p, part)
			}
		}
	})
}
