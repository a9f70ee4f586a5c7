package library

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civit/civit/internal/winfs"
)

// TestLinkCopiesHeld (Windows): a file a UI holds open (no
// FILE_SHARE_DELETE) cannot be replaced, nor can a new link to it be
// renamed or deleted. LinkCopies says the file is in use and leaves no
// temporary link behind, whether the held file is the one kept or a copy.
func TestLinkCopiesHeld(t *testing.T) {
	t.Parallel()
	body := bytes.Repeat([]byte("weights "), 50000)
	for _, hold := range []string{"keep", "copy"} {
		dir := t.TempDir()
		keep, cp := filepath.Join(dir, "a", "keep.safetensors"), filepath.Join(dir, "b", "copy.safetensors")
		for _, p := range []string{keep, cp} {
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, body, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, _, err := HashFile(context.Background(), keep, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		held, err := os.Open(map[string]string{"keep": keep, "copy": cp}[hold]) // as a UI holds a loaded model
		if err != nil {
			t.Fatal(err)
		}
		var got error
		err = LinkCopies(context.Background(), keep, []string{cp}, want, nil, func(_ string, err error) { got = err })
		held.Close()
		if hold == "keep" {
			got = err
		}
		if !winfs.InUse(got) {
			t.Errorf("%s held: err = %v, want an in-use error", hold, got)
		}
		entries, _ := os.ReadDir(filepath.Dir(cp))
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".link") {
				t.Errorf("%s held: %s left behind", hold, e.Name())
			}
		}
		kfi, _ := os.Stat(keep)
		if fi, err := os.Stat(cp); err != nil || os.SameFile(kfi, fi) {
			t.Errorf("%s held: the copy was replaced (%v)", hold, err)
		}
	}
}
