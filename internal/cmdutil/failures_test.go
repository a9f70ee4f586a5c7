package cmdutil

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/civit/civit/internal/iostreams"
)

func TestFailuresMergeHints(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	ios := &iostreams.IOStreams{ErrOut: &out}
	f := &Factory{IOStreams: ios, Explain: func(err error) (string, []string, int) {
		h, _, _ := strings.Cut(err.Error(), "|")
		_, hint, _ := strings.Cut(err.Error(), "|")
		return h, []string{hint}, 4
	}}
	l := NewFailures(f)
	l.Add("a", errors.New("early access|in Early Access until 2036-07-01; wait"))
	l.Add("b", errors.New("early access|in Early Access until 2036-08-02; wait"))
	l.Add("c", errors.New("early access|in Early Access until 2036-07-01; wait"))
	l.Add("d", errors.New("no key|set CIVITAI_API_KEY"))
	l.Add("e", errors.New("no key|try again in 10m0s"))
	l.Add("f", errors.New("no key|try again in 9m58s"))
	l.Add("g", errors.New("no key|download it with civit download 998"))
	l.Add("h", errors.New("no key|download it with civit download 999"))
	err := l.Err(8, 8, "downloads")
	want := "civit: error: a: early access\ncivit: error: b: early access\ncivit: error: c: early access\ncivit: error: d: no key\n" +
		"civit: error: e: no key\ncivit: error: f: no key\ncivit: error: g: no key\ncivit: error: h: no key\n" +
		"civit: hint: in Early Access until 2036-07-01; wait (and 1 more like it)\ncivit: hint: set CIVITAI_API_KEY\n" +
		"civit: hint: try again in 10m0s (and 1 more like it)\n" +
		"civit: hint: download it with civit download 998\ncivit: hint: download it with civit download 999\n"
	if out.String() != want {
		t.Errorf("printed\n%s\nwant\n%s", out.String(), want)
	}
	var pe *PartialError
	if !errors.As(err, &pe) || pe.Code != 4 {
		t.Errorf("err %v, want a PartialError with code 4 (all failures exit 4)", err)
	}
}
