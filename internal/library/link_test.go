package library

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLinkCopies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	body := bytes.Repeat([]byte("weights "), 50000)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keep := write("a/keep.safetensors", body)
	copy1 := write("b/copy.safetensors", body)
	// A name at the file system's limit (255 bytes) is linked too: the
	// temporary name beside it must not be longer.
	long := write("e/"+strings.Repeat("東", 79)+"long.safetensors", body)
	changed := write("c/changed.safetensors", append([]byte("X"), body[1:]...))
	already := filepath.Join(dir, "d", "link.safetensors")
	os.MkdirAll(filepath.Dir(already), 0o755)
	if err := os.Link(keep, already); err != nil {
		t.Skip("no hard links here:", err)
	}
	want, _, err := HashFile(context.Background(), keep, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]error{}
	err = LinkCopies(context.Background(), keep, []string{copy1, changed, already, long, filepath.Join(dir, "gone")}, want, nil,
		func(p string, err error) { got[p] = err })
	if err != nil {
		t.Fatal(err)
	}
	if got[copy1] != nil || got[already] != nil || got[long] != nil {
		t.Errorf("copy: %v, hard link already: %v, long name: %v; want all linked", got[copy1], got[already], got[long])
	}
	if !errors.Is(got[changed], ErrChanged) {
		t.Errorf("changed copy: %v, want ErrChanged", got[changed])
	}
	if got[filepath.Join(dir, "gone")] == nil {
		t.Error("a missing path was reported linked")
	}
	kfi, _ := os.Stat(keep)
	for _, p := range []string{copy1, already, long} {
		fi, err := os.Stat(p)
		if err != nil || !os.SameFile(kfi, fi) {
			t.Errorf("%s is not a hard link to keep (%v)", p, err)
		}
	}
	if b, _ := os.ReadFile(changed); b[0] != 'X' {
		t.Error("the changed copy was touched")
	}
	for _, d := range []string{"a", "b", "c", "d", "e"} {
		if ents, _ := os.ReadDir(filepath.Join(dir, d)); len(ents) != 1 {
			t.Errorf("%s holds %d entries, want 1 (no temporary left)", d, len(ents))
		}
	}
	// keep itself must have the hash: nothing is linked to a changed file.
	if err := LinkCopies(context.Background(), changed, []string{copy1}, want, nil, func(string, error) { t.Error("a copy was tried") }); !errors.Is(err, ErrChanged) {
		t.Errorf("LinkCopies with a changed keep = %v, want ErrChanged", err)
	}
}

// A copy on another file system cannot be a hard link: left alone.
func TestLinkCopiesAcrossFileSystems(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/shm"); err != nil {
		t.Skip("no /dev/shm")
	}
	body := []byte("the same weights")
	keep := filepath.Join(t.TempDir(), "keep.safetensors")
	otherDir, err := os.MkdirTemp("/dev/shm", "civit-link-test-")
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { os.RemoveAll(otherDir) })
	other := filepath.Join(otherDir, "copy.safetensors")
	os.WriteFile(keep, body, 0o644)
	os.WriteFile(other, body, 0o644)
	kfi, _ := os.Stat(keep)
	ofi, _ := os.Stat(other)
	_, kdev := FileID(keep, kfi)
	_, odev := FileID(other, ofi)
	if kdev == odev {
		t.Skip("/dev/shm is on the same file system as the temporary folder")
	}
	want, _, _ := HashFile(context.Background(), keep, nil, nil)
	var got error
	if err := LinkCopies(context.Background(), keep, []string{other}, want, nil, func(_ string, err error) { got = err }); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(got, ErrOtherFileSystem) {
		t.Errorf("copy on /dev/shm: %v, want ErrOtherFileSystem", got)
	}
	if b, _ := os.ReadFile(other); string(b) != string(body) {
		t.Error("the copy changed")
	}
}
