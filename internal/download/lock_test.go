package download

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestLockFile: a second handle on a locked file is refused with ErrBusy
// (flock on Unix, LockFileEx on Windows), the lock does not block reading
// and writing the file, and closing the first handle frees it.
func TestLockFile(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "m.part")
	open := func() *os.File {
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	a, b := open(), open()
	defer b.Close()
	if err := lockFile(a); err != nil {
		t.Fatalf("first lock: %v", err)
	}
	if err := lockFile(b); !errors.Is(err, ErrBusy) {
		t.Fatalf("second lock: %v, want ErrBusy", err)
	}
	if _, err := b.WriteAt([]byte("data"), 0); err != nil {
		t.Fatalf("write through the other handle: %v", err)
	}
	buf := make([]byte, 4)
	if _, err := a.ReadAt(buf, 0); err != nil || string(buf) != "data" {
		t.Fatalf("read: %q, %v", buf, err)
	}
	a.Close()
	if err := lockFile(b); err != nil {
		t.Fatalf("lock after the first handle closed: %v", err)
	}
}
