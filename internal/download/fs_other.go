//go:build !unix && !windows

package download

import "os"

// lockFile is a no-op where flock is unavailable.
func lockFile(*os.File) error { return nil }

// fsyncDir is a no-op where directories cannot be synced (Windows).
func fsyncDir(string) error { return nil }
