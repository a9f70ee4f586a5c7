package cmdutil

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// TextReader returns r as UTF-8 text without a byte order mark: lists
// saved by Notepad (UTF-8 with a mark) or by PowerShell 5's `>` (UTF-16
// with a mark) read like any other. Without a mark r is taken as UTF-8,
// unless its first character is ASCII with a zero byte beside it: UTF-16
// without a mark (text never holds a zero byte). UTF-16 of an odd number
// of bytes is an error: it was cut short, and its last character lost
// could change an id.
func TextReader(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	head, _ := br.Peek(8)
	utf16Without := utf16WithoutMark(head)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
		return br
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}), utf16Without:
		le := head[0] == 0xFF || utf16Without && head[1] == 0 && head[0] != 0xFE
		b, err := io.ReadAll(br)
		if err != nil {
			return errReader{err}
		}
		if !utf16Without {
			b = b[2:]
		}
		if len(b)%2 != 0 {
			return errReader{errors.New("the text is UTF-16 but ends in half a character: it was cut short; save it again")}
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			if le {
				u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
			} else {
				u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
			}
		}
		return bytes.NewReader([]byte(string(utf16.Decode(u))))
	}
	return br
}

// utf16WithoutMark reports whether head, the first bytes of a text, is
// UTF-16 without a byte order mark: two characters at least, every one of
// them ASCII with its zero byte on the same side (text never holds a zero
// byte otherwise).
func utf16WithoutMark(head []byte) bool {
	if len(head) < 4 {
		return false
	}
	le, be := true, true
	for i := 0; i+1 < len(head); i += 2 {
		a, b := head[i], head[i+1]
		le = le && a != 0 && a < 0x80 && b == 0
		be = be && a == 0 && b != 0 && b < 0x80
	}
	return le || be
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// LineScanner scans the lines of TextReader(r), lines up to 1 MiB long.
func LineScanner(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(TextReader(r))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	return sc
}

// Quote puts s in double quotes for a message. Unlike %q it leaves
// backslashes alone, so a Windows path reads as the user typed it
// ("C:\models\x", not "C:\\models\\x"); only a string with a quote or a
// control character in it is escaped as Go would.
func Quote(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return r == '"' || unicode.IsControl(r) || r == utf8.RuneError }) {
		return strconv.Quote(s)
	}
	return `"` + s + `"`
}

// Retrying is the text of a warning that a request failed with err and is
// tried again after wait (attempt counts the failures so far): "GET ...:
// 503 Server busy, please retry shortly; retrying in 2s (attempt 2)". A
// server message's final period is dropped so that it reads as one line.
func Retrying(err error, attempt int, wait time.Duration) string {
	return fmt.Sprintf("%s; retrying in %s (attempt %d)", strings.TrimSuffix(err.Error(), "."), wait.Round(100*time.Millisecond), attempt+1)
}

// DownloadLimitWait is the text of a warning that CivitAI's download
// limiter refused a download and every download waits (again: once more,
// after a wait): "CivitAI's download limit reached; waiting 60 s before
// asking again (Ctrl-C stops; run the same command later to go on)".
func DownloadLimitWait(wait time.Duration, again bool) string {
	what := "reached"
	if again {
		what = "still reached"
	}
	d := wait.Round(time.Millisecond).String()
	if wait >= time.Second {
		d = fmt.Sprintf("%d s", int64(wait.Round(time.Second)/time.Second))
	}
	return fmt.Sprintf("CivitAI's download limit %s; waiting %s before asking again (Ctrl-C stops; run the same command later to go on)", what, d)
}

// SlowAnswer is the note when the API has not answered for waited: CivitAI
// often takes that long, and a command silent meanwhile looks hung.
func SlowAnswer(host string, waited time.Duration) string {
	d := waited.Round(time.Millisecond).String()
	if waited >= time.Second {
		d = fmt.Sprintf("%d s", int64(waited.Round(time.Second)/time.Second))
	}
	return fmt.Sprintf("%s has not answered for %s; still waiting (it is often slow; Ctrl-C stops)", host, d)
}
