//go:build !unix && !windows

package download

import "os"

// lockFile is a no-op where flock is unavailable.
func lockFile(*os.File) error { return nil }

// fsyncDir is a no-op where directories cannot be synced (Windows).
func fsyncDir(string) error { return nil }

// allocatedBytes: unknown here; preallocate makes no reservation either,
// so a .part is taken for sparse.
func allocatedBytes(string) (int64, bool) { return 0, false }
