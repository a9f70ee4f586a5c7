package config

import (
	"os"
	"path/filepath"
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
	if st.Mode().Perm() != 0o600 {
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
		{"limit", "0", "positive"},
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
