package download

import (
	"path/filepath"
	"testing"
)

// NoHash downloads the bytes without hashing them (nor reading any back),
// even when a wrong hash is published.
func TestDownloadNoHash(t *testing.T) {
	t.Parallel()
	body := testBody(2<<20+777, 7)
	for _, conns := range []int{1, 8} {
		rs := newRangeServer(t, body)
		dest := filepath.Join(t.TempDir(), "m.safetensors")
		req := Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex([]byte("not the body")),
			Connections: conns, Identity: "mv:1/f:1", NoHash: true}
		res, err := New(testOptions()).Download(t.Context(), req)
		if err != nil {
			t.Fatalf("%d connections: %v", conns, err)
		}
		checkFile(t, dest, body)
		if res.SHA256 != "" || res.ReadBack != 0 {
			t.Errorf("%d connections: SHA256 %q, read back %d; want no hashing", conns, res.SHA256, res.ReadBack)
		}
	}
}
