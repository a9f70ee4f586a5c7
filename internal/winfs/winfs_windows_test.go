package winfs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLongPath(t *testing.T) {
	t.Parallel()
	long := `C:\ComfyUI\models\loras\` + strings.Repeat("x", 250) + ".safetensors"
	for in, want := range map[string]string{
		`C:\models\a.safetensors`:            `C:\models\a.safetensors`,
		long:                                 `\\?\` + long,
		`\\nas\share\` + long[3:]:            `\\?\UNC\nas\share\` + long[3:],
		`\\?\` + long:                        `\\?\` + long,
		`models\` + strings.Repeat("y", 300): `models\` + strings.Repeat("y", 300), // relative: left to the os package
	} {
		if got := LongPath(in); got != want {
			t.Errorf("LongPath(%.40q...) = %.50q..., want %.50q...", in, got, want)
		}
	}
}

// A file another handle holds open without FILE_SHARE_DELETE (as a UI
// holds a loaded model) cannot be removed, and that error is InUse.
func TestInUse(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "m.safetensors")
	if err := os.WriteFile(p, []byte("m"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Remove(p); !InUse(err) {
		t.Errorf("removing an open file: %v, want an in-use error", err)
	}
	if InUse(os.ErrNotExist) {
		t.Error("ErrNotExist is not in use")
	}
}
