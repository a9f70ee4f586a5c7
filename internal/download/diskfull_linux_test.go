//go:build linux

package download

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// mountTinyFS mounts a 2 MiB tmpfs on a temporary directory or skips.
func mountTinyFS(t *testing.T) string {
	t.Helper()
	return mountTmpfs(t, "2m")
}

// mountTmpfs mounts a tmpfs of size (mount's size=) on a temporary
// directory or skips.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v: %s", err, out)
	}
	t.Cleanup(func() {
		// A process forked concurrently by another test holds inherited
		// descriptors until it execs, which can make the mount briefly
		// busy: retry, then detach lazily.
		for range 50 {
			if exec.Command("umount", dir).Run() == nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

func TestDiskFull(t *testing.T) {
	t.Parallel()
	body := testBody(4<<20, 20)
	for _, tc := range []struct {
		name  string
		setup func(rs *rangeServer)
		size  int64
	}{
		// Preallocation fails before the transfer.
		{"known size", nil, int64(len(body))},
		{"size learned from the server", nil, 0},
		// No length: nothing to preallocate, WriteAt hits ENOSPC.
		{"stream of unknown length", func(rs *rangeServer) {
			rs.configure(func(rs *rangeServer) { rs.ignoreRange, rs.noLength = true, true })
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := mountTinyFS(t)
			rs := newRangeServer(t, body)
			if tc.setup != nil {
				tc.setup(rs)
			}
			dest := filepath.Join(dir, "big.safetensors")
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			_, err := New(testOptions()).Download(ctx, Request{Source: Source{URL: rs.URL()}, Dest: dest, Size: tc.size, Connections: 4})
			var df *DiskFullError
			if !errors.As(err, &df) || !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("err = %v, want *DiskFullError wrapping ENOSPC", err)
			}
			if !IsPermanent(err) || ctx.Err() != nil {
				t.Errorf("permanent %v, ctx %v", IsPermanent(err), ctx.Err())
			}
			checkAbsent(t, dest)
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				t.Errorf("left behind on the full disk: %s", e.Name())
			}
		})
	}
}

// TestDiskFullTogether: files downloaded at the same time onto a tmpfs
// (sparse files, nothing reserved) share its free space: the one that
// fits completes and the others are refused before they start. They used
// to all pass the check, all fail with ENOSPC, and leave the disk full.
func TestDiskFullTogether(t *testing.T) {
	t.Parallel()
	dir := mountTmpfs(t, "8m")
	d := New(testOptions())
	type outcome struct {
		name string
		res  *Result
		err  error
	}
	out := make(chan outcome, 3)
	for i := range 3 {
		body := testBody(5<<20, byte(60+i))
		rs := newRangeServer(t, body)
		rs.configure(func(rs *rangeServer) { rs.rate = 8 << 20 }) // all three overlap
		name := fmt.Sprintf("m%d.safetensors", i)
		go func() {
			res, err := d.Download(t.Context(), Request{Source: Source{URL: rs.URL()}, Dest: filepath.Join(dir, name),
				Size: int64(len(body)), SHA256: sha256Hex(body), Connections: 4})
			out <- outcome{name, res, err}
		}()
	}
	done := 0
	for range 3 {
		o := <-out
		var df *DiskFullError
		switch {
		case o.err == nil:
			done++
		case errors.As(o.err, &df):
			checkAbsent(t, filepath.Join(dir, o.name))
		default:
			t.Errorf("%s: %v, want it done or a *DiskFullError", o.name, o.err)
		}
	}
	if done != 1 {
		t.Errorf("%d of three 5 MiB files done on an 8 MiB tmpfs, want 1", done)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".safetensors" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
