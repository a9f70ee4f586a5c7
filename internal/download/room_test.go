package download

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestRoomFor: a volume reporting less free space than the file needs
// fails up front with the system's disk-full error, which the engine turns
// into a *DiskFullError; enough or unknown free space goes on.
func TestRoomFor(t *testing.T) {
	t.Parallel()
	free := func(n uint64, ok bool) func(string) (uint64, bool) {
		return func(string) (uint64, bool) { return n, ok }
	}
	if err := roomFor("m.part", 100, free(100, true)); err != nil {
		t.Errorf("exactly enough: %v", err)
	}
	if err := roomFor("m.part", 100, free(0, false)); err != nil {
		t.Errorf("unknown: %v", err)
	}
	err := roomFor("m.part", 100, free(99, true))
	if !isDiskFull(err) || !IsPermanent(err) {
		t.Fatalf("err = %v, want a permanent disk-full error", err)
	}
	j := &job{part: "m.part"}
	var df *DiskFullError
	if werr := j.writeErr(err, 100); !errors.As(werr, &df) || df.Need != 100 {
		t.Errorf("writeErr = %v, want a *DiskFullError needing 100 B", werr)
	}
}

// TestFileTooBig: a file system that cannot hold the file (EFBIG from a
// FAT32 drive) is a permanent *FileTooBigError with a hint naming the cause.
func TestFileTooBig(t *testing.T) {
	t.Parallel()
	err := (&job{part: "m.part"}).writeErr(&os.PathError{Op: "fallocate", Path: "m.part", Err: fileTooBigErrno}, 6<<30)
	var tb *FileTooBigError
	if !errors.As(err, &tb) || !IsPermanent(err) || !strings.Contains(tb.Hint(), "FAT32") || !strings.Contains(err.Error(), "6.0 GiB") {
		t.Fatalf("err = %v (%T), want a permanent *FileTooBigError for 6.0 GiB", err, err)
	}
}
