//go:build !unix

package stale

import (
	"os"
	"time"
)

// lastChange is when the file last changed: its modification time (no
// change time here; a hard link being hashed is open, and Windows
// refuses to remove it).
func lastChange(_ string, fi os.FileInfo) time.Time { return fi.ModTime() }
