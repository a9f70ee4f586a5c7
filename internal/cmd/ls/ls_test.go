package ls

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/iostreams"
	"github.com/civit/civit/internal/library"
	"github.com/civit/civit/internal/store"
)

func TestNewCmdLsSortFlag(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args    string
		wantErr bool
	}{{"--sort size -r", false}, {"--sort added", false}, {"--sort colour", true}} {
		ios, _, _, _ := iostreams.Test()
		cmd := NewCmdLs(&cmdutil.Factory{IOStreams: ios}, func(context.Context, *Options) error { return nil })
		cmd.SetArgs(strings.Fields(tt.args))
		cmd.SetOut(&strings.Builder{})
		cmd.SetErr(&strings.Builder{})
		if err := cmd.Execute(); (err != nil) != tt.wantErr {
			t.Errorf("%q: error %v, want error %v", tt.args, err, tt.wantErr)
		}
	}
}

func TestSortFiles(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1700000000, 0)
	files := func() []*store.File {
		return []*store.File{
			{Path: "/z/b.safetensors", ModelName: "Beta", ModelType: "LORA", Size: 10, AddedAt: t0},
			{Path: "/a/x.safetensors", ModelName: "alpha", ModelType: "Checkpoint", Size: 30, AddedAt: t0.Add(time.Hour)},
			{Path: "/m/unknown.ckpt", Size: 20, AddedAt: t0.Add(2 * time.Hour)},
		}
	}
	tests := []struct {
		key     string
		reverse bool
		want    []string
	}{
		{"name", false, []string{"/a/x.safetensors", "/z/b.safetensors", "/m/unknown.ckpt"}},
		{"name", true, []string{"/m/unknown.ckpt", "/z/b.safetensors", "/a/x.safetensors"}},
		{"size", false, []string{"/a/x.safetensors", "/m/unknown.ckpt", "/z/b.safetensors"}},
		{"path", false, []string{"/a/x.safetensors", "/m/unknown.ckpt", "/z/b.safetensors"}},
		{"type", false, []string{"/m/unknown.ckpt", "/a/x.safetensors", "/z/b.safetensors"}},
		{"added", false, []string{"/m/unknown.ckpt", "/a/x.safetensors", "/z/b.safetensors"}},
	}
	for _, tt := range tests {
		fs := files()
		sortFiles(fs, tt.key, tt.reverse)
		var got []string
		for _, f := range fs {
			got = append(got, f.Path)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s reverse=%v (-want +got):\n%s", tt.key, tt.reverse, diff)
		}
	}
}

// `civit ls DIR` finds the files recorded under DIR however DIR is spelt:
// with a trailing separator and, on Windows, with forward slashes, the
// drive letter and the folders in another case, also for a folder deleted
// since it was scanned.
func TestRunUnderSpellings(t *testing.T) {
	t.Parallel()
	dir := library.Canonical(t.TempDir())
	loras := filepath.Join(dir, "Models", "Loras")
	if err := os.MkdirAll(loras, 0o755); err != nil {
		t.Fatal(err)
	}
	gone := filepath.Join(dir, "Gone")
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "library.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	x, y := filepath.Join(loras, "x.safetensors"), filepath.Join(gone, "y.safetensors")
	if err := st.Upsert(t.Context(), &store.File{Path: x, SHA256: strings.Repeat("A", 64)}, &store.File{Path: y, SHA256: strings.Repeat("B", 64)}); err != nil {
		t.Fatal(err)
	}
	spellings := map[string]string{loras + string(filepath.Separator): x, gone: y}
	if runtime.GOOS == "windows" {
		lower := strings.ToLower(loras[:1]) + loras[1:]
		spellings[filepath.ToSlash(lower)+"/"] = x
		spellings[strings.ToUpper(loras)] = x
		spellings[strings.ToLower(loras)+`\`] = x
		spellings[strings.ToUpper(gone)] = y // deleted since scanned
	}
	for arg, want := range spellings {
		ios, _, out, errOut := iostreams.Test()
		f := &cmdutil.Factory{IOStreams: ios, Store: func(context.Context) (*store.Store, error) { return st, nil }}
		o := &Options{Factory: f, Dirs: []string{arg}, Sort: "path", JSON: true}
		if err := run(t.Context(), o); err != nil {
			t.Errorf("ls %s: %v (%s)", arg, err, errOut)
			continue
		}
		var rows []struct{ Path string }
		if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
			t.Fatalf("ls %s: %v in %s", arg, err, out)
		}
		if len(rows) != 1 || rows[0].Path != want {
			t.Errorf("ls %s: %+v, want %s", arg, rows, want)
		}
	}
}
