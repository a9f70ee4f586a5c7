package download

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/windows"
)

// fileTooBigErrno is the system's refusal of a file too big for the file
// system (see isFileTooBig).
const fileTooBigErrno = windows.ERROR_FILE_TOO_LARGE

// TestWindowsDiskFullErrors: a full NTFS volume answers ERROR_DISK_FULL
// (or a quota error), not ENOSPC; they are disk-full errors too, with the
// hint that goes with them, not an unexplained write failure.
func TestWindowsDiskFullErrors(t *testing.T) {
	t.Parallel()
	for _, errno := range []windows.Errno{windows.ERROR_DISK_FULL, windows.ERROR_HANDLE_DISK_FULL, windows.ERROR_DISK_QUOTA_EXCEEDED} {
		err := fmt.Errorf("write: %w", &os.PathError{Op: "write", Path: "m.part", Err: errno})
		var df *DiskFullError
		if werr := (&job{part: "m.part"}).writeErr(err, 1); !errors.As(werr, &df) || !IsPermanent(werr) {
			t.Errorf("%v: writeErr = %v, want a permanent *DiskFullError", errno, werr)
		}
	}
}

// TestPreallocateSparse: the .part gets its size (sparse where the file
// system allows, see preallocate) and finishAllocation leaves it whole.
func TestPreallocateSparse(t *testing.T) {
	t.Parallel()
	f, err := openPartFile(filepath.Join(t.TempDir(), "m.part"), true)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const size = 64 << 20
	var book spaceBook
	var written atomic.Int64
	claim := func(vol string, have int64, free func() (uint64, bool)) error {
		_, err := book.claim(vol, f.Name(), size, have, &written, free)
		return err
	}
	if err := preallocate(f, size, claim); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("tail"), size-4); err != nil {
		t.Fatal(err)
	}
	finishAllocation(f)
	// A whole file is no longer sparse: a resume of it books nothing.
	if err := claimResumed(f, size, func(string, int64, func() (uint64, bool)) error {
		t.Error("claimResumed booked a file that is not sparse")
		return nil
	}); err != nil {
		t.Error(err)
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != size {
		t.Fatalf("size %v, %v; want %d", fi.Size(), err, size)
	}
	buf := make([]byte, 4)
	if _, err := f.ReadAt(buf, size-4); err != nil || string(buf) != "tail" {
		t.Errorf("read %q, %v", buf, err)
	}
}
