package download

import (
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// controlVersion is bumped whenever the meaning of a control file changes;
// a control file of another version is discarded (the download restarts).
const controlVersion = 1

// control is the resume state saved next to the partial file as
// Dest+".part.civit". It is small JSON, written atomically (temporary file,
// fsync, rename) and only after the .part has been fsynced, so every byte it
// claims is durable.
//
// aria2's .aria2 control file and hf's .incomplete files are the models.
// A library could not be used here: none of the Go download libraries keeps
// a segment map plus a streaming hash state that survives a crash.
type control struct {
	Version  int    `json:"version"`
	Identity string `json:"identity"`
	Size     int64  `json:"size"`
	// The validator of the remote object, used for If-Range and compared on
	// every response. The URL is deliberately not stored: signed URLs expire
	// and change, the object does not.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// Done lists the byte ranges [start, end) that are on disk, sorted and
	// disjoint.
	Done [][2]int64 `json:"done"`
	// SHA256State is the crypto/sha256 digest's MarshalBinary state after
	// hashing [0, SHA256Offset); those bytes are always inside Done.
	SHA256State  []byte `json:"sha256_state,omitempty"`
	SHA256Offset int64  `json:"sha256_offset"`
	// SpotCheck is spotDigest of [0, SHA256Offset) when it was saved;
	// empty in control files written before it existed (not checked).
	SpotCheck string    `json:"spot_check,omitempty"`
	Saved     time.Time `json:"saved"`
}

func (c *control) doneSpans() []span {
	out := make([]span, 0, len(c.Done))
	for _, d := range c.Done {
		out = append(out, span{d[0], d[1]})
	}
	return out
}

func (c *control) doneBytes() int64 {
	var n int64
	for _, d := range c.Done {
		n += d[1] - d[0]
	}
	return n
}

// validate checks internal consistency; the caller checks identity, size
// and the .part file.
func (c *control) validate() error {
	if c.Version != controlVersion {
		return fmt.Errorf("control file version %d, want %d", c.Version, controlVersion)
	}
	if c.Size <= 0 {
		return errors.New("control file without size")
	}
	var prev int64
	for i, d := range c.Done {
		if d[0] < prev || d[1] <= d[0] || d[1] > c.Size || (i > 0 && d[0] <= prev) {
			return fmt.Errorf("control file has a bad range [%d,%d)", d[0], d[1])
		}
		prev = d[1]
	}
	if c.SHA256Offset < 0 || c.SHA256Offset > prefixEnd(c.doneSpans()) {
		return fmt.Errorf("control file hash offset %d beyond the done prefix", c.SHA256Offset)
	}
	if c.SHA256Offset > 0 {
		if _, err := restoreSHA256(c.SHA256State); err != nil {
			return err
		}
		// A state of another length would resume the hash at the wrong
		// byte and fail the whole download at the end.
		if n := sha256StateLen(c.SHA256State); n != c.SHA256Offset {
			return fmt.Errorf("control file hash state covers %d bytes, not %d", n, c.SHA256Offset)
		}
	}
	return nil
}

// sha256StateLen returns how many bytes a crypto/sha256 MarshalBinary state
// has hashed: the state ends with that count, big-endian (a format Go keeps
// stable so that saved states stay readable).
func sha256StateLen(state []byte) int64 {
	if len(state) < 8 {
		return -1
	}
	return int64(binary.BigEndian.Uint64(state[len(state)-8:]))
}

// prefixEnd returns the end of the range starting at 0, or 0.
func prefixEnd(done []span) int64 {
	if len(done) == 0 || done[0].start != 0 {
		return 0
	}
	return done[0].end
}

func restoreSHA256(state []byte) (hash.Hash, error) {
	h := sha256.New()
	u, ok := h.(encoding.BinaryUnmarshaler)
	if !ok {
		return nil, errors.New("sha256 state cannot be restored")
	}
	if err := u.UnmarshalBinary(state); err != nil {
		return nil, fmt.Errorf("control file hash state: %w", err)
	}
	return h, nil
}

// readControl loads path. A missing file is (nil, nil).
func readControl(path string) (*control, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var c control
	if err := json.Unmarshal(b, &c); err != nil {
		// Not JSON (a disk that lost it, an editor): the parser's
		// "invalid character 'Ë'" would only echo the damage.
		return nil, fmt.Errorf("its control file %s is damaged", filepath.Base(path))
	}
	return &c, nil
}

// writeControl replaces path atomically: write a temporary file in the same
// directory, fsync it, rename it over path. A crash leaves either the old or
// the new version, never a torn one.
func writeControl(path string, c *control) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// removeControl deletes the control file and a leftover temporary.
func removeControl(path string) {
	os.Remove(path + ".tmp")
	os.Remove(path)
}

// spansToDone converts merged spans to the JSON form.
func spansToDone(s []span) [][2]int64 {
	out := make([][2]int64, 0, len(s))
	for _, x := range s {
		out = append(out, [2]int64{x.start, x.end})
	}
	return out
}

// partPaths returns the .part and control file paths for dest.
func partPaths(dest string) (part, ctl string) {
	part = dest + ".part"
	return part, part + ".civit"
}

// dirOf returns the directory of path ("." for a bare name).
func dirOf(path string) string { return filepath.Dir(path) }

// mergeSpans sorts and merges overlapping or adjacent spans.
func mergeSpans(in []span) []span {
	s := slices.Clone(in)
	slices.SortFunc(s, func(a, b span) int {
		switch {
		case a.start < b.start:
			return -1
		case a.start > b.start:
			return 1
		}
		return 0
	})
	out := s[:0]
	for _, x := range s {
		if x.end <= x.start {
			continue
		}
		if n := len(out); n > 0 && x.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, x.end)
			continue
		}
		out = append(out, x)
	}
	return out
}

// Partial reports what an interrupted download left for dest: the bytes
// already on disk and the file's size, when a control file for the same
// identity (Request.Identity) is there and consistent with its .part file.
// ok is false when a run would start from zero.
func Partial(dest, identity string) (done, size int64, ok bool) {
	part, ctl := partPaths(dest)
	c, err := readControl(ctl)
	if err != nil || c == nil || c.validate() != nil || (identity != "" && c.Identity != identity) {
		return 0, 0, false
	}
	if _, err := os.Stat(part); err != nil {
		return 0, 0, false
	}
	return c.doneBytes(), c.Size, true
}

// Unresumable says why a run for identity would discard, not resume, what
// an interrupted download left for dest, as the run says it when it
// starts over: its control file damaged or another file's, a partial file
// without one or one without its partial file, the two not matching. It
// is "" when nothing is left there, or when Partial can resume it as far
// as the files on disk tell (the server's answers may still make the run
// start over). A folder at the .part is not judged: it is in the way.
func Unresumable(dest, identity string) string {
	part, ctl := partPaths(dest)
	pi, perr := os.Stat(part)
	if perr == nil && !pi.Mode().IsRegular() {
		return ""
	}
	var c *control
	var err error
	if _, serr := os.Stat(ctl); serr == nil { // else nothing there (or no folder)
		c, err = readControl(ctl)
	}
	switch {
	case err != nil:
		return err.Error()
	case c == nil && perr == nil && pi.Size() > 0:
		return "partial file without control file"
	case c == nil:
		return ""
	}
	if err := c.validate(); err != nil {
		return err.Error()
	}
	switch {
	case identity != "" && c.Identity != identity:
		return fmt.Sprintf("control file is for %q, not %q", c.Identity, identity)
	case perr != nil:
		return "control file without its partial file"
	case pi.Size() != c.Size:
		return fmt.Sprintf("partial file has %d bytes, control file says %d", pi.Size(), c.Size)
	}
	return ""
}

// PartialNeed returns how many bytes of its volume's free space the
// interrupted download for dest has still to take when resumed (0 when
// there is none): nothing where its .part was allocated in full up front
// (fallocate), the bytes not allocated yet where it is sparse (tmpfs,
// file systems without fallocate, NTFS), as the engine books them when it
// resumes (claimResumed). Of a .part whose allocation is unknown, the
// bytes not written yet.
func PartialNeed(dest string) int64 {
	part, ctl := partPaths(dest)
	c, err := readControl(ctl)
	if err != nil || c == nil || c.validate() != nil {
		return 0
	}
	have, _ := allocatedBytes(part)
	return max(c.Size-max(have, c.doneBytes()), 0)
}

// DiscardPartial removes what an interrupted download left for dest (its
// .part and control file), unless another civit is downloading it now:
// for a file that got its final name another way (from the library), or
// found present. A folder named as the .part is not a download's: left.
func DiscardPartial(dest string) {
	part, ctl := partPaths(dest)
	if fi, err := os.Lstat(part); err == nil && !fi.Mode().IsRegular() || Busy(dest) {
		return
	}
	os.Remove(part)
	removeControl(ctl)
}

// Busy reports whether another process (another civit) is downloading to
// dest right now: it holds the lock on dest's .part. The lock is tried and
// let go at once.
func Busy(dest string) bool {
	part, _ := partPaths(dest)
	f, err := openPartFile(part, false)
	if err != nil {
		return false
	}
	defer f.Close()
	return errors.Is(lockFile(f), ErrBusy)
}
