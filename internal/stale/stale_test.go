package stale

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"
)

func TestIsTemp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		want bool
	}{
		{".civit-123456.reuse", true},
		{".civit-7.tmp", true},
		{".civit-42.link", true},
		{".civit-.tmp", false},
		{".civit-abc.tmp", false},
		{".civit-12.part", false},
		{"civit-12.tmp", false},
		{"model.safetensors.part.civit.tmp", false},
		{".civit-12.tmp.bak", false},
	} {
		if got := IsTemp(tc.name); got != tc.want {
			t.Errorf("IsTemp(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A temporary left unchanged for After is removed; a fresh one, another
// civit's at work, and files that are not civit's stay.
func TestSweep(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old := time.Now().Add(-2 * After)
	write := func(name string, mtime time.Time) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return p
	}
	stale := []string{write(".civit-1.reuse", old), write(".civit-2.tmp", old), write(".civit-3.link", old)}
	fresh := write(".civit-4.reuse", time.Now())
	mine := write(".civit-notes.tmp", old)
	model := write("model.safetensors", old)
	got := Sweep(dir, time.Now())
	slices.Sort(got)
	if !slices.Equal(got, stale) {
		t.Errorf("removed %v, want %v", got, stale)
	}
	for _, p := range []string{fresh, mine, model} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed", filepath.Base(p))
		}
	}
}

// A hard link to an old file, made just now by another civit that is
// hashing it, is not abandoned: its change time is now.
func TestSweepKeepsFreshHardLink(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no change time on Windows (an open file cannot be removed there)")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "library.safetensors")
	if err := os.WriteFile(src, []byte("model"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * After)
	if err := os.Chtimes(src, old, old); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, ".civit-5.reuse")
	if err := os.Link(src, tmp); err != nil {
		t.Skipf("no hard links here: %v", err)
	}
	if got := Sweep(dir, time.Now()); len(got) != 0 {
		t.Errorf("removed %v, a link made just now", got)
	}
	if got := Sweep(dir, time.Now().Add(2*After)); len(got) != 1 {
		t.Errorf("removed %v an hour later, want the link", got)
	}
	if _, err := os.Stat(src); err != nil {
		t.Errorf("the library's file went with its link: %v", err)
	}
}
