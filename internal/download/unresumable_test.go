package download

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Unresumable tells --dry-run what the run discards with "starting
// over", so that the plan does not say a plain "ok" for a damaged control
// file; what Partial resumes, and nothing at all, are "".
func TestUnresumable(t *testing.T) {
	t.Parallel()
	good := control{Version: controlVersion, Identity: "mv:1/f:2", Size: 10, Done: [][2]int64{{0, 4}}}
	tests := []struct {
		name      string
		part      string // "" for none
		ctl       *control
		ctlText   string // instead of ctl
		identity  string
		want      string // substring; "" for resumable or nothing there
		resumable bool   // Partial resumes it
	}{
		{name: "nothing"},
		{name: "resumable", part: "0123456789", ctl: &good, identity: "mv:1/f:2", resumable: true},
		{name: "damaged", part: "0123456789", ctlText: "ËÌÍ garbage", identity: "mv:1/f:2", want: "its control file x.bin.part.civit is damaged"},
		{name: "part alone", part: "some bytes", want: "partial file without control file"},
		{name: "empty part alone"}, // made below: nothing to discard
		{name: "control alone", ctl: &good, identity: "mv:1/f:2", want: "control file without its partial file"},
		{name: "another file's", part: "0123456789", ctl: &good, identity: "mv:1/f:3", want: `control file is for "mv:1/f:2"`},
		{name: "sizes differ", part: "0123", ctl: &good, identity: "mv:1/f:2", want: "partial file has 4 bytes, control file says 10"},
		{name: "bad control", part: "0123456789", ctl: &control{Version: controlVersion + 1, Size: 10}, want: "control file version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dest := filepath.Join(t.TempDir(), "x.bin")
			part, ctl := partPaths(dest)
			if tt.part != "" || tt.name == "empty part alone" {
				if err := os.WriteFile(part, []byte(tt.part), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			switch {
			case tt.ctlText != "":
				if err := os.WriteFile(ctl, []byte(tt.ctlText), 0o644); err != nil {
					t.Fatal(err)
				}
			case tt.ctl != nil:
				if err := writeControl(ctl, tt.ctl); err != nil {
					t.Fatal(err)
				}
			}
			got := Unresumable(dest, tt.identity)
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("Unresumable = %q, want %q", got, tt.want)
			}
			if _, _, ok := Partial(dest, tt.identity); tt.resumable && !ok {
				t.Error("Partial does not resume it")
			}
		})
	}
}
