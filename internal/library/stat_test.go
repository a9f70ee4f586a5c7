package library

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// FileID knows a file under a new name and through a hard link, and tells
// two files apart: what Scan's rename detection and dupes' hard-link
// counting rest on, on every platform.
func TestFileID(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.safetensors"), filepath.Join(dir, "b.safetensors")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, []byte("same bytes"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	id := func(p string) [2]uint64 {
		t.Helper()
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		ino, dev := FileID(p, fi)
		if nilIno, nilDev := FileID(p, nil); nilIno != ino || nilDev != dev {
			t.Errorf("FileID(%s, nil) = %d, %d; with its Lstat %d, %d", p, nilIno, nilDev, ino, dev)
		}
		return [2]uint64{ino, dev}
	}
	ida, idb := id(a), id(b)
	if ida[0] == 0 {
		t.Fatalf("FileID(%s) = %v: no identity", a, ida)
	}
	if ida == idb {
		t.Errorf("two files have one identity %v", ida)
	}
	moved := filepath.Join(dir, "sub", "moved.safetensors")
	os.Mkdir(filepath.Dir(moved), 0o755)
	if err := os.Rename(a, moved); err != nil {
		t.Fatal(err)
	}
	if got := id(moved); got != ida {
		t.Errorf("renamed: %v, was %v", got, ida)
	}
	linked := filepath.Join(dir, "link.safetensors")
	if err := os.Link(moved, linked); err != nil {
		t.Logf("no hard links here: %v", err)
	} else if got := id(linked); got != ida {
		t.Errorf("hard link: %v, the file's %v", got, ida)
	}
	if ino, dev := FileID(filepath.Join(dir, "gone.safetensors"), nil); ino != 0 || dev != 0 {
		t.Errorf("a missing file: %d, %d, want 0, 0", ino, dev)
	}
}

// under, which keeps the rows under folders the walk could not read and
// tells a symbolic link's target walked already, takes a root for the
// folder it is, and on Windows ignores case as the file system does.
func TestUnder(t *testing.T) {
	t.Parallel()
	root := filepath.VolumeName(os.TempDir()) + string(filepath.Separator)
	models := filepath.Join(root, "models")
	tests := []struct {
		p    string
		dirs []string
		want bool
	}{
		{filepath.Join(models, "a.safetensors"), []string{root}, true},
		{filepath.Join(models, "a.safetensors"), []string{models}, true},
		{models, []string{models}, true},
		{models + "X", []string{models}, false},
		{filepath.Join(root, "Models", "a.safetensors"), []string{models}, runtime.GOOS == "windows"},
	}
	for _, tt := range tests {
		if got := under(tt.p, tt.dirs); got != tt.want {
			t.Errorf("under(%s, %q) = %v, want %v", tt.p, tt.dirs, got, tt.want)
		}
	}
}
