package config

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/layout"
)

// FuzzLoad reads arbitrary bytes as config.json: a file that loads must
// save and load again to the same settings, keys civit does not know
// included.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		`{"api_key":"abc","base_url":"https://civitai.red","nsfw":true,"limit":50,"cache_ttl":"10m"}`,
		`{"roots":["/a","/b"],"output_dir":"~/models","layout":"comfyui","subdir":"{base}/{creator}"}`,
		`{"future":{"nested":[1,2]},"other":[true],"limit":1e21,"nsfw":null}`,
		`{"roots":[1]}`, `{"limit":{}}`, `[]`, `"x"`, ``, "  \n", `{"a":1,"a":"b"}`, `{"\u00e9":"\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "config.json")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(p)
		if err != nil {
			var fe *FileError
			if !errorsAs(err, &fe) || fe.Path != p {
				t.Fatalf("Load(%q): %v is not a *FileError naming the file", b, err)
			}
			return
		}
		for _, k := range KeyNames() {
			c.Get(k)
		}
		if err := c.Save(); err != nil {
			t.Fatalf("Save after Load(%q): %v", b, err)
		}
		again, err := Load(p)
		if err != nil {
			t.Fatalf("Load(%q), Save, Load: %v", b, err)
		}
		if !maps.Equal(again.values, c.values) {
			t.Fatalf("Load(%q): values %q, after Save %q", b, c.values, again.values)
		}
		if len(again.other) != len(c.other) {
			t.Fatalf("Load(%q): other %q, after Save %q", b, c.other, again.other)
		}
		for k, v := range c.other {
			var x, y any
			json.Unmarshal(v, &x)
			json.Unmarshal(again.other[k], &y)
			if xb, yb := mustJSON(x), mustJSON(y); xb != yb {
				t.Fatalf("Load(%q): %s = %s, after Save %s", b, k, xb, yb)
			}
		}
	})
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func errorsAs(err error, fe **FileError) bool {
	e, ok := err.(*FileError)
	if ok {
		*fe = e
	}
	return ok
}

// FuzzSet checks `civit config set`: a value it accepts is one the command
// reading it accepts too, and survives Save and Load.
func FuzzSet(f *testing.F) {
	for _, s := range []string{"https://civitai.red", "http://127.0.0.1:8787/", "https://u:p@x", "https://x/?a=1", "https://x#f",
		"true", "0", "20", "1000", "1001", " 5 ", "5m", "-1s", "0", "comfyui", "a1111", "{base}/{creator}", "../x", "~", "~/m",
		"~bob/m", "/a:/b", "", "\x00"} {
		for i := range Keys {
			f.Add(uint8(i), s)
		}
	}
	home, homeErr := os.UserHomeDir()
	f.Fuzz(func(t *testing.T, which uint8, value string) {
		k := Keys[int(which)%len(Keys)]
		c := &Config{path: filepath.Join(t.TempDir(), "config.json"), values: map[string]string{}, other: map[string]json.RawMessage{}}
		if err := c.Set(k.Name, value); err != nil {
			if _, ok := c.values[k.Name]; ok {
				t.Fatalf("Set(%s, %q) failed but stored", k.Name, value)
			}
			return
		}
		v := c.values[k.Name]
		if v != strings.TrimSpace(value) {
			t.Fatalf("Set(%s, %q) stored %q", k.Name, value, v)
		}
		switch k.Name {
		case "base_url":
			if _, err := api.New(api.Options{BaseURL: v}); err != nil {
				t.Fatalf("config set base_url %q is accepted, but the API client refuses it: %v", v, err)
			}
		case "nsfw":
			if _, err := strconv.ParseBool(v); err != nil {
				t.Fatalf("nsfw %q: %v", v, err)
			}
		case "limit":
			if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 1000 {
				t.Fatalf("limit %q: %d, %v", v, n, err)
			}
		case "cache_ttl":
			if _, err := time.ParseDuration(v); err != nil {
				t.Fatalf("cache_ttl %q: %v", v, err)
			}
		case "layout":
			if _, err := layout.Parse(v); err != nil {
				t.Fatalf("layout %q: %v", v, err)
			}
		case "subdir":
			if _, err := layout.ParseSubdir(v); err != nil {
				t.Fatalf("subdir %q: %v", v, err)
			}
		case "preview_max_rating":
			if n, err := PreviewMaxNSFW(v); err != nil || n < 0 || n > 8 {
				t.Fatalf("preview_max_rating %q: %d, %v", v, n, err)
			}
		}
		if k.Path && homeErr == nil && home != "" {
			if _, err := c.Value(k.Name); err != nil {
				t.Fatalf("Set(%s, %q) accepted, but reading it fails: %v", k.Name, value, err)
			}
		}
		if err := c.Save(); err != nil {
			t.Fatal(err)
		}
		again, err := Load(c.path)
		if err != nil {
			t.Fatalf("Set(%s, %q), Save, Load: %v", k.Name, value, err)
		}
		if got := again.values[k.Name]; got != v && utf8.ValidString(v) { // JSON has no invalid UTF-8
			t.Fatalf("Set(%s, %q), Save, Load: %q", k.Name, value, got)
		}
	})
}
