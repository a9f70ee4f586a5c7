package dupes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/civit/civit/internal/library"
	"github.com/civit/civit/internal/store"
)

func TestGroups(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := func(name string) string {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte("x"), 0o644)
		return path
	}
	a, b, c, link := p("a"), p("b"), p("c"), p("link")
	gone := filepath.Join(dir, "gone")
	in := [][]*store.File{
		// Three copies, one of them hard-linked twice: 3 distinct files.
		{
			{Path: a, SHA256: "AA", Size: 100, Inode: 1, Dev: 1},
			{Path: b, SHA256: "AA", Size: 100, Inode: 2, Dev: 1, ModelName: "Model"},
			{Path: c, SHA256: "AA", Size: 100, Inode: 3, Dev: 1},
			{Path: link, SHA256: "AA", Size: 100, Inode: 3, Dev: 1},
		},
		// One path is gone: no longer a duplicate.
		{{Path: a, SHA256: "BB", Size: 5}, {Path: gone, SHA256: "BB", Size: 5}},
		// Two hard links to one file: nothing stored twice.
		{{Path: c, SHA256: "CC", Size: 7, Inode: 3, Dev: 1}, {Path: link, SHA256: "CC", Size: 7, Inode: 3, Dev: 1}},
		// Empty files (placeholders, failed downloads) share the hash of
		// nothing: not copies of one model, and linking them saves nothing.
		{{Path: a, SHA256: "E3B0", Size: 0, Inode: 1, Dev: 1}, {Path: b, SHA256: "E3B0", Size: 0, Inode: 2, Dev: 1}},
	}
	want := []Group{{SHA256: "AA", Name: "Model", Size: 100, Copies: 3, Wasted: 200, Paths: []string{a, b, c, link}}}
	if diff := cmp.Diff(want, Groups(in)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// After --link replaces a copy, its row has the identity of the file it
// now links to, so that the group (hard links to one file) is gone from
// dupes at once, without a scan: on Windows too, where an os.FileInfo has
// no file index.
func TestRecordLink(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "library.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	keep, cp := filepath.Join(dir, "keep.safetensors"), filepath.Join(dir, "copy.safetensors")
	for _, p := range []string{keep, cp} {
		if err := os.WriteFile(p, []byte("weights"), 0o644); err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Lstat(p)
		f := &store.File{Path: p, SHA256: strings.Repeat("A", 64), Size: fi.Size(), MTime: fi.ModTime()}
		f.Inode, f.Dev = library.FileID(p, fi)
		if err := st.Upsert(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if dups, _ := st.Duplicates(ctx); len(Groups(dups)) != 1 {
		t.Fatalf("before: %d groups, want 1", len(Groups(dups)))
	}
	os.Remove(cp)
	if err := os.Link(keep, cp); err != nil {
		t.Skip("no hard links here:", err)
	}
	if err := recordLink(ctx, st, cp); err != nil {
		t.Fatal(err)
	}
	dups, err := st.Duplicates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g := Groups(dups); len(g) != 0 {
		t.Errorf("after linking: %+v, want no group (rows %+v, %+v)", g, dups[0][0], dups[0][1])
	}
}
