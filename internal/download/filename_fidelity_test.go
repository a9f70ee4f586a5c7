package download

import "testing"

// The storage host sends filename="<name>" with the name as uploaded
// (civitai-api.md §2.10), quotes included: the name must survive whole,
// extension and all, not be cut at its first inner quote.
func TestFilenameFromContentDispositionUnescapedQuotes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ header, want string }{
		{`attachment; filename="Zoë's "Dream" Garden_v2.0.safetensors"`, `Zoë's _Dream_ Garden_v2.0.safetensors`},
		{`attachment; filename="12" ruler.safetensors"`, `12_ ruler.safetensors`},
		{`attachment; filename="東方 "Project" 霊夢_v1.0.safetensors"`, `東方 _Project_ 霊夢_v1.0.safetensors`},
		// Properly escaped and plain values are unchanged.
		{`attachment; filename="a \"quoted\" name.ckpt"`, `a _quoted_ name.ckpt`},
		{`attachment; filename="plain.safetensors"`, `plain.safetensors`},
	} {
		got, ok := FilenameFromContentDisposition(tc.header)
		if !ok || got != tc.want {
			t.Errorf("FilenameFromContentDisposition(%q) = %q, %v; want %q", tc.header, got, ok, tc.want)
		}
	}
}
