package layout_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/civit/civit/internal/layout"
)

// FuzzParse checks --layout and the layout config value: an accepted name
// gives a layout whose name parses back to it; the error lists the valid
// names.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "flat", "none", "ComfyUI", " comfy ", "a1111", "AUTOMATIC1111", "forge", "swarm", "invokeai", "invoke", "sd.next", "comfyui\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := layout.Parse(s)
		if err != nil {
			if !strings.Contains(err.Error(), strings.Join(layout.Names(), ", ")) {
				t.Fatalf("Parse(%q): %v does not list the layouts", s, err)
			}
			return
		}
		if !slices.Contains(layout.Names(), l.String()) {
			t.Fatalf("Parse(%q) = %q, not one of %q", s, l, layout.Names())
		}
		if back, err := layout.Parse(l.String()); err != nil || back != l {
			t.Fatalf("Parse(%q) = %q, but Parse(%q) = %q, %v", s, l, l, back, err)
		}
	})
}
