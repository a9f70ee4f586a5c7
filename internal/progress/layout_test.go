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
		{fp16, 12, "jugge…n_fp16"},
		{fp16, 16, "juggern…ion_fp16"},
		{".safetensors-hidden", 10, ".saf…idden"},
		{".safetensors", 8, ".sa…sors"},
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

// The name gets the room the right column leaves: under fullFrom the
// percentage, speed and time left ("51% 999.9 KiB/s 59m59s") and
// everything else; from fullFrom the bar and the counters too. It grows
// with the line on either side of fullFrom.
func TestNameWidthLeavesRoom(t *testing.T) {
	t.Parallel()
	prev := 0
	for w := 10; w <= 300; w++ {
		n := nameWidth(w)
		if n < minName || n > maxName || n < prev && w != fullFrom {
			t.Fatalf("nameWidth(%d) = %d after %d", w, n, prev)
		}
		prev = n
		switch {
		case w >= fullFrom && n+1+minBar+2+fullRight > w:
			t.Errorf("nameWidth(%d) = %d leaves no room for the bar and counters", w, n)
		case w < fullFrom && n > minName && n+1+briefRight > w:
			t.Errorf("nameWidth(%d) = %d leaves no room for the percentage, speed and time left", w, n)
		}
	}
	if nameWidth(40) < 16 || nameWidth(66) < 40 || nameWidth(80) < 24 {
		t.Errorf("nameWidth(40) = %d, nameWidth(66) = %d, nameWidth(80) = %d: too narrow", nameWidth(40), nameWidth(66), nameWidth(80))
	}
}

// On a narrow terminal every line keeps its percentage, speed and time
// left whole (no bar, no counters) instead of being cut after the name;
// the names fit and get the room left. Where the counters show, the bar
// does too.
func TestNarrowLines(t *testing.T) {
	t.Parallel()
	const (
		long  = "juggernautXL_juggernautXLRagnarokBy_Rundiffusion_fp16.safetensors"
		long2 = "juggernautXL_juggernautXLRagnarokBy_Rundiffusion_fp32.safetensors"
		mid   = "BurningStyle_fixture_v20.safetensors" // 36 cells
	)
	for _, width := range []int{30, 40, 44, 52, 66, 74, 77, 78, 80, 100} {
		var b safeBuffer
		var mu sync.Mutex
		clock := time.Now()
		tr := New(&b, Options{TTY: true, Width: width, now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }})
		var files []*File
		for _, name := range []string{long, long2, mid} {
			f := tr.File(name, 100<<20)
			f.Start(100<<20, 53<<20)
			files = append(files, f)
		}
		time.Sleep(200 * time.Millisecond)
		for range 3 {
			mu.Lock()
			clock = clock.Add(time.Second)
			mu.Unlock()
			for _, f := range files {
				f.Add(190 << 10) // 190 KiB/s: about 4 minutes left
			}
			time.Sleep(200 * time.Millisecond)
		}
		frame := lastFrame(b.String(), len(files)+1)
		for _, f := range files {
			f.Abort(0)
		}
		tr.Wait()
		for _, line := range strings.Split(b.String(), "\n") {
			if w := runewidth.StringWidth(line); w > width {
				t.Errorf("width %d: line of %d cells: %q", width, w, line)
			}
			if i := strings.LastIndex(line, "…"); i >= 0 && strings.Contains(line[:i], " ") {
				t.Errorf("width %d: line cut after the name: %q", width, line)
			}
		}
		for _, line := range frame {
			fields := strings.Fields(line)
			if strings.HasPrefix(line, "jugg") && !strings.Contains(fields[0], "fp16") && !strings.Contains(fields[0], "fp32") {
				t.Errorf("width %d: name cut before its end: %q", width, line)
			}
			if width >= 44 && !regexp.MustCompile(`\d+m\d+s$`).MatchString(line) {
				t.Errorf("width %d: no time left: %q", width, line)
			}
			hasBar := regexp.MustCompile(`\[[=>-]+\]`).MatchString(line)
			hasCounters := strings.Contains(line, " / ")
			if hasBar != hasCounters || hasBar != (width >= fullFrom) {
				t.Errorf("width %d: bar %v, counters %v: %q", width, hasBar, hasCounters, line)
			}
			if width < fullFrom && width >= 44 && !regexp.MustCompile(` \d+% \S+ KiB/s \d+m\d+s$`).MatchString(line) {
				t.Errorf("width %d: want the percentage, speed and time left: %q", width, line)
			}
		}
		if width >= 66 && width < fullFrom && !strings.HasPrefix(frame[2], mid+" ") {
			t.Errorf("width %d: %q cut with room to spare: %q", width, mid, frame[2])
		}
		if width == 40 && !strings.HasPrefix(frame[0], "juggern…ion_fp16 ") {
			t.Errorf("width 40: %q", frame[0])
		}
	}
}

// lastFrame is the last n lines drawn in out.
func lastFrame(out string, n int) []string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[max(len(lines)-n, 0):]
}

// Each frame starts at the start of a line, wherever an echoed "^C" left
// the cursor.
func TestFramesStartAtLineStart(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	w := &freshLineWriter{Writer: cupwriter.New(&b, true), fallback: 80}
	for range 2 {
		w.ReadFrom(strings.NewReader("line\n")) // as mpb writes a bar
		if err := w.Flush(1); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := b.String(), "line\n\r\x1b[1A\x1b[Jline\n"; got != want {
		t.Errorf("frames %q, want %q", got, want)
	}
}
