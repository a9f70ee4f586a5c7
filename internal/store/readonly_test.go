package store

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// readOnlyDir keeps the test from writing in dir and its files, as a
// library of another user or on a read-only mount is: modes 0555 and
// 0444, and for root, whom modes do not stop, a read-only bind mount.
func readOnlyDir(t *testing.T, dir string) {
	t.Helper()
	switch {
	case runtime.GOOS == "windows":
		t.Skip("folder modes do not stop writes on Windows")
	case os.Geteuid() == 0 && runtime.GOOS != "linux":
		t.Skip("root writes whatever the modes, and only Linux is bind-mounted here")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		os.Chmod(filepath.Join(dir, e.Name()), 0o444)
	}
	os.Chmod(dir, 0o555)
	t.Cleanup(func() {
		os.Chmod(dir, 0o755)
		for _, e := range entries {
			os.Chmod(filepath.Join(dir, e.Name()), 0o644)
		}
	})
	if os.Geteuid() != 0 {
		return
	}
	if out, err := exec.Command("mount", "--bind", dir, dir).CombinedOutput(); err != nil {
		t.Skipf("root cannot bind-mount here: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if exec.Command("umount", dir).Run() != nil {
			exec.Command("umount", "-l", dir).Run()
		}
	})
	if out, err := exec.Command("mount", "-o", "remount,bind,ro", dir).CombinedOutput(); err != nil {
		t.Fatalf("remount read-only: %v: %s", err, out)
	}
}

// A library that cannot be written is read by OpenReadOnly, whether the
// last writer closed it (no -wal and -shm, which the folder cannot hold)
// or another process has it open (its log not yet in the file); its
// writes fail with the advice; and one of an older schema, which cannot
// be upgraded, is refused.
func TestOpenReadOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		keepOpen  bool   // another Store has it open: -wal and -shm exist
		version   int    // user_version set before (0: current)
		wantErr   string // "" for none
		wantFiles int
	}{
		{name: "closed", wantFiles: 2},
		{name: "open elsewhere", keepOpen: true, wantFiles: 2},
		{name: "older schema", version: 1, wantErr: "cannot be upgraded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dir := t.TempDir()
			path := filepath.Join(dir, "library.db")
			w, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Upsert(ctx, row("/m/a.safetensors", sha(1)), row("/m/b.safetensors", sha(2))); err != nil {
				t.Fatal(err)
			}
			if tt.version > 0 {
				if _, err := w.db.ExecContext(ctx, "PRAGMA user_version = 1"); err != nil {
					t.Fatal(err)
				}
			}
			if tt.keepOpen {
				defer w.Close()
				if _, err := os.Stat(path + "-wal"); err != nil {
					t.Fatalf("no -wal while open: %v", err)
				}
			} else {
				w.Close()
			}
			readOnlyDir(t, dir)
			if !tt.keepOpen {
				// Writers are refused with the advice, whether SQLite
				// says read-only (modes) or cannot open (a mount).
				_, err := Open(ctx, path)
				var dbe *DBError
				if !errors.As(err, &dbe) || !dbe.ReadOnly {
					t.Fatalf("Open: %v (%T), want a read-only *DBError", err, err)
				}
			}
			r, err := OpenReadOnly(ctx, path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("OpenReadOnly: %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("OpenReadOnly: %v", err)
			}
			defer r.Close()
			if n, err := r.Count(ctx); err != nil || n != tt.wantFiles {
				t.Errorf("Count = %d, %v; want %d", n, err, tt.wantFiles)
			}
			err = r.Upsert(ctx, row("/m/c.safetensors", sha(3)))
			var dbe *DBError
			if !errors.As(err, &dbe) || !dbe.ReadOnly || !strings.Contains(dbe.Hint(), path) {
				t.Errorf("Upsert: %v (%T), want a read-only *DBError", err, err)
			}
		})
	}
}
