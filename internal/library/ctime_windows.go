package library

import (
	"io/fs"
	"syscall"
	"time"
)

// ChangeTime is, on Windows, when the file was created: a file copied in
// (Explorer, copy, robocopy) is new there, whatever last-write time it
// keeps, so a sidecar written before it does not describe it. (A file
// moved on one volume keeps its creation time: only the mtime tells then.)
// Zero when unknown.
func ChangeTime(fi fs.FileInfo) time.Time {
	if d, ok := fi.Sys().(*syscall.Win32FileAttributeData); ok {
		return time.Unix(0, d.CreationTime.Nanoseconds())
	}
	return time.Time{}
}
