package download

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestFilenameFromContentDisposition(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		header string
		want   string
		ok     bool
	}{
		{`attachment; filename="model.safetensors"`, "model.safetensors", true},
		{`attachment; filename=model.safetensors`, "model.safetensors", true},
		{`attachment;filename="a \"quoted\" name.ckpt"`, "a _quoted_ name.ckpt", true},
		{`attachment; filename*=UTF-8''na%C3%AFve%20model.safetensors`, "naïve model.safetensors", true},
		{`attachment; filename="fallback.bin"; filename*=UTF-8''%E2%9C%93.bin`, "✓.bin", true},
		{`attachment; filename*=UTF-8''%E2%9C%93.bin; filename="fallback.bin"`, "✓.bin", true},
		{`attachment; filename*=iso-8859-1'en'%E9t%E9.bin`, "été.bin", true},
		{`attachment; filename*=UTF-8''%FF.bin; filename="ok.bin"`, "ok.bin", true}, // invalid UTF-8: fall back
		{`attachment; filename*=UTF-8''bad%zz; filename="ok.bin"`, "ok.bin", true},
		{`attachment; filename=my model v2.safetensors`, "my model v2.safetensors", true},
		{`attachment; FILENAME="upper.bin"`, "upper.bin", true},
		{`filename="no-type.bin"`, "no-type.bin", true},
		{`attachment; filename="semi;colon.bin"`, "semi;colon.bin", true},
		{`attachment; filename="../../etc/passwd"`, "passwd", true},
		{`attachment; filename="C:\\Windows\\evil.dll"`, "evil.dll", true},
		{`attachment; filename="/abs/path.bin"`, "path.bin", true},
		{`attachment; filename="CON.txt"`, "_CON.txt", true},
		{`attachment; filename=".."`, "", false},
		{`attachment; filename=""`, "", false},
		{`attachment`, "", false},
		{``, "", false},
		{`inline; name="x"`, "", false},
		{`attachment; filename="unterminated.bin`, "unterminated.bin", true},
		// A right-to-left override would show "a\u202Esrotnefas.exe" as
		// "aexe.safetensors"; bidi and other invisible format characters
		// become visible underscores, the joiners stay.
		{"attachment; filename*=UTF-8''a%E2%80%AEsrotnefas.exe", "a_srotnefas.exe", true},
		{"attachment; filename*=UTF-8''x%E2%81%A6y%E2%80%8Bz%EF%BB%BF.bin", "x_y_z_.bin", true},
		{"attachment; filename*=UTF-8''%F0%9F%91%A9%E2%80%8D%F0%9F%94%AC%E2%80%8C.bin", "👩\u200d🔬\u200c.bin", true},
	} {
		got, ok := FilenameFromContentDisposition(tc.header)
		if got != tc.want || ok != tc.ok {
			t.Errorf("FilenameFromContentDisposition(%q) = %q, %v; want %q, %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSanitizeFilename(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 200) + ".safetensors" // 400 + 12 bytes
	for _, tc := range []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"model.safetensors", "model.safetensors", false},
		{"dir/sub/model.safetensors", "model.safetensors", false},
		{`dir\sub\model.safetensors`, "model.safetensors", false},
		{"/etc/passwd", "passwd", false},
		{"trailing/", "trailing", false},
		{"..", "", true},
		{".", "", true},
		{"../..", "", true},
		{"", "", true},
		{"   ", "", true},
		{".hidden", "hidden", false},
		{"name. . ", "name", false},
		{"model.safetensors\u3000", "model.safetensors", false},
		{"\u00a0\u00a0\u00a0", "", true},
		{"\u200dmodel.safetensors\u200d", "model.safetensors", false},
		{"emoji\u200d.bin", "emoji\u200d.bin", false},
		{" spaced name.bin ", "spaced name.bin", false},
		{"a\x00b\x1fc\x7f.bin", "a_b_c_.bin", false},
		{"line\nbreak.bin", "line_break.bin", false},
		{`what?<is>|this*.bin`, "what__is__this_.bin", false},
		{"time 12:30.bin", "time 12_30.bin", false},
		{"bad\xffutf8.bin", "bad_utf8.bin", false},
		{"NUL", "_NUL", false},
		{"nul.txt", "_nul.txt", false},
		{"com1.tar.gz", "_com1.tar.gz", false},
		{"LPT9", "_LPT9", false},
		{"CON .txt", "_CON .txt", false},
		{"console.txt", "console.txt", false},
		{"COM10", "COM10", false},
		{"Flux.1 D [fp8].safetensors", "Flux.1 D [fp8].safetensors", false},
		{long, strings.Repeat("é", 114) + ".safetensors", false}, // 240 bytes: NAME.part.civit.tmp fits in 255
	} {
		got, err := SanitizeFilename(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("SanitizeFilename(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
		if err != nil && !errors.Is(err, ErrBadFilename) {
			t.Errorf("error %v does not wrap ErrBadFilename", err)
		}
	}
}

// checkSafeName asserts the invariants every sanitized name has.
func checkSafeName(t *testing.T, in, s string) {
	t.Helper()
	switch {
	case s == "", s == ".", s == "..":
		t.Fatalf("%q -> unusable %q", in, s)
	case strings.ContainsAny(s, "/\\\x00"):
		t.Fatalf("%q -> %q contains a separator or NUL", in, s)
	case filepath.IsAbs(s):
		t.Fatalf("%q -> absolute %q", in, s)
	case len(s) > MaxFilenameBytes:
		t.Fatalf("%q -> %d bytes", in, len(s))
	case !utf8.ValidString(s):
		t.Fatalf("%q -> invalid UTF-8 %q", in, s)
	case strings.TrimSpace(s) != s && strings.Trim(s, " ") != s, strings.HasPrefix(s, "."), strings.HasSuffix(s, "."):
		t.Fatalf("%q -> %q has leading/trailing dots or spaces", in, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) && r != zwnj && r != zwj {
			t.Fatalf("%q -> %q contains control or format character %U", in, s, r)
		}
	}
	stem, _, _ := strings.Cut(s, ".")
	if windowsReserved[strings.ToUpper(strings.TrimRight(stem, " "))] {
		t.Fatalf("%q -> reserved name %q", in, s)
	}
	again, err := SanitizeFilename(s)
	if err != nil || again != s {
		t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, s, again, err)
	}
}

func FuzzSanitizeFilename(f *testing.F) {
	for _, s := range []string{"model.safetensors", "../../x", `C:\a\b.bin`, "CON", "a\x00b", ".. .", strings.Repeat("x", 300) + ".bin",
		strings.Repeat("é", 130), "COM" + strings.Repeat("a", 260) + ".x", "\xff\xfe", " . / \\ "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := SanitizeFilename(in)
		if err != nil {
			if !errors.Is(err, ErrBadFilename) || s != "" {
				t.Fatalf("%q: error %v with result %q", in, err, s)
			}
			return
		}
		checkSafeName(t, in, s)
	})
}

func FuzzFilenameFromContentDisposition(f *testing.F) {
	for _, s := range []string{`attachment; filename="a.bin"`, `attachment; filename*=UTF-8''%E2%9C%93.bin`, `filename=x; filename*=utf-8''y`,
		`attachment; filename="\"; filename*=`, `;;;=;"`, `attachment; filename*=iso-8859-1''%FF`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		s, ok := FilenameFromContentDisposition(h)
		if !ok {
			if s != "" {
				t.Fatalf("%q: not ok but %q", h, s)
			}
			return
		}
		checkSafeName(t, h, s)
	})
}

func TestAcceptServerName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		api, server string
		want        bool
	}{
		{"model.safetensors", "Model V2.safetensors", true},
		{"model.safetensors", "model.SafeTensors", true},
		{"model.safetensors", "model.exe", false},
		{"model.safetensors", "model.safetensors.exe", false},
		{"model.safetensors", "model", false},
		{"data.zip", "training data.zip", true},
		{"noext", "other", true},
		{"model.safetensors", "_.safetensors", false},
		{"model.safetensors", "__ _.safetensors", false},
		{"model.safetensors", "東.safetensors", true},
		{"model.safetensors", "1.safetensors", true},
	} {
		if got := AcceptServerName(tc.api, tc.server); got != tc.want {
			t.Errorf("AcceptServerName(%q, %q) = %v, want %v", tc.api, tc.server, got, tc.want)
		}
	}
}
