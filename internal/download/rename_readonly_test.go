package download

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A read-only file --force replaces is replaced: Windows refuses to rename
// over one ("Access denied", which read as a file in use for 5 s and then
// as "close the program", though none had it open). Linux and Wine allow
// it, so the rename here refuses as Windows does.
func TestReplaceReadOnlyFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	part, dest := filepath.Join(dir, "m.bin.part"), filepath.Join(dir, "m.bin")
	if err := os.WriteFile(part, []byte("new model"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dest, []byte("old model"), 0o444); err != nil {
		t.Fatal(err)
	}
	errDenied := errors.New("access denied")
	windowsRename := func(old, new string) error {
		if fi, err := os.Stat(new); err == nil && fi.Mode().Perm()&0o200 == 0 {
			return errDenied
		}
		return os.Rename(old, new)
	}
	held := func(err error) bool { return errors.Is(err, errDenied) } // as winfs.InUse takes it
	if err := replaceHeld(t.Context(), windowsRename, held, part, dest, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(dest); err != nil || string(b) != "new model" {
		t.Errorf("dest holds %q (%v), want the new model", b, err)
	}
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
