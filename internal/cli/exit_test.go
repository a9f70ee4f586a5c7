package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/config"
	"github.com/civit/civit/internal/iostreams"
)

func TestReport(t *testing.T) {
	t.Parallel()
	err := cmdutil.WithHint(errors.New("boom with key sk-12345678"), "do this")
	tests := []struct {
		name   string
		colour bool
		want   string
	}{
		{name: "plain", want: "civit: error: boom with key [REDACTED]\ncivit: hint: do this\n"},
		{name: "colour", colour: true, want: "\x1b[31mcivit: error:\x1b[0m boom with key [REDACTED]\n\x1b[36mcivit: hint:\x1b[0m do this\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		code := report(&b, iostreams.ColorScheme{Enabled: tt.colour}, err, "", "sk-12345678")
		if code != ExitError {
			t.Errorf("%s: exit %d, want %d", tt.name, code, ExitError)
		}
		if b.String() != tt.want {
			t.Errorf("%s: printed %q, want %q", tt.name, b.String(), tt.want)
		}
		if strings.Contains(b.String(), "sk-12345678") {
			t.Errorf("%s: the key was printed", tt.name)
		}
	}
}

// An error from a package below cmdutil carries its advice as a Hint method.
func TestReportHintMethod(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	report(&b, iostreams.ColorScheme{}, fmt.Errorf("record x: %w", hinted{}), "")
	if want := "civit: error: record x: readonly\ncivit: hint: fix the owner\n"; b.String() != want {
		t.Errorf("printed %q, want %q", b.String(), want)
	}
}

type hinted struct{}

func (hinted) Error() string { return "readonly" }
func (hinted) Hint() string  { return "fix the owner" }

// A cut-off JSON answer is not blamed on a web page.
func TestClassifyBrokenJSON(t *testing.T) {
	t.Parallel()
	var v any
	syntax := json.Unmarshal([]byte(`{"items": [1,2`), &v)
	_, hints, code := classify(&api.Error{Kind: api.KindNotJSON, Message: "invalid JSON in response", Err: syntax}, false)
	if code != ExitError || len(hints) != 1 || !strings.Contains(hints[0], "broken or cut-off answer") {
		t.Errorf("hints %q, exit %d", hints, code)
	}
	_, hints, _ = classify(&api.Error{Kind: api.KindNotJSON, Message: "HTML page"}, false)
	if len(hints) != 1 || !strings.Contains(hints[0], "web page") {
		t.Errorf("HTML: hints %q", hints)
	}
}

// A 404 that is not the API says what came instead of it: a web page,
// plain text or nothing, not "a web page" for all three.
func TestClassifyNotAPI(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ message, want string }{
		{"server returned an HTML page: 404: This page could not be found", "example.test answered with a web page, not CivitAI's API"},
		{"404 page not found", "example.test answered with plain text, not CivitAI's API"},
		{"", "example.test answered with an empty page, not CivitAI's API"},
	} {
		_, hints, code := classify(&api.Error{Kind: api.KindNotAPI, URL: "http://example.test/x/api/v1/models", StatusCode: 404, Message: tt.message}, false)
		if code != ExitError || len(hints) != 1 || !strings.HasPrefix(hints[0], tt.want) {
			t.Errorf("%q: hints %q, exit %d; want %q", tt.message, hints, code, tt.want)
		}
	}
}

// A 403 without a key does not blame the key.
func TestClassifyForbidden(t *testing.T) {
	t.Parallel()
	_, hints, code := classify(&api.Error{Kind: api.KindForbidden, Message: "Forbidden"}, false)
	if code != ExitAuth || len(hints) != 1 || strings.Contains(hints[0], "your API key") || !strings.Contains(hints[0], "CIVITAI_API_KEY") {
		t.Errorf("no key: hints %q, exit %d", hints, code)
	}
	_, hints, _ = classify(&api.Error{Kind: api.KindForbidden, Message: "Forbidden", KeySent: true}, false)
	if len(hints) != 1 || !strings.Contains(hints[0], "your API key has no access") {
		t.Errorf("key sent: hints %q", hints)
	}
}

// Windows says "Access denied" also for a file another program has open:
// an error that carries its own hint (close the program) does not get the
// generic advice to check permissions besides.
func TestClassifyPermissionWithOwnHint(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("rename: %w", hintedPerm{})
	_, hints, code := classify(err, false)
	if code != ExitError || len(hints) != 1 || hints[0] != "close the program" {
		t.Errorf("hints %q, exit %d; want only the error's own hint", hints, code)
	}
	_, hints, _ = classify(fmt.Errorf("open x: %w", os.ErrPermission), false)
	if len(hints) != 1 || !strings.Contains(hints[0], "permissions") {
		t.Errorf("a bare permission error: hints %q", hints)
	}
}

type hintedPerm struct{}

func (hintedPerm) Error() string        { return "access denied" }
func (hintedPerm) Hint() string         { return "close the program" }
func (hintedPerm) Is(target error) bool { return target == os.ErrPermission }

// Exit 3 means some, not all, failed; none succeeding is exit 1 unless
// the failures chose their code (4 when each needed a key).
func TestClassifyPartial(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  *cmdutil.PartialError
		want int
	}{
		{&cmdutil.PartialError{Failed: 1, Total: 3, What: "files"}, ExitPartial},
		{&cmdutil.PartialError{Failed: 3, Total: 3, What: "files"}, ExitError},
		{&cmdutil.PartialError{Failed: 1, Total: 1, What: "files"}, ExitError},
		{&cmdutil.PartialError{Failed: 2, Total: 2, What: "files", Code: ExitAuth}, ExitAuth},
	} {
		if _, _, code := classify(tc.err, false); code != tc.want {
			t.Errorf("%v: exit %d, want %d", tc.err, code, tc.want)
		}
	}
}

// A key is redacted as civit uses it, trimmed: a variable set with a
// trailing newline (CIVITAI_API_KEY="$(cat key.txt)"-like mistakes) or a
// config file value with spaces around it is not printed either.
func TestSecretsAreRedactedTrimmed(t *testing.T) {
	t.Parallel()
	const key = "0123456789abcdef"
	for _, tc := range []struct {
		name, env, value, file string
	}{
		{name: "api key newline", env: "CIVITAI_API_KEY", value: key + "\n"},
		{name: "token spaces", env: "CIVITAI_TOKEN", value: "  " + key + " \r\n"},
		{name: "api token tab", env: "CIVITAI_API_TOKEN", value: "\t" + key},
		{name: "config file", file: `{"api_key": " ` + key + `\n"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "config.json")
			if tc.file != "" {
				if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios,
				Getenv: func(k string) string {
					if k == tc.env {
						return tc.value
					}
					return ""
				},
				Config: func() (*config.Config, error) { return config.Load(path) },
			}
			msg, hints, _ := explain(cmdutil.WithHint(fmt.Errorf("%q is not a model id", key), "not "+key), secrets(f))
			if strings.Contains(msg, key) || strings.Contains(strings.Join(hints, " "), key) {
				t.Errorf("the key was printed: %q %q", msg, hints)
			}
		})
	}
}
