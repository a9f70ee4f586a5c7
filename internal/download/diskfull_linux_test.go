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

// TestDiskFullResumeBooked: a resumed .part on a tmpfs books what it has
// still to write, so a file started beside it that would take that room
// is refused before it starts and the resume completes. The resume used
// not to be booked: the other file passed the check, filled the disk and
// failed, leaving a useless .part.
func TestDiskFullResumeBooked(t *testing.T) {
	t.Parallel()
	dir := mountTmpfs(t, "8m")
	bodyA := testBody(5<<20, 80)
	rsA := newRangeServer(t, bodyA)
	rsA.configure(func(rs *rangeServer) { rs.rate = 2 << 20 })
	reqA := Request{Source: Source{URL: rsA.URL()}, Dest: filepath.Join(dir, "a.safetensors"),
		Size: int64(len(bodyA)), SHA256: sha256Hex(bodyA), Connections: 4, Identity: "a"}
	ctx, cancel := context.WithCancel(t.Context())
	opts := testOptions()
	opts.Progress = cancelAt(4<<20, cancel)
	if _, err := New(opts).Download(ctx, reqA); !errors.Is(err, context.Canceled) {
		t.Fatalf("first try of a: %v, want context.Canceled", err)
	}
	cancel()
	part, _ := partPaths(reqA.Dest)
	var pst syscall.Stat_t
	var fst syscall.Statfs_t
	if err := syscall.Stat(part, &pst); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Statfs(dir, &fst); err != nil {
		t.Fatal(err)
	}
	free := int64(fst.Bavail) * int64(fst.Bsize)
	owedA := reqA.Size - pst.Blocks*512
	if owedA < 256<<10 {
		t.Skipf("a was interrupted too late (owes %d B)", owedA)
	}
	// b fits in the free space, but not beside what a still owes.
	bodyB := testBody(int(free-owedA/2), 81)
	rsB := newRangeServer(t, bodyB)

	d := New(testOptions())
	rsA.configure(func(rs *rangeServer) { rs.rate = 256 << 10 }) // a is still running when b starts
	started := make(chan struct{})
	errA := make(chan error, 1)
	reqA.Progress = func(ev Event) {
		if ev.Kind == EventStart {
			close(started)
		}
	}
	go func() {
		_, err := d.Download(t.Context(), reqA)
		errA <- err
	}()
	select {
	case <-started:
	case err := <-errA:
		t.Fatalf("resume of a: %v", err)
	}
	reqB := Request{Source: Source{URL: rsB.URL()}, Dest: filepath.Join(dir, "b.safetensors"),
		Size: int64(len(bodyB)), SHA256: sha256Hex(bodyB), Connections: 4}
	_, errB := d.Download(t.Context(), reqB)
	var df *DiskFullError
	if !errors.As(errB, &df) {
		t.Errorf("b (%d B, %d free, a owes %d): %v, want a *DiskFullError", len(bodyB), free, owedA, errB)
	}
	checkAbsent(t, reqB.Dest)
	if err := <-errA; err != nil {
		t.Fatalf("resume of a: %v", err)
	}
	checkFile(t, reqA.Dest, bodyA)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "a.safetensors" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
