package cmdutil

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

func utf16Bytes(s string, le bool) []byte {
	var b bytes.Buffer
	for _, u := range append([]uint16{0xFEFF}, utf16.Encode([]rune(s))...) {
		if le {
			b.Write([]byte{byte(u), byte(u >> 8)})
		} else {
			b.Write([]byte{byte(u >> 8), byte(u)})
		}
	}
	return b.Bytes()
}

func TestLineScanner(t *testing.T) {
	t.Parallel()
	text := "123\r\n# café\r\nurn:air:sdxl:lora:civitai:1@2\r\n"
	want := []string{"123", "# café", "urn:air:sdxl:lora:civitai:1@2"}
	long := strings.Repeat("x", 200<<10)
	tests := []struct {
		name string
		in   []byte
		want []string
	}{
		{"plain UTF-8", []byte(text), want},
		{"UTF-8 with a mark (Notepad)", append([]byte{0xEF, 0xBB, 0xBF}, text...), want},
		{"UTF-16 LE with a mark (PowerShell 5)", utf16Bytes(text, true), want},
		{"UTF-16 BE with a mark", utf16Bytes(text, false), want},
		{"a line longer than 64 KiB", []byte(long + "\n1\n"), []string{long, "1"}},
		{"empty", nil, nil},
		// Without a mark: the zero byte beside the first character tells.
		{"UTF-16 LE without a mark", utf16Bytes(text, true)[2:], want},
		{"UTF-16 BE without a mark", utf16Bytes(text, false)[2:], want},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc := LineScanner(bytes.NewReader(tt.in))
			var got []string
			for sc.Scan() {
				got = append(got, sc.Text())
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// UTF-16 cut short (an odd number of bytes) is an error: its last
// character lost could make 101 read as 10.
func TestLineScannerTruncatedUTF16(t *testing.T) {
	t.Parallel()
	for _, in := range [][]byte{utf16Bytes("101", true)[:7], utf16Bytes("101", true)[2:7], {0xFF, 0xFE, '1'}} {
		sc := LineScanner(bytes.NewReader(in))
		for sc.Scan() {
			t.Errorf("%q: read line %q", in, sc.Text())
		}
		if err := sc.Err(); err == nil || !strings.Contains(err.Error(), "cut short") {
			t.Errorf("%q: err = %v, want it cut short", in, err)
		}
	}
}

// A Windows path in a message reads as typed: single backslashes.
func TestQuote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`C:\ComfyUI\models\x.safetensors`: `"C:\ComfyUI\models\x.safetensors"`,
		`models\Lora\*.safetensors`:       `"models\Lora\*.safetensors"`,
		"Samurai 裸絞め":                     `"Samurai 裸絞め"`,
		`say "hi"`:                        `"say \"hi\""`,
		"line\r":                          `"line\r"`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestRetrying(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		err  string
		want string
	}{
		{"GET /x: 503 Server busy, please retry shortly.", "GET /x: 503 Server busy, please retry shortly; retrying in 2s (attempt 2)"},
		{"GET /x: 500 oops", "GET /x: 500 oops; retrying in 2s (attempt 2)"},
	} {
		if got := Retrying(errors.New(tt.err), 1, 2*time.Second+30*time.Millisecond); got != tt.want {
			t.Errorf("Retrying(%q) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
