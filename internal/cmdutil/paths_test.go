package cmdutil

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPathArgs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, n := range []string{"b.safetensors", "a.safetensors", "c.ckpt", "odd[1].safetensors"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip(err)
	}
	j := func(n string) string { return filepath.Join(dir, n) }
	tests := []struct {
		name    string
		args    []string
		want    []string
		wantErr bool
	}{
		{name: "plain paths and hashes are kept", args: []string{j("c.ckpt"), "D18E887B63", "missing"}, want: []string{j("c.ckpt"), "D18E887B63", "missing"}},
		{name: "a pattern becomes its matches, sorted", args: []string{j("*.safetensors")}, want: []string{j("a.safetensors"), j("b.safetensors"), j("odd[1].safetensors")}},
		{name: "? matches one character", args: []string{j("?.ckpt")}, want: []string{j("c.ckpt")}},
		{name: "an existing name with [ is not a pattern", args: []string{j("odd[1].safetensors")}, want: []string{j("odd[1].safetensors")}},
		{name: "a pattern matching nothing is kept", args: []string{j("*.gguf")}, want: []string{j("*.gguf")}},
		{name: "~ is the home folder", args: []string{"~", filepath.Join("~", "models")}, want: []string{home, filepath.Join(home, "models")}},
		{name: "~user is refused", args: []string{"~bob/models"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PathArgs(tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); !tt.wantErr && diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
