package dupes

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

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
	}
	want := []Group{{SHA256: "AA", Name: "Model", Size: 100, Copies: 3, Wasted: 200, Paths: []string{a, b, c, link}}}
	if diff := cmp.Diff(want, Groups(in)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
