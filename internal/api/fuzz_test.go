package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/civit/civit/internal/tableprinter"
)

// FuzzParseErrorBody checks that whatever a failed response carries, the
// message it adds to an error is one line of bounded length without
// control characters (no escape sequence of the server reaches the
// terminal).
func FuzzParseErrorBody(f *testing.F) {
	samples, _ := filepath.Glob("/work/shared/civitai-samples/error-*.json")
	for _, p := range samples {
		if b, err := os.ReadFile(p); err == nil {
			f.Add("application/json", b)
		}
	}
	for _, s := range []string{
		`{"error":"Early Access","deadline":"2026-08-01T00:00:00.000Z"}`,
		`{"error":"Early Access","deadline":1785542400000}`,
		`{"code":"BAD_REQUEST","message":"x","issues":[{"path":["limit",0,true],"message":"too big"}]}`,
		`{"error":{"issues":[{"path":["types"],"message":"Invalid enum value"}],"name":"ZodError"}}`,
		`{"error":{"fieldErrors":{"a":["b"]},"formErrors":["c\nd"]}}`,
		`"just a string"`, `[1,2]`, `{"error":12345678901234567890}`,
		`<html><head><title>civitai.com | 502: Bad gateway</title></head><body>x</body></html>`,
		"<html><body><script>x</script>\n\n  Hello &amp; bye</body></html>", "plain\ntext", "",
	} {
		f.Add("application/json", []byte(s))
	}
	f.Add("text/html; charset=utf-8", []byte("<p>down\u2028for maintenance</p>"))
	f.Add("application/json", []byte(`{"error":"\u001b]0;pwned\u0007\u001b[2J gone"}`))
	f.Add("application/json", []byte(`{"error":"model \u202egnp.exe \u2066x\u2069\u200f"}`))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		eb := parseErrorBody(ct, body)
		if strings.ContainsFunc(eb.message, func(r rune) bool {
			return unicode.IsControl(r) || unicode.IsSpace(r) && r != ' ' || tableprinter.IsBidiControl(r)
		}) {
			t.Fatalf("%q: message is not one line of plain text: %q", body, eb.message)
		}
		if len(eb.message) > maxMessage+len("server returned an HTML page: ")+len("…") {
			t.Fatalf("%q: message of %d bytes", body, len(eb.message))
		}
		if eb.message != strings.TrimSpace(eb.message) {
			t.Fatalf("%q: message %q has outer spaces", body, eb.message)
		}
	})
}

// FuzzNormalizeEnum checks the loose matching of enum values (--sort,
// --period, --type lists, file selectors): a match is always one of the
// known values and normalizes to itself; no match returns the input
// trimmed.
func FuzzNormalizeEnum(f *testing.F) {
	lists := [][]string{ModelSorts(), ImageSorts(), Periods(), PeriodModes(), CheckpointTypes(), CommercialUses(),
		MediaTypes(), ImageNSFWLevels(), ModelFileTypes(), FileFormats(), FileSizes(), FilePrecisions(), BaseModels()}
	for _, s := range []string{"most downloaded", "MOST-DOWNLOADED", "alltime", "week", "fp8", "fp8-scaled", "safetensor",
		"sd15", "sd 1.5", "flux1d", "sdxl", "  ", "", "..", "SD 3.5 large turbo", "wan video 2.2 i2v a14b"} {
		for i := range lists {
			f.Add(s, uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, s string, which uint8) {
		known := lists[int(which)%len(lists)]
		v, ok := NormalizeEnum(s, known)
		if !ok {
			if v != strings.TrimSpace(s) {
				t.Fatalf("NormalizeEnum(%q) = %q, false; want the input trimmed", s, v)
			}
			return
		}
		if !slices.Contains(known, v) {
			t.Fatalf("NormalizeEnum(%q) = %q, not one of %q", s, v, known)
		}
		if again, ok := NormalizeEnum(v, known); !ok || again != v {
			t.Fatalf("NormalizeEnum(%q) = %q, but NormalizeEnum(%q) = %q, %v", s, v, v, again, ok)
		}
	})
}

// FuzzResolveBaseModels checks --base-model resolution: every name comes
// back as one of CivitAI's names (the built-in list or the live enums), or
// the whole call fails with an *UnknownBaseModelError whose suggestions
// are known names too.
func FuzzResolveBaseModels(f *testing.F) {
	live := Enums{BaseModel: []string{"SD 1.5", "Flux.1 D", "Brand New 2"}, ActiveBaseModel: []string{"Other Thing"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/enums" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(live)
	}))
	f.Cleanup(srv.Close)
	c, err := New(Options{BaseURL: srv.URL})
	if err != nil {
		f.Fatal(err)
	}
	all := append(append(BaseModels(), live.BaseModel...), live.ActiveBaseModel...)
	for _, s := range []string{"sd15", "sdxl 1.0", "ponyxl", "flux dev", "illustrious xl", "brand new 2", "brandnew2", "sdxl", "flux",
		"nonsense", "  ", "SD 1.5\n", "noob", "PDXL", "wan"} {
		f.Add(s, "sd1.5")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		got, err := c.ResolveBaseModels(context.Background(), []string{a, b})
		if err != nil {
			var ue *UnknownBaseModelError
			if !errors.As(err, &ue) {
				t.Fatalf("ResolveBaseModels(%q, %q): %v", a, b, err)
			}
			if ue.Name != a && ue.Name != b {
				t.Fatalf("ResolveBaseModels(%q, %q) blames %q", a, b, ue.Name)
			}
			for _, s := range ue.Suggestions {
				if !slices.Contains(all, s) {
					t.Fatalf("ResolveBaseModels(%q, %q) suggests unknown %q", a, b, s)
				}
			}
			if len(ue.Suggestions) > 8 {
				t.Fatalf("%d suggestions", len(ue.Suggestions))
			}
			return
		}
		want := 0
		for _, s := range []string{a, b} {
			if strings.TrimSpace(s) != "" {
				want++
			}
		}
		if len(got) != want {
			t.Fatalf("ResolveBaseModels(%q, %q) = %q", a, b, got)
		}
		for _, v := range got {
			if !slices.Contains(all, v) {
				t.Fatalf("ResolveBaseModels(%q, %q) = %q, not a known base model", a, b, got)
			}
			if again, err := c.ResolveBaseModels(context.Background(), []string{v}); err != nil || len(again) != 1 || again[0] != v {
				t.Fatalf("%q resolves to %q, %v", v, again, err)
			}
		}
	})
}

// FuzzNormalizeHash checks that an accepted hash is upper-case hex of one
// of the allowed lengths.
func FuzzNormalizeHash(f *testing.F) {
	for _, s := range []string{"0123456789abcdef", " DEADBEEF\n", strings.Repeat("a", 64), "xyz", "", "ı0123456789abcd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := normalizeHash(s, 8, 10, 12, 16, 64)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || h != "" {
				t.Fatalf("normalizeHash(%q) = %q, %v", s, h, err)
			}
			return
		}
		if !slices.Contains([]int{8, 10, 12, 16, 64}, len(h)) || strings.Trim(h, "0123456789ABCDEF") != "" {
			t.Fatalf("normalizeHash(%q) = %q", s, h)
		}
		if !strings.EqualFold(h, strings.TrimSpace(s)) {
			t.Fatalf("normalizeHash(%q) = %q, not the input", s, h)
		}
	})
}

// FuzzParseBaseURL checks CIVITAI_BASE_URL handling: an accepted URL is
// http(s) with a host and nothing secret, normalizes to itself, and an
// error never shows a password the URL carried.
func FuzzParseBaseURL(f *testing.F) {
	for _, s := range []string{"https://civitai.com", "https://civitai.red/api/v1/", "http://127.0.0.1:8787", "HTTPS://CivitAI.com//",
		"ftp://x", "civitai.com", "https://u:p@x", "https://x/?a=1", "https://x/#f", "https://[::1]:80/base/", "http://x/%zz", "https://x/a%2Fb"} {
		f.Add(s, "hunter22")
	}
	f.Fuzz(func(t *testing.T, raw, password string) {
		u, err := parseBaseURL(raw)
		if err == nil {
			if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
				t.Fatalf("parseBaseURL(%q) = %q", raw, u)
			}
			if strings.HasSuffix(u.Path, "/") || strings.HasSuffix(u.Path, "/api/v1") {
				t.Fatalf("parseBaseURL(%q) path %q", raw, u.Path)
			}
			again, err := parseBaseURL(u.String())
			if err != nil || again.String() != u.String() {
				t.Fatalf("parseBaseURL(%q) = %q, which gives %v, %v", raw, u, again, err)
			}
		}
		// The same URL with a password in it.
		if len(password) < 6 || strings.Trim(password, "abcdefghijklmnopqrstuvwxyz0123456789") != "" || strings.Contains(raw, password) {
			return
		}
		scheme, rest, ok := strings.Cut(raw, "://")
		if !ok || scheme == "" || strings.Trim(strings.ToLower(scheme), "abcdefghijklmnopqrstuvwxyz") != "" {
			return // not user information then
		}
		withPW := scheme + "://me:" + password + "@" + rest
		if _, err := parseBaseURL(withPW); err == nil {
			t.Fatalf("parseBaseURL(%q) accepted credentials", withPW)
		} else if strings.Contains(err.Error(), password) {
			t.Fatalf("parseBaseURL(%q) shows the password: %v", withPW, err)
		}
	})
}
