package download

import (
	"os"
	"path/filepath"
	"testing"
)

// A read-only file --force replaces is replaced: Windows refuses to rename
// over one ("Access denied", which read as a file in use for 5 s and then
// as "close the program", though none had it open).
func TestForceReplacesReadOnlyFile(t *testing.T) {
	t.Parallel()
	body := testBody(200000, 7)
	rs := newRangeServer(t, body)
	dest := filepath.Join(t.TempDir(), "m.bin")
	if err := os.WriteFile(dest, []byte("old model"), 0o444); err != nil {
		t.Fatal(err)
	}
	if _, err := New(testOptions()).Download(t.Context(), Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body), Force: true}); err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, body)
}

func TestClearReadOnly(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "ro")
	if err := os.WriteFile(p, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	ClearReadOnly(p)
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm()&0o200 == 0 {
		t.Errorf("still read-only: %v, %v", fi.Mode(), err)
	}
	ClearReadOnly(filepath.Join(t.TempDir(), "none")) // nothing there: nothing happens
}
