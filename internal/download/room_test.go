package download

import (
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRoomFor: a volume reporting less free space than the file needs
// fails up front with the system's disk-full error, which the engine turns
// into a *DiskFullError; enough or unknown free space goes on.
func TestRoomFor(t *testing.T) {
	t.Parallel()
	free := func(n uint64, ok bool) func() (uint64, bool) {
		return func() (uint64, bool) { return n, ok }
	}
	var book spaceBook
	var written atomic.Int64
	roomFor := func(size int64, free func() (uint64, bool)) error {
		h, err := book.claim("vol", "m.part", size, 0, &written, free)
		h.release()
		return err
	}
	if err := roomFor(100, free(100, true)); err != nil {
		t.Errorf("exactly enough: %v", err)
	}
	if err := roomFor(100, free(0, false)); err != nil {
		t.Errorf("unknown: %v", err)
	}
	err := roomFor(100, free(99, true))
	if !isDiskFull(err) || !IsPermanent(err) {
		t.Fatalf("err = %v, want a permanent disk-full error", err)
	}
	j := &job{part: "m.part"}
	var df *DiskFullError
	if werr := j.writeErr(err, 100); !errors.As(werr, &df) || df.Need != 100 {
		t.Errorf("writeErr = %v, want a *DiskFullError needing 100 B", werr)
	}
}

// TestRoomForRunningDownloads: the free space a sparse file is checked
// against leaves out what the other running downloads on the volume have
// still to write, and only theirs: three files started together on a
// 30 MiB tmpfs all passed, and all failed when it filled.
func TestRoomForRunningDownloads(t *testing.T) {
	t.Parallel()
	var book spaceBook
	disk := int64(30)
	free := func() (uint64, bool) { return uint64(disk), true }
	var wa, wb, wc atomic.Int64
	a, err := book.claim("vol", "a.part", 21, 0, &wa, free)
	if err != nil {
		t.Fatalf("first file, 21 of 30 free: %v", err)
	}
	if _, err := book.claim("vol", "b.part", 16, 0, &wb, free); !isDiskFull(err) {
		t.Fatalf("second file, 16 with 21 of 30 taken: %v, want a disk-full error", err)
	}
	if h, err := book.claim("other", "b.part", 16, 0, &wb, free); err != nil {
		t.Errorf("another volume: %v", err)
	} else {
		h.release()
	}
	// a writes 15 of its bytes: the free space shows them, a owes 6.
	wa.Store(15)
	disk -= 15
	if _, err := book.claim("vol", "b.part", 10, 0, &wb, free); !isDiskFull(err) {
		t.Errorf("10 with 15 free and 6 owed: %v, want a disk-full error", err)
	}
	c, err := book.claim("vol", "c.part", 9, 0, &wc, free)
	if err != nil {
		t.Fatalf("9 with 15 free and 6 owed: %v", err)
	}
	c.release()
	a.release()
	if _, err := book.claim("vol", "b.part", 15, 0, &wb, free); err != nil {
		t.Errorf("15 of 15 free once the others are over: %v", err)
	}
}

// TestRoomForResumedFile: a resumed sparse file owes only what it has not
// allocated yet, the larger of its allocated bytes (have) and the bytes
// its download counts as written, and its hold is checked and counted by
// that: it was not booked at all, so a file started beside it took the
// room it needed.
func TestRoomForResumedFile(t *testing.T) {
	t.Parallel()
	var book spaceBook
	disk := int64(14) // 30 on the volume, 16 of them taken by a's .part
	free := func() (uint64, bool) { return uint64(disk), true }
	var wa, wb atomic.Int64
	wa.Store(12) // the control file's: less than is on disk (16)
	a, err := book.claim("vol", "a.part", 19, 16, &wa, free)
	if err != nil {
		t.Fatalf("resume owing 3 with 14 free: %v", err)
	}
	if got := a.owed(); got != 3 {
		t.Errorf("resumed file owes %d, want 3 (19 - the 16 allocated)", got)
	}
	if _, err := book.claim("vol", "b.part", 12, 0, &wb, free); !isDiskFull(err) {
		t.Errorf("12 with 14 free and 3 owed: %v, want a disk-full error", err)
	}
	b, err := book.claim("vol", "b.part", 11, 0, &wb, free)
	if err != nil {
		t.Fatalf("11 with 14 free and 3 owed: %v", err)
	}
	b.release()
	wa.Store(18) // rewrote the bytes after the checkpoint, then 2 new ones
	disk -= 2
	if got := a.owed(); got != 1 {
		t.Errorf("after 18 written, owes %d, want 1", got)
	}
	a.release()
	wa.Store(12)
	if _, err := book.claim("vol", "a.part", 19, 16, &wa, func() (uint64, bool) { return 2, true }); !isDiskFull(err) {
		t.Errorf("resume owing 3 with 2 free: %v, want a disk-full error", err)
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
