package civitaitest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/zeebo/blake3"
)

// File bodies are never stored: byte k of a file is a pure function of
// (seed, file id, generation, k). Each file has one pseudo-random 64 KiB
// block; block i of the body is that block with its first 8 bytes XORed with
// the little-endian i, so every block is distinct and any offset is
// addressable in O(1). SafeTensor files additionally start with a small valid
// safetensors header (8-byte length + JSON), which makes AutoV3 meaningful.

const blockSize = 64 << 10

// splitmix64 is the SplitMix64 finaliser, used to derive keys and fill blocks.
func splitmix64(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// contentKey derives the per-content key of a file body.
func contentKey(seed int64, fileID, gen int64) uint64 {
	k := splitmix64(uint64(seed) ^ 0x5EED5EED5EED5EED)
	k = splitmix64(k ^ uint64(fileID)*0x9E3779B97F4A7C15)
	return splitmix64(k ^ uint64(gen)*0xD1B54A32D192ED03)
}

// makeBlock fills a fresh 64 KiB block from key.
func makeBlock(key uint64) []byte {
	b := make([]byte, blockSize)
	s := key
	for i := 0; i < blockSize; i += 8 {
		s += 0x9E3779B97F4A7C15
		z := s
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		binary.LittleEndian.PutUint64(b[i:], z^(z>>31))
	}
	return b
}

// blockCache is a small direct-mapped cache of generated blocks so that
// repeated small reads of the same file do not regenerate its block, while
// memory stays bounded (cacheSlots * 64 KiB) whatever the catalog size.
type blockCache struct {
	mu    sync.Mutex
	slots [cacheSlots]struct {
		key uint64
		buf []byte
	}
}

const cacheSlots = 64

func (c *blockCache) get(key uint64) []byte {
	i := key % cacheSlots
	c.mu.Lock()
	s := c.slots[i]
	c.mu.Unlock()
	if s.buf != nil && s.key == key {
		return s.buf
	}
	b := makeBlock(key)
	c.mu.Lock()
	c.slots[i].key, c.slots[i].buf = key, b
	c.mu.Unlock()
	return b
}

// content is an immutable view of one generation of a file body.
type content struct {
	block  []byte // shared, read-only
	header []byte // safetensors header overlay at offset 0 (may be nil)
	size   int64
}

// safetensorsHeader returns the 8-byte little-endian length followed by a
// JSON header (padded with spaces to a multiple of 8, as the format allows).
func safetensorsHeader(fileID int64) []byte {
	js := fmt.Sprintf(`{"__metadata__":{"format":"pt","civitai_fake_file_id":"%d"}}`, fileID)
	if pad := len(js) % 8; pad != 0 {
		js += strings.Repeat(" ", 8-pad)
	}
	h := make([]byte, 8+len(js))
	binary.LittleEndian.PutUint64(h, uint64(len(js)))
	copy(h[8:], js)
	return h
}

// ReadAt implements io.ReaderAt over the generated body.
func (c *content) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("civitaitest: negative offset %d", off)
	}
	if off >= c.size {
		return 0, io.EOF
	}
	n := len(p)
	short := false
	if int64(n) > c.size-off {
		n = int(c.size - off)
		short = true
	}
	c.fill(p[:n], off)
	if short {
		return n, io.EOF
	}
	return n, nil
}

// fill writes body bytes [off, off+len(p)) into p; the range must be valid.
func (c *content) fill(p []byte, off int64) {
	done := 0
	for done < len(p) {
		pos := off + int64(done)
		bi := pos / blockSize
		bo := int(pos % blockSize)
		n := copy(p[done:], c.block[bo:])
		// XOR the first 8 bytes of block bi with little-endian bi.
		if bo < 8 && bi != 0 {
			for j := bo; j < 8 && j-bo < n; j++ {
				p[done+j-bo] ^= byte(uint64(bi) >> (8 * j))
			}
		}
		done += n
	}
	if len(c.header) > 0 && off < int64(len(c.header)) {
		copy(p, c.header[off:])
	}
}

// writeRange writes body bytes [off, off+n) to w.
func (c *content) writeRange(w io.Writer, off, n int64) (int64, error) {
	if off < 0 || n < 0 || off+n > c.size {
		return 0, fmt.Errorf("civitaitest: range %d+%d outside body of %d bytes", off, n, c.size)
	}
	buf := make([]byte, min(n, blockSize))
	var written int64
	for written < n {
		k := min(int64(len(buf)), n-written)
		c.fill(buf[:k], off+written)
		m, err := w.Write(buf[:k])
		written += int64(m)
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

// FileHashes holds the hashes CivitAI publishes for a file (§3 File.hashes),
// all upper-case hex. AutoV3 is empty for non-safetensors bodies.
type FileHashes struct {
	AutoV1 string // sha256 of 64 KiB at offset 1 MiB, first 8 hex (A1111 legacy model hash)
	AutoV2 string // first 10 hex of SHA256
	AutoV3 string // sha256 of the safetensors data (after the header), first 12 hex
	SHA256 string
	CRC32  string // IEEE
	BLAKE3 string
}

// get returns the hash of the given kind ("SHA256", "AutoV2", ...).
func (h FileHashes) get(kind string) string {
	switch kind {
	case "AutoV1":
		return h.AutoV1
	case "AutoV2":
		return h.AutoV2
	case "AutoV3":
		return h.AutoV3
	case "SHA256":
		return h.SHA256
	case "CRC32":
		return h.CRC32
	case "BLAKE3":
		return h.BLAKE3
	}
	return ""
}

// hashKinds is the order the real server renders hashes in (samples).
var hashKinds = []string{"AutoV1", "AutoV2", "SHA256", "CRC32", "BLAKE3", "AutoV3"}

// computeHashes reads the whole body once and returns all its hashes.
// Big bodies are hashed in rounds of 4 MiB where the hash functions run in
// parallel, which roughly doubles the speed on two cores.
func computeHashes(c *content) FileHashes {
	chunk := int64(1 << 20)
	parallel := c.size >= 8<<20 && runtime.GOMAXPROCS(0) > 1
	if parallel {
		chunk = 4 << 20
	}
	shaFull := sha256.New()
	crc := crc32.NewIEEE()
	b3 := blake3.New()
	var v3 hash.Hash
	v3Start := int64(-1)
	if len(c.header) > 0 {
		v3 = sha256.New()
		v3Start = int64(len(c.header))
	}
	buf := make([]byte, min(c.size, chunk))
	for off := int64(0); off < c.size; {
		n := min(int64(len(buf)), c.size-off)
		p := buf[:n]
		c.fill(p, off)
		var tail []byte
		if v3 != nil && off+n > v3Start {
			tail = p[max(v3Start-off, 0):]
		}
		jobs := []func(){
			func() { shaFull.Write(p) },
			func() { crc.Write(p); _, _ = b3.Write(p) },
		}
		if tail != nil {
			jobs = append(jobs, func() { v3.Write(tail) })
		}
		if parallel {
			var wg sync.WaitGroup
			for _, j := range jobs {
				wg.Add(1)
				go func() { defer wg.Done(); j() }()
			}
			wg.Wait()
		} else {
			for _, j := range jobs {
				j()
			}
		}
		off += n
	}
	var h FileHashes
	h.SHA256 = strings.ToUpper(hex.EncodeToString(shaFull.Sum(nil)))
	h.AutoV2 = h.SHA256[:10]
	h.CRC32 = fmt.Sprintf("%08X", crc.Sum32())
	h.BLAKE3 = strings.ToUpper(hex.EncodeToString(b3.Sum(nil)))
	if v3 != nil {
		h.AutoV3 = strings.ToUpper(hex.EncodeToString(v3.Sum(nil)))[:12]
	}
	// AutoV1: A1111's legacy model_hash reads 0x10000 bytes at 0x100000.
	v1 := sha256.New()
	if c.size > 0x100000 {
		n := min(c.size-0x100000, 0x10000)
		p := make([]byte, n)
		c.fill(p, 0x100000)
		v1.Write(p)
	}
	h.AutoV1 = strings.ToUpper(hex.EncodeToString(v1.Sum(nil)))[:8]
	return h
}
