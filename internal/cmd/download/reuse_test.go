package download

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/civit/civit/internal/library"
)

func TestPlaceCopy(t *testing.T) {
	t.Parallel()
	body := bytes.Repeat([]byte("model bytes "), 100000)
	noLinks := func(string, string) error { return errors.New("operation not supported") }
	for _, tc := range []struct {
		name       string
		link       func(string, string) error
		want       string // the hash asked for
		wantLinked bool
		wantErr    error
		dest       string // default b.safetensors
	}{
		{name: "hard link", link: os.Link, wantLinked: true},
		{name: "no hard links: copy and rename", link: noLinks},
		{name: "longest name", link: os.Link, wantLinked: true, dest: strings.Repeat("é", 114) + ".safetensors"},
		{name: "longest name, copied", link: noLinks, dest: strings.Repeat("é", 114) + ".safetensors"},
		{name: "changed bytes, linked", link: os.Link, want: "00", wantErr: errNotSame},
		{name: "changed bytes, copied", link: noLinks, want: "00", wantErr: errNotSame},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			src := filepath.Join(dir, "lib", "a.safetensors")
			dest := filepath.Join(dir, "ui", cmp.Or(tc.dest, "b.safetensors"))
			os.MkdirAll(filepath.Dir(src), 0o755)
			os.MkdirAll(filepath.Dir(dest), 0o755)
			if err := os.WriteFile(src, body, 0o644); err != nil {
				t.Fatal(err)
			}
			want, _, err := library.HashFile(context.Background(), src, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != "" {
				want = tc.want
			}
			linked, err := placeCopy(context.Background(), src, dest, want, false, tc.link, nil)
			if !errors.Is(err, tc.wantErr) || linked != tc.wantLinked && err == nil {
				t.Fatalf("placeCopy = %v, %v; want linked %v, error %v", linked, err, tc.wantLinked, tc.wantErr)
			}
			left, _ := os.ReadDir(filepath.Dir(dest))
			if tc.wantErr != nil {
				if len(left) != 0 {
					t.Errorf("after a refusal the folder holds %v", left)
				}
				return
			}
			if len(left) != 1 {
				t.Errorf("the folder holds %v, want only the file", left)
			}
			got, err := os.ReadFile(dest)
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("dest: %d bytes, %v", len(got), err)
			}
			if b, _ := os.ReadFile(src); !bytes.Equal(b, body) {
				t.Error("the source changed")
			}
		})
	}
	t.Run("never replaces", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		src, dest := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		os.WriteFile(src, body, 0o644)
		os.WriteFile(dest, []byte("mine"), 0o644)
		want, _, _ := library.HashFile(context.Background(), src, nil, nil)
		for _, link := range []func(string, string) error{os.Link, noLinks} {
			if _, err := placeCopy(context.Background(), src, dest, want, false, link, nil); err == nil {
				t.Error("placeCopy replaced an existing file")
			}
			if b, _ := os.ReadFile(dest); string(b) != "mine" {
				t.Fatal("the existing file changed")
			}
		}
	})
	t.Run("replaces with --force, only verified", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		src, dest := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		os.WriteFile(src, body, 0o644)
		want, _, _ := library.HashFile(context.Background(), src, nil, nil)
		for _, link := range []func(string, string) error{os.Link, noLinks} {
			os.Remove(dest) // a hard link to src after the first round
			os.WriteFile(dest, []byte("mine"), 0o644)
			if _, err := placeCopy(context.Background(), src, dest, "00", true, link, nil); err == nil {
				t.Error("placeCopy replaced a file with bytes of another hash")
			}
			if b, _ := os.ReadFile(dest); string(b) != "mine" {
				t.Fatal("a refused copy changed the existing file")
			}
			if _, err := placeCopy(context.Background(), src, dest, want, true, link, nil); err != nil {
				t.Fatal(err)
			}
			if b, _ := os.ReadFile(dest); !bytes.Equal(b, body) {
				t.Error("the existing file was not replaced")
			}
			if left, _ := os.ReadDir(dir); len(left) != 2 {
				t.Errorf("the folder holds %d entries, want the source and dest", len(left))
			}
		}
	})
	t.Run("interrupted", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		src, dest := filepath.Join(dir, "a"), filepath.Join(dir, "ui", "b")
		os.MkdirAll(filepath.Dir(dest), 0o755)
		os.WriteFile(src, body, 0o644)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := placeCopy(ctx, src, dest, "00", false, noLinks, nil); !errors.Is(err, context.Canceled) {
			t.Errorf("placeCopy after Ctrl-C = %v", err)
		}
		if left, _ := os.ReadDir(filepath.Dir(dest)); len(left) != 0 {
			t.Errorf("left %v", left)
		}
	})
}

func TestSameDeviceFirst(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	local := filepath.Join(dir, "local")
	os.WriteFile(local, []byte("x"), 0o644)
	// /proc is another file system on Linux; elsewhere the order is kept.
	other := "/proc/self/status"
	if _, err := os.Stat(other); err != nil || runtime.GOOS == "windows" {
		t.Skip("no /proc") // (Wine shows Linux's /proc as a folder of drive Z:)
	}
	got := sameDeviceFirst([]string{other, filepath.Join(dir, "gone"), local}, dir)
	if got[0] != local {
		t.Errorf("sameDeviceFirst = %q, want %q first", got, local)
	}
}
