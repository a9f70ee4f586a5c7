package download

import "os"

// roomFor fails with the system's disk-full error when free (the free space
// of path's volume; ok = false when unknown) reports less than size bytes.
func roomFor(path string, size int64, free func(string) (uint64, bool)) error {
	n, ok := free(path)
	if !ok || n >= uint64(size) {
		return nil
	}
	return &os.PathError{Op: "preallocate", Path: path, Err: noRoomErrno}
}
