package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestSaveLoadAndMode(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "civit", "config.json")
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Set("api_key", "  abcdef123456\n"); err != nil {
		t.Fatal(err)
	}
	if err := c.Set("base_url", "https://civitai.red"); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 { // Windows has no mode bits
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
	c2, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := c2.Get("api_key"); got != "abcdef123456" {
		t.Errorf("api_key = %q", got)
	}
	if got, src := c2.BaseURL(func(string) string { return "" }); got != "https://civitai.red" || src != SourceFile {
		t.Errorf("BaseURL = %q %v", got, src)
	}
}

func TestSetValidation(t *testing.T) {
	t.Parallel()
	c, _ := Load(filepath.Join(t.TempDir(), "c.json"))
	tests := []struct{ key, value, wantErr string }{
		{"nope", "x", "unknown config key"},
		{"base_url", "ftp://x", "not an http(s) URL"},
		{"nsfw", "maybe", "not true or false"},
		{"limit", "0", "not a whole number from 1 to 1000"},
		{"limit", "1001", "not a whole number from 1 to 1000"},
		{"limit", "1000", ""},
		{"cache_ttl", "soon", "duration"},
		{"limit", "50", ""},
		{"layout", "bogus", `unknown layout "bogus" (valid: comfyui, a1111, forge, swarmui, invokeai, flat)`},
		{"layout", "flat", ""},
		{"layout", "ComfyUI", ""},
		{"output_dir", "~bob/models", "not ~user"},
		{"root", "~other", "not ~user"},
		{"roots", "/a" + string(filepath.ListSeparator) + "~bob/b", "not ~user"},
		{"output_dir", "~/models", ""},
		{"roots", "~/a" + string(filepath.ListSeparator) + "/b", ""},
		{"api_key", "abcd efgh", "spaces or control characters inside"},
		{"api_key", "abcd\x1befgh", "spaces or control characters inside"},
		{"api_key", "Bearer abcd efgh", "spaces or control characters inside"},
		{"api_key", "Bearer abcdefgh", ""},
		{"api_key", " abcdefgh\r\n", ""},
		{"api_key", "Bearer ", "holds no value once cleaned"},
		{"api_key", "\u200b", "holds no value once cleaned"},
		{"cache_ttl", "-5m", "negative"},
		{"cache_ttl", "0", ""},
	}
	for _, tt := range tests {
		err := c.Set(tt.key, tt.value)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("Set(%s, %s): %v", tt.key, tt.value, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Set(%s, %s) = %v, want %q", tt.key, tt.value, err, tt.wantErr)
		}
	}
}

func TestAPIKeyPrecedence(t *testing.T) {
	t.Parallel()
	c, _ := Load(filepath.Join(t.TempDir(), "c.json"))
	_ = c.Set("api_key", "fromfile")
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if k, src, _ := c.APIKey(getenv); k != "fromfile" || src != SourceFile {
		t.Errorf("file: %q %v", k, src)
	}
	env[EnvAPIToken] = "tok3\n"
	if k, _, from := c.APIKey(getenv); k != "tok3" || from != EnvAPIToken {
		t.Errorf("CIVITAI_API_TOKEN: %q %v", k, from)
	}
	env[EnvToken] = "tok2"
	if k, _, _ := c.APIKey(getenv); k != "tok2" {
		t.Errorf("CIVITAI_TOKEN: %q", k)
	}
	env[EnvAPIKey] = " key1 "
	if k, src, _ := c.APIKey(getenv); k != "key1" || src != SourceEnv {
		t.Errorf("CIVITAI_API_KEY: %q %v", k, src)
	}
}

// A pasted "Bearer " goes; what is left is the key, checked apart.
func TestCleanKey(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"abc", "abc"},
		{" abc\n", "abc"},
		{"Bearer abc", "abc"},
		{"bearer  abc\n", "abc"},
		{"BEARER\tabc", "abc"},
		{"Bearer", ""}, // the prefix pasted without its key
		{"Bearer ", ""},
		{"test-key\u200b\n", "test-key"}, // a zero-width space from a web page
		{"\ufefftest-key", "test-key"},   // Notepad's byte order mark
		{"te\u2060st-key", "test-key"},
		{"Bearerabc", "Bearerabc"},
		{"Bearer abc def", "abc def"},
		{"", ""},
	} {
		if got := CleanKey(tt.in); got != tt.want {
			t.Errorf("CleanKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A key civit cannot send is an error naming where it came from and
// never holding the key.
func TestValidAPIKey(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "c.json")
	if err := os.WriteFile(p, []byte(`{"api_key": "Bearer filekey"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		env, want, wantErr, wantHint string
	}{
		{env: "", want: "filekey"},
		{env: "Bearer envkey\n", want: "envkey"},
		{env: "env key", wantErr: "the API key in CIVITAI_API_KEY is not valid", wantHint: "set CIVITAI_API_KEY to the key alone"},
	} {
		got, err := c.ValidAPIKey(func(k string) string {
			if k == EnvAPIKey {
				return tt.env
			}
			return ""
		})
		if tt.wantErr == "" {
			if err != nil || got != tt.want {
				t.Errorf("env %q: %q, %v; want %q", tt.env, got, err, tt.want)
			}
			continue
		}
		var ke *KeyError
		if !errors.As(err, &ke) || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(ke.Hint(), tt.wantHint) || strings.Contains(err.Error(), "env key") {
			t.Errorf("env %q: %v, want %q", tt.env, err, tt.wantErr)
		}
	}
}

func TestLoadBadJSON(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(p, []byte("{nope"), 0o600)
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Fatalf("err = %v", err)
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	if got := Mask("abcdefghijklmnop"); got != "********mnop" || strings.Contains(got, "abcd") {
		t.Errorf("Mask = %q", got)
	}
	if got := Mask("short"); got != "*****" {
		t.Errorf("Mask short = %q", got)
	}
}

// A hand-edited file keeps what civit does not know: values of unknown keys
// that are objects or arrays are written back unchanged, numbers and
// booleans of known keys are read, and roots may be a JSON list.
func TestHandEditedFileSurvivesSave(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "config.json")
	orig := `{"limit": 5, "nsfw": true, "x": {"a": [1, 2]}, "y": [1, "b"], "roots": ["/a", "/b"]}`
	if err := os.WriteFile(p, []byte(orig), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"limit": "5", "nsfw": "true", "roots": "/a" + string(filepath.ListSeparator) + "/b"} {
		if got := c.Get(key); got != want {
			t.Errorf("Get(%s) = %q, want %q", key, got, want)
		}
	}
	if err := c.Set("limit", "4"); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if x, _ := json.Marshal(got["x"]); string(x) != `{"a":[1,2]}` {
		t.Errorf("x = %s, want it unchanged", x)
	}
	if y, _ := json.Marshal(got["y"]); string(y) != `[1,"b"]` {
		t.Errorf("y = %s, want it unchanged", y)
	}
	if got["limit"] != "4" {
		t.Errorf("limit = %v", got["limit"])
	}
}

func TestLoadKnownKeyNotAString(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(p, []byte(`{"base_url": {"host": "x"}}`), 0o600)
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "the value of base_url must be a string") {
		t.Fatalf("err = %v", err)
	}
}

// A config.json that is a symbolic link (dotfiles kept in a repository)
// stays a link; the file it points to gets the new content.
func TestSaveThroughSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "civit.json")
	link := filepath.Join(dir, "civit", "config.json")
	os.MkdirAll(filepath.Dir(real), 0o700)
	os.MkdirAll(filepath.Dir(link), 0o700)
	os.WriteFile(real, []byte(`{"nsfw": "true"}`), 0o600)
	if err := os.Symlink(real, link); err != nil {
		t.Skip(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Skip("this system does not show the symbolic link to Lstat (Wine 8 does not)")
	}
	c, err := Load(link)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Set("limit", "7"); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("config.json is no longer a symbolic link: %v %v", st.Mode(), err)
	}
	b, _ := os.ReadFile(real)
	if !strings.Contains(string(b), `"limit": "7"`) || !strings.Contains(string(b), `"nsfw": "true"`) {
		t.Errorf("target = %s", b)
	}
}

// The hint for a broken config file names a command the user's shell has.
func TestFileHint(t *testing.T) {
	t.Parallel()
	for goos, want := range map[string]string{
		"linux":   "(`rm '/home/u/.config/civit/config.json'`)",
		"darwin":  "(`rm '/home/u/.config/civit/config.json'`)",
		"windows": "(`del \"/home/u/.config/civit/config.json\"`)",
	} {
		if got := fileHint("/home/u/.config/civit/config.json", goos); !strings.HasSuffix(got, want) {
			t.Errorf("%s: %q, want it to end in %q", goos, got, want)
		}
	}
}

// `-o "D:\Models\"` in cmd.exe or Windows PowerShell reaches civit as
// D:\Models" (\" escapes the quote); on Windows the quote is dropped.
func TestTrimQuote(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, goos, want string }{
		{`D:\Models"`, "windows", `D:\Models`},
		{`D:\Models`, "windows", `D:\Models`},
		{`/tmp/odd"name"`, "linux", `/tmp/odd"name"`},
	} {
		if got := trimQuote(tt.in, tt.goos); got != tt.want {
			t.Errorf("trimQuote(%q, %s) = %q, want %q", tt.in, tt.goos, got, tt.want)
		}
	}
}

// A hand-edited value is checked as `config set` checks it, where a
// command reads it; unknown keys are listed with the key meant.
func TestValueChecksTheFile(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(p, []byte(`{"nsfw": "yes", "limit": 5000, "layout": " flat ", "cache_ttl": "5m", "apikey": "k", "Base-URL": "x", "zzz": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ key, want, wantErr string }{
		{key: "nsfw", wantErr: `invalid value for nsfw: "yes" is not true or false`},
		{key: "limit", wantErr: `invalid value for limit: "5000" is not a whole number from 1 to 1000`},
		{key: "layout", want: "flat"},
		{key: "cache_ttl", want: "5m"},
		{key: "subdir", want: ""},
	} {
		got, err := c.Value(tt.key)
		if tt.wantErr != "" {
			var ve *ValueError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), p) || !strings.Contains(ve.Hint(), "civit config unset "+tt.key) {
				t.Errorf("Value(%s) = %q, %v; want %q", tt.key, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Value(%s) = %q, %v; want %q", tt.key, got, err, tt.want)
		}
	}
	if got, want := strings.Join(c.Unknown(), ","), "Base-URL,apikey,zzz"; got != want {
		t.Errorf("Unknown() = %s, want %s", got, want)
	}
	for in, want := range map[string]string{"apikey": "api_key", "Base-URL": "base_url", "API_KEY": "api_key", "limt": "limit", "roots_dir": "", "zzz": "",
		"foo": "", "output": "output_dir", "out": "output_dir", "token": "api_key", "key": "api_key", "api_kye": "api_key",
		"preview": "preview_max_rating", "cache": "cache_ttl", "nsfww": "nsfw", "bar": "", "lay": ""} {
		if got := Suggest(in); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
	if w := c.UnknownWarning("apikey"); !strings.Contains(w, `unknown key "apikey" is ignored; did you mean "api_key"?`) || strings.Contains(w, `"k"`) {
		t.Errorf("UnknownWarning = %q", w)
	}
}

// A base URL is shown (config list, errors) without what may be a
// secret, also when it does not parse.
func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://civitai.com":                         "https://civitai.com",
		"http://user:SECRET@127.0.0.1:1":              "http://REDACTED@127.0.0.1:1",
		"http://TOKEN@127.0.0.1:1/api":                "http://REDACTED@127.0.0.1:1/api",
		"http://user:pa#SECRET@127.0.0.1:1":           "http://REDACTED@127.0.0.1:1",
		"http://user:SECRET@127.0.0.1:badport":        "http://REDACTED@127.0.0.1:badport",
		"http://u:a/b?c@host":                         "http://REDACTED@host",
		"http://127.0.0.1:8787/?token=SECRETQ":        "http://127.0.0.1:8787/?token=REDACTED",
		"http://127.0.0.1:8787/?x=1&api_key=SECRET#f": "http://127.0.0.1:8787/?x=1&api_key=REDACTED#f",
		"http://127.0.0.1:8787/#token=SECRET":         "http://127.0.0.1:8787/#token=REDACTED",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
		if err := checkURL(in); err != nil && (strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "TOKEN")) {
			t.Errorf("checkURL(%q) shows the secret: %v", in, err)
		}
	}
}
