package tableprinter

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		tty   bool
		width int
		rows  [][]string
		want  string
	}{
		{
			name: "piped is tab separated without header",
			rows: [][]string{{"1", "Alpha", "LORA"}, {"22", "Be\tta", "Checkpoint"}},
			want: "1\tAlpha\tLORA\n22\tBe ta\tCheckpoint\n",
		},
		{
			name: "control characters become spaces",
			rows: [][]string{{"1", "Evil\x1b]0;owned\x07 name\u009b2J\x9b", "LO\x7fRA"}},
			want: "1\tEvil ]0;owned  name 2J\ufffd\tLO RA\n",
		},
		{
			name: "a lone byte that is not UTF-8",
			rows: [][]string{{"1", "a\x9b2Jb"}},
			want: "1\ta\ufffd2Jb\n",
		},
		{
			name: "tty is aligned with upper-case header",
			tty:  true, width: 80,
			rows: [][]string{{"1", "Alpha", "LORA"}, {"22", "Beta", "Checkpoint"}},
			want: "ID  NAME   TYPE\n1   Alpha  LORA\n22  Beta   Checkpoint\n",
		},
		{
			name: "tty truncates the widest column to fit",
			tty:  true, width: 24,
			rows: [][]string{{"1", "A very long model name indeed", "LORA"}},
			want: "ID  NAME            TYPE\n1   A very long m…  LORA\n",
		},
		{
			// "200.2 K…" would say nothing: a short cell (a size, a date,
			// a type) is never cut; too narrow a terminal wraps the line.
			name: "tty never cuts short cells",
			tty:  true, width: 20,
			rows: [][]string{{"1", "A very long model name indeed", "Checkpoint"}},
			want: "ID  NAME          TYPE\n1   A very long…  Checkpoint\n",
		},
		{
			name: "tty lets a cell run on over the empty cells after it",
			tty:  true, width: 24,
			rows: [][]string{{"1", "A very long model name indeed"}, {"2", "", "LORA"}, {"3", "A very long model name indeed", "LORA"}},
			want: "ID  NAME            TYPE\n1   A very long model n…\n2                   LORA\n3   A very long m…  LORA\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			p := New(&b, tt.tty, tt.width, "id", "name", "type")
			for _, r := range tt.rows {
				p.AddRow(r...)
			}
			if err := p.Render(); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, b.String()); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestFormatters(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	n := func(v int64) *int64 { return &v }
	tests := []struct{ got, want string }{
		{Time(time.Time{}, true, now), ""},
		{Time(now.Add(-3*24*time.Hour), true, now), "3 days ago"},
		{Time(now.Add(-time.Hour), true, now), "1 hour ago"},
		{Time(now.Add(-400*24*time.Hour), true, now), "1 year ago"},
		{Time(now, false, now), "2026-11-25T12:00:00Z"},
		{Count(nil, true), ""},
		{Count(n(1234567), true), "1.2M"},
		{Count(n(12345), true), "12k"},
		{Count(n(1234), true), "1.2k"},
		{Count(n(1234567), false), "1234567"},
		{Bytes(512), "512 B"},
		{Bytes(1536), "1.5 KiB"},
		{Bytes(6_938_040_682), "6.5 GiB"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// Wide characters take two cells: columns stay aligned.
func TestWideCharacters(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := New(&b, true, 80, "id", "name", "type")
	p.AddRow("1", "Pirate 裸絞め", "LORA")
	p.AddRow("2", "Plain", "VAE")
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	want := "ID  NAME           TYPE\n1   Pirate 裸絞め  LORA\n2   Plain          VAE\n"
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestTruncateMiddle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"/a/b.safetensors", 20, "/a/b.safetensors"},
		{"/home/me/ComfyUI/models/loras/my_lora.safetensors", 30, "/home/me/…/my_lora.safetensors"},
		{"/home/me/ComfyUI/models/loras/my_lora.safetensors", 22, "/…/my_lora.safetensors"},
		// The file name alone does not fit: its start and end are kept.
		{"/m/a_very_long_file_name_v2.safetensors", 16, "a_very_…etensors"},
		{"/m/fixture_lora.safetensors", 26, "…/fixture_lora.safetensors"},
		{"/m/fixture_lora.safetensors", 25, "fixture_lora.safetensors"},
		{"/m/裸絞め裸絞め.safetensors", 18, "裸絞め裸…fetensors"},
		{"C:\\models\\loras\\my_lora.safetensors", 24, "C:\\…\\my_lora.safetensors"},
		{"abcdef", 1, "…"},
	}
	for _, tt := range tests {
		got := truncateMiddle(tt.in, tt.n)
		if got != tt.want {
			t.Errorf("truncateMiddle(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

// A path column loses its middle, not the file name; header styles do not
// disturb the alignment.
func TestPathColumnAndHeaderStyle(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := New(&b, true, 36, "name", "path")
	p.SetPathColumn(1)
	p.SetHeaderStyle(func(s string) string { return "<" + s + ">" })
	p.AddRow("LoRA", "/home/me/ComfyUI/models/loras/my_lora.safetensors")
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	want := "<NAME>  <PATH>\nLoRA  /home/me/…/my_lora.safetensors\n"
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestCleanText(t *testing.T) {
	t.Parallel()
	if got, want := CleanText("line one\x1b[2J\nline\ttwo\r"), "line one [2J\nline two "; got != want {
		t.Errorf("CleanText = %q, want %q", got, want)
	}
}

// Bidirectional controls from the server are dropped: a right-to-left
// override would show "cat.gif" after it as "fig.tac".
func TestCleanDropsBidiControls(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"a photo\u202Egnp.exe", "a photognp.exe"},
		{"\u202Aembed\u202B\u202C\u202Doverride", "embedoverride"},
		{"\u2066isolate\u2067\u2068\u2069", "isolate"},
		{"mark\u200E\u200F", "mark"},
		{"שלום world", "שלום world"}, // right-to-left text itself stays
		{"zero\u200Dwidth joiner", "zero\u200Dwidth joiner"},
	}
	for _, tt := range tests {
		if got := Clean(tt.in); got != tt.want {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := CleanText(tt.in + "\n" + tt.in); got != tt.want+"\n"+tt.want {
			t.Errorf("CleanText(%q) = %q", tt.in, got)
		}
	}
	p := New(io.Discard, false, 0)
	p.AddRow("x\u202Ey")
	if got := p.rows[0][0]; got != "xy" {
		t.Errorf("AddRow kept %q", got)
	}
}

// A column kept whole is not cut to fit: the others give more (outdated's
// update command on an 80-column terminal had lost the model's id).
func TestWholeColumn(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	p := New(&b, true, 50, "latest", "update")
	p.SetWhole(1)
	p.AddRow("V2.0 (2007508); V2.5 (2007537) in early access", "civit update 2345678")
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	want := "LATEST                        UPDATE\nV2.0 (2007508); V2.5 (20075…  civit update 2345678\n"
	if d := cmp.Diff(want, b.String()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
