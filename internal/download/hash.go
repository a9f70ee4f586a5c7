package download

import (
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/zeebo/blake3"
)

// lane is one hash function fed with the file from byte 0 in order.
type lane struct {
	algo string // "sha256" or "blake3"
	h    hash.Hash
	off  int64 // bytes [0, off) have been hashed
}

// prefixHasher computes whole-file hashes while the file is being
// downloaded out of order, in its own goroutine (run), so hashing overlaps
// the network reads instead of stalling them.
//
// The connection that owns the bytes at the hashed prefix hands its filled
// buffer over (offer) and takes a fresh one from the pool: those bytes are
// hashed from memory. Bytes that other connections wrote ahead of the
// prefix are read back with ReadAt once the prefix reaches them. Because
// pieces are handed out in order, those bytes were written moments ago and
// come from the page cache, and the hash is complete shortly after the last
// byte arrives: there is no second pass over the file.
//
// The SHA-256 state is serializable (crypto/sha256 implements
// encoding.BinaryMarshaler), so a resumed download continues hashing where
// it stopped. github.com/zeebo/blake3 v0.2.4 exposes no way to save or
// restore a Hasher, so a resumed download re-hashes its verified bytes for
// BLAKE3 (read back from disk in the background while downloading).
type prefixHasher struct {
	mu    sync.Mutex // guards lanes against shaState/reset/sums
	lanes []*lane
	// gen counts resets (changed under mu): bytes read or handed over
	// before a reset are of the file as it was, and are dropped.
	gen   atomic.Int64
	r     io.ReaderAt
	sched *scheduler
	put   func(*[]byte) // returns handed-over buffers to the pool

	chunks   chan chunk   // buffers handed over by the prefix owner
	next     atomic.Int64 // where the next handed-over chunk is expected
	wake     chan struct{}
	finished chan struct{} // closed when every byte is written
	stopped  chan struct{} // closed when run returns
	buf      []byte
	readBack atomic.Int64 // bytes hashed from disk
	// off: no hash is wanted (Request.NoHash). The prefix is still
	// tracked so the rest of the engine works unchanged, but nothing is
	// hashed or read back.
	off bool
}

// chunk is a handed-over buffer holding the file bytes [pos, pos+n).
type chunk struct {
	pos int64
	n   int
	buf *[]byte
	gen int64 // prefixHasher.gen when handed over
}

// handOver is how many buffers may wait for the hasher per download.
const handOver = 4

func newPrefixHasher(r io.ReaderAt, sched *scheduler, buf []byte, put func(*[]byte), shaState []byte, shaOff int64, withBLAKE3, off bool) (*prefixHasher, error) {
	p := &prefixHasher{
		r: r, sched: sched, buf: buf, put: put, off: off,
		chunks:   make(chan chunk, handOver),
		wake:     make(chan struct{}, 1),
		finished: make(chan struct{}),
		stopped:  make(chan struct{}),
	}
	sh := sha256.New()
	if shaOff > 0 {
		var err error
		if sh, err = restoreSHA256(shaState); err != nil {
			return nil, err
		}
	}
	p.lanes = append(p.lanes, &lane{algo: "sha256", h: sh, off: shaOff})
	if withBLAKE3 {
		p.lanes = append(p.lanes, &lane{algo: "blake3", h: blake3.New()})
		shaOff = 0
	}
	p.next.Store(shaOff)
	return p, nil
}

func (p *prefixHasher) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// offer is called after n bytes at pos were written from *buf, before
// they are committed. If they continue the hashed prefix, the buffer is
// handed to the hasher and offer returns true: the caller must use another
// buffer. Otherwise the bytes are left to the read-back path.
func (p *prefixHasher) offer(ctx context.Context, pos int64, buf *[]byte, n int) bool {
	if p.off {
		// Nothing to hash: waking run for every buffer would only cost a
		// context switch each (measured: a third of --no-verify's CPU
		// above curl's); run moves the prefix once, at finish.
		return false
	}
	if pos != p.next.Load() {
		p.signal()
		return false
	}
	// The hash has to be computed anyway: when the hasher is behind, the
	// owner of the prefix waits (no lock held), which throttles its
	// connection to the hashing speed instead of desynchronizing.
	select {
	case p.chunks <- chunk{pos: pos, n: n, buf: buf, gen: p.gen.Load()}:
		p.next.Store(pos + int64(n))
		return true
	case <-ctx.Done():
	case <-p.stopped:
	}
	return false
}

// write feeds b (the file bytes at pos) to every lane it continues,
// unless the lanes were reset since generation gen.
func (p *prefixHasher) write(gen, pos int64, b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if gen != p.gen.Load() {
		return
	}
	end := pos + int64(len(b))
	for _, l := range p.lanes {
		if l.off >= pos && l.off < end {
			if !p.off {
				l.h.Write(b[l.off-pos:])
			}
			l.off = end
		}
	}
}

func (p *prefixHasher) minOff() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.lanes[0].off
	for _, l := range p.lanes[1:] {
		m = min(m, l.off)
	}
	return m
}

func (p *prefixHasher) take(c chunk) {
	p.write(c.gen, c.pos, (*c.buf)[:c.n])
	p.put(c.buf)
}

// run hashes handed-over buffers and reads back the rest. It returns when
// the lanes cover the whole file after finish was called, or when ctx is
// done.
func (p *prefixHasher) run(ctx context.Context) error {
	defer func() { // give back buffers nobody will hash
		close(p.stopped)
		for {
			select {
			case c := <-p.chunks:
				p.put(c.buf)
			default:
				return
			}
		}
	}()
	finished := false
	for {
		select {
		case c := <-p.chunks:
			p.take(c)
			continue
		default:
		}
		gen := p.gen.Load() // before m: a reset after this is noticed
		m := p.minOff()
		if w := p.sched.contiguousFrom(m); w > m && p.off {
			p.mu.Lock() // nothing to hash: move the prefix
			for _, l := range p.lanes {
				l.off = max(l.off, w)
			}
			p.mu.Unlock()
			p.next.Store(p.minOff())
			continue
		} else if w > m {
			n := min(w-m, int64(len(p.buf)))
			if _, err := p.r.ReadAt(p.buf[:n], m); err != nil {
				if p.gen.Load() != gen {
					// A restarted stream truncated the file under the
					// read: those bytes are gone, and not wanted.
					continue
				}
				return fmt.Errorf("read back for hashing: %w", err)
			}
			p.write(gen, m, p.buf[:n])
			p.readBack.Add(n)
			if err := ctx.Err(); err != nil {
				return err
			}
			// Hand-overs continue from the new prefix end.
			p.next.Store(p.minOff())
			continue
		}
		if finished {
			_, _, size := p.sched.stats()
			if m >= size {
				return nil
			}
			return fmt.Errorf("internal error: hash stuck at %d of %d bytes", m, size)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case c := <-p.chunks:
			p.take(c)
		case <-p.wake:
		case <-p.finished:
			finished = true
		}
	}
}

// finish tells run that no more bytes will be written.
func (p *prefixHasher) finish() { close(p.finished) }

// shaState returns the serialized SHA-256 state and its offset.
func (p *prefixHasher) shaState() ([]byte, int64) {
	if p.off {
		return nil, 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.lanes[0]
	b, err := l.h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return nil, 0
	}
	return b, l.off
}

// reset restarts every lane at byte 0. Bytes handed over or being read
// back before it are not hashed (see gen).
func (p *prefixHasher) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gen.Add(1)
	for _, l := range p.lanes {
		l.h.Reset()
		l.off = 0
	}
	p.next.Store(0)
}

// sums returns upper-case hex digests by algorithm.
func (p *prefixHasher) sums() map[string]string {
	if p.off {
		return map[string]string{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]string, len(p.lanes))
	for _, l := range p.lanes {
		out[l.algo] = strings.ToUpper(hex.EncodeToString(l.h.Sum(nil)))
	}
	return out
}

// hashFile computes the SHA-256 (and optionally BLAKE3) of path, stopping
// early when ctx is done.
func hashFile(ctx context.Context, path string, buf []byte, withBLAKE3 bool) (size int64, sha, b3 string, err error) {
	f, err := openRead(path)
	if err != nil {
		return 0, "", "", err
	}
	defer f.Close()
	sh := sha256.New()
	var bh *blake3.Hasher
	w := io.Writer(sh)
	if withBLAKE3 {
		bh = blake3.New()
		w = io.MultiWriter(sh, bh)
	}
	for {
		if err := ctx.Err(); err != nil {
			return 0, "", "", err
		}
		n, rerr := f.Read(buf)
		if n > 0 {
			w.Write(buf[:n])
			size += int64(n)
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return 0, "", "", rerr
		}
	}
	sha = strings.ToUpper(hex.EncodeToString(sh.Sum(nil)))
	if bh != nil {
		b3 = strings.ToUpper(hex.EncodeToString(bh.Sum(nil)))
	}
	return size, sha, b3, nil
}
