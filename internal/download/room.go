package download

import (
	"math"
	"os"
	"sync"
	"sync/atomic"
)

// spaceBook is, per volume, what the Downloader's running downloads into
// sparse files (tmpfs, file systems without fallocate, NTFS) have still
// to write. Such a file reserves nothing: each download used to check the
// free space on its own, so files started together all passed, all failed
// when the disk filled, and left it full of useless partial files (a
// 30 MiB tmpfs, files of 21 + 16 + 17 MiB). With the book the first one
// that fits takes the space and the others are refused before they
// start, as fallocate does on ext4. Other processes are not counted.
type spaceBook struct {
	mu    sync.Mutex
	holds map[*spaceHold]struct{}
}

// claimFunc is how preallocate asks for room before it makes a sparse
// file: vol names the file's volume, free reads its free space (ok = false
// when unknown). It fails with the system's disk-full error.
type claimFunc func(vol string, free func() (uint64, bool)) error

// spaceHold is one download's claim: size bytes on vol, of which written
// are already on disk (and so already missing from the free space).
type spaceHold struct {
	book    *spaceBook
	vol     string
	size    int64
	written *atomic.Int64
}

// owed is what the hold's download has still to write.
func (h *spaceHold) owed() int64 { return min(max(h.size-h.written.Load(), 0), h.size) }

// claim records a download of size bytes into path on volume vol when the
// volume's free space (free; ok = false when unknown) less what the other
// holds on vol still owe leaves room for it; otherwise it fails with the
// system's disk-full error. written counts the download's bytes on disk.
func (b *spaceBook) claim(vol, path string, size int64, written *atomic.Int64, free func() (uint64, bool)) (*spaceHold, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	// What the others owe is summed before the free space is read: bytes
	// they write in between then count twice, never not at all.
	var owed int64
	for h := range b.holds {
		if h.vol == vol {
			owed += h.owed()
		}
	}
	if n, ok := free(); ok && n < math.MaxInt64 && int64(n)-owed < size {
		return nil, &os.PathError{Op: "preallocate", Path: path, Err: noRoomErrno}
	}
	h := &spaceHold{book: b, vol: vol, size: size, written: written}
	if b.holds == nil {
		b.holds = make(map[*spaceHold]struct{})
	}
	b.holds[h] = struct{}{}
	return h, nil
}

// release ends the hold (nil: no-op): the download is over, and what it
// wrote and kept shows in the free space.
func (h *spaceHold) release() {
	if h == nil {
		return
	}
	h.book.mu.Lock()
	defer h.book.mu.Unlock()
	delete(h.book.holds, h)
}
