//go:build unix

package stale

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// lastChange is when the file at p last changed: its modification time,
// or for a file with several links (a hard link civit made, whose
// modification time is its source's) the later of that and its change
// time, which making the link set.
func lastChange(p string, fi os.FileInfo) time.Time {
	t := fi.ModTime()
	var st unix.Stat_t
	if unix.Lstat(p, &st) == nil && uint64(st.Nlink) > 1 {
		if c := time.Unix(st.Ctim.Unix()); c.After(t) {
			t = c
		}
	}
	return t
}
