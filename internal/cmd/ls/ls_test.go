package ls

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/iostreams"
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
