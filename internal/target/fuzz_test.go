package target

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzParseID checks --version and other id flags: an accepted id fits
// CivitAI's 32-bit columns, is what the digits say, and prints back to
// itself.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"1", " 10101 ", "2147483647", "2147483648", "0", "-1", "+1", "0000000001", "1e3", "０１", "12345678901", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			if id != 0 || !strings.Contains(err.Error(), "is not an id") {
				t.Fatalf("ParseID(%q) = %d, %v", s, id, err)
			}
			return
		}
		if id < 1 || id > 2147483647 {
			t.Fatalf("ParseID(%q) = %d", s, id)
		}
		if strings.Trim(strings.TrimSpace(s), "0123456789") != "" {
			t.Fatalf("ParseID(%q) accepted more than digits", s)
		}
		if back, err := ParseID(strconv.FormatInt(id, 10)); err != nil || back != id {
			t.Fatalf("ParseID(%q) = %d, but ParseID(%d) = %d, %v", s, id, id, back, err)
		}
		if got, err := Parse(strconv.FormatInt(id, 10)); err != nil || got.ModelID != id {
			t.Fatalf("ParseID(%q) = %d, but Parse gives %+v, %v", s, id, got, err)
		}
	})
}
