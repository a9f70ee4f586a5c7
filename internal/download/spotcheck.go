package download

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
)

// The saved SHA-256 state covers [0, SHA256Offset) of the .part, so a
// resume does not read those bytes again (a 20 GB prefix would cost a
// minute of disk and hashing). But the final hash then vouches for the
// bytes as they arrived, not as they are on disk: a prefix changed since
// (another tool writing into the .part, a file system that lost blocks)
// would get the final name. The spot check is the cheap middle: a digest
// of the first 64 KiB (the safetensors header) and of 4 KiB at each of
// fifteen places spread over the prefix, recorded with each checkpoint and
// compared on resume. It catches a replaced, truncated-and-regrown or
// zero-filled .part and an edited header; scattered single-byte rot can
// slip between the samples.
const (
	spotHead    = 64 << 10
	spotSamples = 15
	spotSize    = 4 << 10
)

// spotDigest returns the spot check's digest of r's first off bytes.
func spotDigest(r io.ReaderAt, off int64) (string, error) {
	h := sha256.New()
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(off))
	h.Write(n[:])
	buf := make([]byte, spotHead)
	read := func(pos, size int64) error {
		size = min(size, off-pos)
		if size <= 0 {
			return nil
		}
		if _, err := r.ReadAt(buf[:size], pos); err != nil {
			return err
		}
		h.Write(buf[:size])
		return nil
	}
	if err := read(0, spotHead); err != nil {
		return "", err
	}
	if off > spotHead {
		for i := int64(1); i <= spotSamples; i++ {
			// From just after the head to the last 4 KiB of the prefix.
			pos := spotHead + (off-spotHead-spotSize)*i/spotSamples
			if err := read(max(pos, spotHead), spotSize); err != nil {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}
