package cmdutil

import (
	"bufio"
	"bytes"
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
// with a mark) read like any other. Without a mark r is taken as UTF-8.
func TextReader(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
		return br
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		le := head[0] == 0xFF
		b, err := io.ReadAll(br)
		if err != nil {
			return errReader{err}
		}
		b = b[2:]
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
