//go:build linux || openbsd || darwin || freebsd || netbsd

package library

import (
	"io/fs"
	"syscall"
	"time"
)

// ChangeTime is the time fi's inode last changed (ctime): set by the
// kernel on every write, rename, link or attribute change, and by nothing
// a user runs (cp -p, rsync -a and touch set the mtime, not it). Zero when
// unknown.
func ChangeTime(fi fs.FileInfo) time.Time {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ts := ctimeOf(st)
		return time.Unix(ts.Unix())
	}
	return time.Time{}
}
