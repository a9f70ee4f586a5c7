package download

import (
	"os"
	"path/filepath"
	"testing"
)

// TestPwritePast4GiB: rawPwrite (the engine's file write) puts bytes at
// offsets past 4 GiB where they belong, on every platform. On 32-bit Linux
// the raw call once cut the offset to 32 bits, and a 4.4 GiB checkpoint
// failed its hash. The file is sparse: nothing is written but the bytes.
func TestPwritePast4GiB(t *testing.T) {
	t.Parallel()
	f, err := os.Create(filepath.Join(t.TempDir(), "sparse.part"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, off := range []int64{5<<30 + 123, 1 << 20} {
		if n, err := rawPwrite(f, []byte("model"), off); err != nil || n != 5 {
			t.Skipf("write at %d: %d, %v (no sparse files here?)", off, n, err)
		}
	}
	for _, off := range []int64{5<<30 + 123, 1 << 20} {
		buf := make([]byte, 5)
		if _, err := f.ReadAt(buf, off); err != nil || string(buf) != "model" {
			t.Errorf("at %d: read %q, %v", off, buf, err)
		}
	}
	buf := make([]byte, 5)
	if _, err := f.ReadAt(buf, (5<<30+123)&(1<<32-1)); err != nil || string(buf) == "model" {
		t.Errorf("the bytes for 5 GiB landed at the offset cut to 32 bits (%q, %v)", buf, err)
	}
}
