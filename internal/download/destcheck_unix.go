//go:build unix

package download

import (
	"io/fs"

	"golang.org/x/sys/unix"
)

func volumeOf(dir string) Volume {
	v := Volume{Dir: dir}
	var st unix.Stat_t
	var sf unix.Statfs_t
	if unix.Stat(dir, &st) == nil && unix.Statfs(dir, &sf) == nil {
		v.ID, v.Free, v.Known = uint64(st.Dev), uint64(sf.Bavail)*uint64(sf.Bsize), true
	}
	return v
}

// writable asks the kernel (access(2)) whether this user may create files
// in dir: it knows the permission bits, ACLs and read-only mounts.
func writable(dir string) error {
	if err := unix.Access(dir, unix.W_OK|unix.X_OK); err != nil {
		return &fs.PathError{Op: "create files in", Path: dir, Err: err}
	}
	return nil
}
