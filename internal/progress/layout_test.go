package progress

import (
	"bytes"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattn/go-runewidth"
	"github.com/vbauerster/cupwriter"
)

// Names are fitted by display width, cut in the middle: two files that
// differ only near their end stay apart, and CJK names (two cells a
// character) take no more than their share.
func TestFitName(t *testing.T) {
	t.Parallel()
	const fp16 = "juggernautXL_juggernautXLRagnarokBy_Rundiffusion_fp16.safetensors"
	tests := []struct {
		name string
		n    int
		want string
	}{
		{"short.safetensors", 30, "short.safetensors"},
		{fp16, 30, "juggerna…sion_fp16.safetensors"},
		{fp16, 20, "jug…fp16.safetensors"},
		{fp16, 12, "jugge…ensors"},
		{"没有扩展名的一个很长的模型名称文件", 15, "没有扩展…称文件"},
		{"日本語のとても長いモデルの名前ですよ_fp16.safetensors", 30, "日本語の…すよ_fp16.safetensors"},
	}
	for _, tt := range tests {
		got := fitName(tt.name, tt.n)
		if got != tt.want {
			t.Errorf("fitName(%q, %d) = %q, want %q", tt.name, tt.n, got, tt.want)
		}
		if w := runewidth.StringWidth(got); w > tt.n {
			t.Errorf("fitName(%q, %d) is %d cells wide", tt.name, tt.n, w)
		}
	}
	if a, b := fitName(fp16, 24), fitName(strings.Replace(fp16, "fp16", "fp32", 1), 24); a == b {
		t.Errorf("fp16 and fp32 both show as %q", a)
	}
}

func TestNameWidthGrowsWithTheLine(t *testing.T) {
	t.Parallel()
	prev := 0
	for w := 10; w <= 300; w++ {
		n := nameWidth(w)
		if n < prev || n < minName || n > maxName {
			t.Fatalf("nameWidth(%d) = %d after %d", w, n, prev)
		}
		prev = n
	}
	if nameWidth(40) < 16 || nameWidth(80) < 24 {
		t.Errorf("nameWidth(40) = %d, nameWidth(80) = %d: too narrow", nameWidth(40), nameWidth(80))
	}
}

// On a narrow terminal every line keeps its percentage, speed and time
// left (no bar, no counters) instead of being cut after the name; the
// names fit, and on a wide one the bar and counters are back.
func TestNarrowLines(t *testing.T) {
	t.Parallel()
	for _, width := range []int{40, 100} {
		var b safeBuffer
		var mu sync.Mutex
		clock := time.Now()
		tr := New(&b, Options{TTY: true, Width: width, now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }})
		f := tr.File("juggernautXL_juggernautXLRagnarokBy_Rundiffusion_fp16.safetensors", 10<<20)
		f.Start(10<<20, 0)
		g := tr.File("juggernautXL_juggernautXLRagnarokBy_Rundiffusion_fp32.safetensors", 20<<20)
		g.Start(20<<20, 0)
		time.Sleep(200 * time.Millisecond)
		mu.Lock()
		clock = clock.Add(time.Second)
		mu.Unlock()
		f.Add(5 << 20)
		g.Add(1 << 20)
		time.Sleep(400 * time.Millisecond)
		f.Abort()
		g.Abort()
		tr.Wait()
		out := b.String()
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if w := runewidth.StringWidth(line); w > width {
				t.Errorf("width %d: line of %d cells: %q", width, w, line)
			}
			if strings.Contains(line, "…") && !strings.Contains(line, "fp16") && !strings.Contains(line, "fp32") {
				t.Errorf("width %d: name cut before its end: %q", width, line)
			}
		}
		switch width {
		case 40:
			if !regexp.MustCompile(`(?m)^\S+fp16\.safetensors +50% `).MatchString(out) || strings.Contains(out, "[") {
				t.Errorf("width 40: want the percentage, no bar:\n%s", out)
			}
		case 100:
			if !regexp.MustCompile(`(?m)^\S+fp16\.safetensors +\[=+>?-*\] +5\.0 MiB / 10\.0 MiB`).MatchString(out) {
				t.Errorf("width 100: want a bar and counters:\n%s", out)
			}
		}
	}
}

// Each frame starts at the start of a line, wherever an echoed "^C" left
// the cursor.
func TestFramesStartAtLineStart(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	w := &freshLineWriter{cupwriter.New(&b, true)}
	for range 2 {
		w.WriteString("line\n")
		if err := w.Flush(1); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := b.String(), "line\n\r\x1b[1A\x1b[Jline\n"; got != want {
		t.Errorf("frames %q, want %q", got, want)
	}
}
