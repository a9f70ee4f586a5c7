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

// claimFunc is how preallocate (a fresh file) and claimResumed (a
// resumed one) ask for room for a sparse file: vol names the file's
// volume, have is what the file already takes on it (0 when fresh), free
// reads the volume's free space (ok = false when unknown). It fails with
// the system's disk-full error.
type claimFunc func(vol string, have int64, free func() (uint64, bool)) error

// spaceHold is one download's claim: size bytes on vol, of which have were
// allocated when it was made and written are on disk now (both already
// missing from the free space).
type spaceHold struct {
	book    *spaceBook
	vol     string
	size    int64
	have    int64
	written *atomic.Int64
}

// owed is what the hold's download has still to allocate. Of a resumed
// file, the bytes allocated when it was claimed (have) and the bytes
// written (written: resumed + new) may overlap or not: the larger of the
// two is on disk for sure, so the hold never owes less than is left.
func (h *spaceHold) owed() int64 {
	return min(max(h.size-max(h.have, h.written.Load()), 0), h.size)
}

// claim records a download of size bytes into path on volume vol, of which
// have are allocated already, when the volume's free space (free; ok =
// false when unknown) less what the other holds on vol still owe leaves
// room for the rest; otherwise it fails with the system's disk-full error.
// written counts the download's bytes on disk (a resumed file's included).
func (b *spaceBook) claim(vol, path string, size, have int64, written *atomic.Int64, free func() (uint64, bool)) (*spaceHold, error) {
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
	h := &spaceHold{book: b, vol: vol, size: size, have: have, written: written}
	if n, ok := free(); ok && n < math.MaxInt64 && int64(n)-owed < h.owed() {
		return nil, &os.PathError{Op: "preallocate", Path: path, Err: noRoomErrno}
	}
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
