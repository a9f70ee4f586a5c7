//go:build !linux && !openbsd && !darwin && !freebsd && !netbsd

package library

import (
	"io/fs"
	"time"
)

// ChangeTime is zero where civit does not read an inode change time
// (Windows): a sidecar is then judged by the model's mtime alone.
func ChangeTime(fs.FileInfo) time.Time { return time.Time{} }
