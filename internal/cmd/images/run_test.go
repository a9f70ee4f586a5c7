package images

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/iostreams"
)

// runImages runs `civit images args...` against h, on a terminal or piped,
// and returns stdout, stderr and the error.
func runImages(t *testing.T, h http.Handler, tty bool, args ...string) (string, string, error) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	ios, _, stdout, stderr := iostreams.Test()
	ios.SetStdoutTTY(tty)
	ios.SetStderrTTY(tty)
	f := &cmdutil.Factory{
		IOStreams: ios,
		APIClient: func(bool) (*api.Client, error) {
			return api.New(api.Options{BaseURL: srv.URL, Retry: api.RetryPolicy{MaxAttempts: 1}})
		},
	}
	cmd := NewCmdImages(f, nil)
	cmd.SetArgs(append([]string{}, args...)) // never nil: cobra would read os.Args
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	err := cmd.ExecuteContext(t.Context())
	return stdout.String(), stderr.String(), err
}

// TestImagesCleansServerText: every string of an image comes from a
// stranger. A tab must not add a column to a piped row, and an escape
// sequence must not reach the terminal, whichever field it is in.
func TestImagesCleansServerText(t *testing.T) {
	t.Parallel()
	const body = `{"items":[{"id":9,"url":"http://x/i\u001b[31m.jpg","width":1,"height":1,` +
		`"meta":{"sampler":"Euler\ta","steps":"2\u001b]0;t\u0007","cfgScale":"3\t4","seed":"1\u009b2J",` +
		`"prompt":"p\tq\nr \u001b[2J","negativePrompt":"n\u001b[0m"}}],"metadata":{}}`
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	})
	tests := []struct {
		name string
		tty  bool
	}{{"piped", false}, {"terminal", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, _, err := runImages(t, h, tt.tty, "101", "--limit", "1")
			if err != nil {
				t.Fatal(err)
			}
			if strings.ContainsFunc(out, func(r rune) bool { return r == 0x1b || r == 0x07 || r == 0x9b }) {
				t.Errorf("stdout has a terminal control character: %q", out)
			}
			if !tt.tty {
				if n := strings.Count(out, "\t"); n != 9 || strings.Count(out, "\n") != 1 {
					t.Errorf("piped row = %q, want one line of 10 fields (%d tabs)", out, n)
				}
				return
			}
			if strings.Contains(out, "\t") {
				t.Errorf("terminal output has a tab: %q", out)
			}
			if !strings.Contains(out, "sampler Euler a  steps") {
				t.Errorf("terminal output = %q, want the sampler with its tab made a space", out)
			}
		})
	}
}

// On a terminal a prompt of several lines keeps them under its first,
// not at column 0, and a right-to-left override in it does not reach the
// terminal (it would show the rest of the prompt reversed).
func TestImagesPromptLines(t *testing.T) {
	t.Parallel()
	const body = `{"items":[{"id":9,"url":"http://x/i.jpg","width":1,"height":1,` +
		`"meta":{"prompt":"a cat,\r\nbest quality\n\u202egnp.exe\n","negativePrompt":"blurry\nlow res"}}],"metadata":{}}`
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	})
	out, _, err := runImages(t, h, true, "101", "--limit", "1")
	if err != nil {
		t.Fatal(err)
	}
	want := "  prompt:    a cat,\n" +
		"             best quality\n" +
		"             gnp.exe\n" +
		"  negative:  blurry\n" +
		"             low res\n"
	if !strings.Contains(out, want) {
		t.Errorf("terminal output:\n%s\nwant:\n%s", out, want)
	}
}
