package download

import (
	"cmp"
	"crypto/sha256"
	"encoding"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// FuzzReadControl feeds arbitrary bytes to the control file reader. A
// control file that validates must describe a plan the engine can follow:
// done ranges inside the file, sorted, never overlapping or touching, a
// hash state that restores, and a scheduler whose pieces are exactly the
// bytes not yet done. It must also survive writeControl unchanged.
func FuzzReadControl(f *testing.F) {
	h := sha256.New()
	h.Write([]byte("hello"))
	state, _ := h.(encoding.BinaryMarshaler).MarshalBinary()
	for _, c := range []control{
		{Version: controlVersion, Identity: "mv:1/f:2", Size: 100, ETag: `"x"`, Done: [][2]int64{{0, 10}, {20, 30}}, SHA256State: state, SHA256Offset: 5},
		{Version: controlVersion, Identity: "mv:1", Size: 1 << 40, LastModified: "Wed, 01 Jul 2026 00:00:00 GMT", Done: [][2]int64{{1 << 39, 1 << 40}}},
		{Version: controlVersion, Size: 1, Done: [][2]int64{}},
	} {
		b, _ := json.Marshal(c)
		f.Add(b)
	}
	for _, s := range []string{
		`{"version":1,"size":10,"done":[[0,10]],"sha256_offset":10}`,
		`{"version":1,"size":10,"done":[[0,5],[5,10]]}`,
		`{"version":1,"size":10,"done":[[-5,3]]}`,
		`{"version":1,"size":9223372036854775807,"done":[[0,9223372036854775807]]}`,
		`{"version":1,"size":10,"done":null,"saved":"2026-07-01T00:00:00+02:00"}`,
		`{"version":1,"size":10,"done":[[0,5,7]]}`,
		`[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "f.part.civit")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := readControl(path)
		if err != nil {
			return
		}
		if c == nil {
			t.Fatal("readControl of an existing file returned nil, nil")
		}
		if c.validate() != nil {
			return
		}
		checkControl(t, c)

		if err := writeControl(path, c); err != nil {
			t.Fatal(err)
		}
		again, err := readControl(path)
		if err != nil {
			t.Fatalf("reading back what writeControl wrote: %v", err)
		}
		if err := again.validate(); err != nil {
			t.Fatalf("round trip no longer validates: %v", err)
		}
		if !again.Saved.Equal(c.Saved) {
			t.Fatalf("round trip changed saved time %v to %v", c.Saved, again.Saved)
		}
		again.Saved, c.Saved = time.Time{}, time.Time{}
		if fmt.Sprintf("%#v", again) != fmt.Sprintf("%#v", c) {
			t.Fatalf("round trip changed the control file:\n%#v\n%#v", c, again)
		}
	})
}

func checkControl(t *testing.T, c *control) {
	t.Helper()
	if c.Size <= 0 {
		t.Fatalf("valid control file with size %d", c.Size)
	}
	var prev int64 = -1
	for _, d := range c.Done {
		if d[0] < 0 || d[1] > c.Size || d[0] >= d[1] {
			t.Fatalf("done range [%d,%d) outside [0,%d) or empty", d[0], d[1], c.Size)
		}
		if d[0] <= prev {
			t.Fatalf("done range [%d,%d) overlaps or touches the one before (ending %d)", d[0], d[1], prev)
		}
		prev = d[1]
	}
	if n := c.doneBytes(); n < 0 || n > c.Size {
		t.Fatalf("done bytes %d outside [0,%d]", n, c.Size)
	}
	if c.SHA256Offset < 0 || c.SHA256Offset > prefixEnd(c.doneSpans()) {
		t.Fatalf("hash offset %d outside the done prefix", c.SHA256Offset)
	}
	if c.SHA256Offset > 0 {
		if _, err := restoreSHA256(c.SHA256State); err != nil {
			t.Fatalf("hash state does not restore: %v", err)
		}
		if n := sha256StateLen(c.SHA256State); n != c.SHA256Offset {
			t.Fatalf("hash state has hashed %d bytes, the control file says %d", n, c.SHA256Offset)
		}
	}

	// The plan covers exactly the bytes not done, in disjoint pieces.
	for _, conns := range []int{1, 4} {
		if conns > 1 && c.Size-c.doneBytes() > 256*maxPiece {
			continue // too many pieces to enumerate
		}
		s := newPlan(c.Size, conns, 1<<20, c.doneSpans())
		var segs []span
		for seg := s.nextPending(); seg != nil; seg = s.nextPending() {
			segs = append(segs, span{seg.start, seg.end})
		}
		all := append(slices.Clone(c.doneSpans()), segs...)
		slices.SortFunc(all, func(a, b span) int { return cmp.Compare(a.start, b.start) })
		var at int64
		for _, x := range all {
			if x.start != at || x.end <= x.start {
				t.Fatalf("conns %d: done %v and pieces %v do not tile [0,%d)", conns, c.Done, segs, c.Size)
			}
			at = x.end
		}
		if at != c.Size {
			t.Fatalf("conns %d: done %v and pieces %v end at %d, not %d", conns, c.Done, segs, at, c.Size)
		}
	}
}

// FuzzParseContentRange checks that an accepted Content-Range is a
// non-empty range inside its total and prints back to itself.
func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-99/100", "bytes 100-199/*", " bytes 5-5/6 ", "bytes 0-99/99", "bytes */100",
		"bytes 1-0/5", "bytes -1-3/5", "bytes 0-9223372036854775806/9223372036854775807", "bits 0-1/2", "bytes 0-1/2/3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		first, last, total, ok := parseContentRange(v)
		if !ok {
			if first != 0 || last != 0 || total != 0 {
				t.Fatalf("%q: not ok but %d-%d/%d", v, first, last, total)
			}
			return
		}
		if first < 0 || last < first || (total != -1 && total <= last) {
			t.Fatalf("%q: accepted %d-%d/%d", v, first, last, total)
		}
		tot := "*"
		if total >= 0 {
			tot = fmt.Sprint(total)
		}
		s := fmt.Sprintf("bytes %d-%d/%s", first, last, tot)
		f2, l2, t2, ok := parseContentRange(s)
		if !ok || f2 != first || l2 != last || t2 != total {
			t.Fatalf("%q -> %q -> %d-%d/%d %v", v, s, f2, l2, t2, ok)
		}
	})
}

// FuzzErrorBody checks that what an error answer from file storage adds to
// an error message is one line of valid UTF-8 of bounded length, without
// control characters (no escape sequence reaches the terminal).
func FuzzErrorBody(f *testing.F) {
	for _, s := range []string{
		`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>`,
		`<Error><Code>NoSuchKey</Code><Message>Not Found</Message></Error>`,
		`<html><head><title>civitai.com | 522: Connection timed out</title></head></html>`,
		`<Code>a&#10;b&amp;c</Code><Message>x</Message>`,
		`{"error":"x"}`, "\xff\xfe\x00", "<Error><Code>\x1b[2JGone</Code></Error>", "<title>&#27;]0;pwned&#7;</title>", "<title><b>x</b></title>", strings.Repeat("é ", 300),
		"<HTML><body><script>x</script><h1>&#27;[2J Down</h1><!-- c", "<!doctype html><p>a<b",
	} {
		f.Add([]byte(s), 403)
	}
	f.Fuzz(func(t *testing.T, b []byte, status int) {
		got := errorBody(b, status)
		if !utf8.ValidString(got) {
			t.Fatalf("%q: invalid UTF-8 %q", b, got)
		}
		if strings.ContainsFunc(got, unicode.IsControl) {
			t.Fatalf("%q: control characters (more than one line, or escape sequences): %q", b, got)
		}
		if n := utf8.RuneCountInString(got); n > 2*203+2 {
			t.Fatalf("%q: %d runes", b, n)
		}
	})
}
