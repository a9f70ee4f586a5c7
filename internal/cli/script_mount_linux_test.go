//go:build linux

package cli

import (
	"os"
	"os/exec"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// canMount is the [tinyfs] condition: root may mount a tmpfs here.
func canMount() bool {
	if os.Geteuid() != 0 {
		return false
	}
	dir, err := os.MkdirTemp("", "civit-mount-probe")
	if err != nil {
		return false
	}
	defer os.Remove(dir)
	if exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).Run() != nil {
		return false
	}
	return exec.Command("umount", dir).Run() == nil
}

// cmdTinyfs mounts a tmpfs of SIZE (mount's spelling: 1m, 512k) on DIR,
// read-only with ro, unmounted when the script ends: tinyfs DIR SIZE [ro]
func cmdTinyfs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 || (len(args) == 3 && args[2] != "ro") {
		ts.Fatalf("usage: tinyfs DIR SIZE [ro]")
	}
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o755))
	opts := "size=" + args[1]
	if len(args) == 3 {
		opts += ",ro"
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		ts.Fatalf("mount %s: %v: %s", dir, err, out)
	}
	ts.Defer(func() { unmount(dir) })
}

// bindReadOnly mounts dir read-only on itself, unmounted when the script
// ends: root writes files whatever their modes, but not on a read-only
// mount.
func bindReadOnly(ts *testscript.TestScript, dir string) {
	for _, args := range [][]string{{"--bind", dir, dir}, {"-o", "remount,bind,ro", dir}} {
		if out, err := exec.Command("mount", args...).CombinedOutput(); err != nil {
			ts.Fatalf("mount %v: %v: %s", args, err, out)
		}
		if args[0] == "--bind" {
			ts.Defer(func() { unmount(dir) })
		}
	}
}

// unmount unmounts dir. A process forked meanwhile by another test may
// hold the mount busy for a moment: retry, then detach lazily.
func unmount(dir string) {
	for range 50 {
		if exec.Command("umount", dir).Run() == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = exec.Command("umount", "-l", dir).Run()
}
