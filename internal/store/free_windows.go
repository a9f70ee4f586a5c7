package store

import (
	"path/filepath"

	"golang.org/x/sys/windows"
)

// freeBytes is the room left on the volume of dir for this user; ok is
// false when it cannot be told.
func freeBytes(dir string) (free uint64, ok bool) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return 0, false
	}
	p, err := windows.UTF16PtrFromString(abs)
	if err != nil {
		return 0, false
	}
	var total, totalFree uint64
	if windows.GetDiskFreeSpaceEx(p, &free, &total, &totalFree) != nil {
		return 0, false
	}
	return free, true
}
