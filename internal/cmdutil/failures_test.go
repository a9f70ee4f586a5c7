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
	err := l.Err(4, 4, "downloads")
	want := "civit: error: a: early access\ncivit: error: b: early access\ncivit: error: c: early access\ncivit: error: d: no key\n" +
		"civit: hint: in Early Access until 2036-07-01; wait (and 1 more like it, each dated above)\ncivit: hint: set CIVITAI_API_KEY\n"
	if out.String() != want {
		t.Errorf("printed\n%s\nwant\n%s", out.String(), want)
	}
	var pe *PartialError
	if !errors.As(err, &pe) || pe.Code != 4 {
		t.Errorf("err %v, want a PartialError with code 4 (all failures exit 4)", err)
	}
}
