package download

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/civit/civit/internal/cmdutil"
)

// FuzzParseRate checks that an accepted --limit-rate is a usable speed
// (at least 1K, at most 1 PiB per second) and that its plain byte count
// parses back to itself.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"500K", "20M", "1.5G", "20MB/s", "20MiB", "4096", "1023", "0", "-1M", "NaN", "Inf", "1e300G",
		"0x1p10", " 2 k ", "1KiB/s", "1B", "1I", "1048576G", "1_000K", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			if r != 0 || !strings.Contains(err.Error(), "--limit-rate") {
				t.Fatalf("ParseRate(%q) = %d, %v", s, r, err)
			}
			return
		}
		if r < 1024 || r > 1<<50 {
			t.Fatalf("ParseRate(%q) = %d, outside [1K, 1P]", s, r)
		}
		if back, err := ParseRate(strconv.FormatInt(r, 10)); err != nil || back != r {
			t.Fatalf("ParseRate(%q) = %d, but ParseRate(%d) = %d, %v", s, r, r, back, err)
		}
		if r%1024 == 0 {
			if back, err := ParseRate(fmt.Sprintf("%dK", r/1024)); err != nil || back != r {
				t.Fatalf("ParseRate(%q) = %d, but ParseRate(%dK) = %d, %v", s, r, r/1024, back, err)
			}
		}
	})
}

// FuzzReadTargets checks the -i FILE reader: every target it returns is
// one trimmed, non-empty field with no comment left in it (a lone CR
// inside a line is kept: target.Parse refuses it by name), positions count
// up, and a UTF-8 byte order mark (Notepad, PowerShell) changes nothing.
func FuzzReadTargets(f *testing.F) {
	for _, s := range []string{
		"# comment\n\n 101 \nhttps://civitai.com/models/5 # trailing note\n4201\tRealistic Vision\tCheckpoint\tSD 1.5\t1.2M\t2 days ago\n",
		"101\r\n102\r\n", "urn:air:sdxl:lora:civitai:1@2", "\t\t\n#\n #x\n", "a #b #c\n\x00\n", "\xef\xbb\xbf101\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		lines, err := readTargets("-", strings.NewReader(in))
		if err != nil {
			return // a line longer than the scanner's buffer
		}
		text, _ := io.ReadAll(cmdutil.TextReader(strings.NewReader(in))) // UTF-16 decoded
		last := 0
		for _, l := range lines {
			if l.text == "" || l.text != strings.TrimSpace(l.text) || strings.ContainsAny(l.text, "\t\n") ||
				strings.HasPrefix(l.text, "#") || strings.Contains(l.text, " #") {
				t.Fatalf("%q: target %q at %s", in, l.text, l.pos)
			}
			if !strings.Contains(string(text), l.text) {
				t.Fatalf("%q: target %q is not in the input", in, l.text)
			}
			n, err := strconv.Atoi(strings.TrimPrefix(l.pos, "stdin:"))
			if err != nil || n <= last {
				t.Fatalf("%q: position %q after line %d", in, l.pos, last)
			}
			last = n
		}
		if strings.HasPrefix(in, "\ufeff") || string(text) != in {
			return // marked already, or UTF-16 without a mark: a UTF-8 mark before it makes it other text
		}
		bom, err := readTargets("-", strings.NewReader("\ufeff"+in))
		if err != nil {
			t.Fatalf("%q with a BOM: %v", in, err)
		}
		if fmt.Sprint(bom) != fmt.Sprint(lines) {
			t.Fatalf("%q: a BOM changes the targets from %q to %q", in, lines, bom)
		}
	})
}
