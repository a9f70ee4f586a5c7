package download

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRenameOverHeldFile (Windows): replacing a file another program has
// open (a UI with the old model loaded, an antivirus scan) waits for it to
// be let go; one held for good ends in an *InUseError that keeps the
// complete download, and the next run only renames it.
func TestRenameOverHeldFile(t *testing.T) {
	t.Parallel()
	body := testBody(300000, 31)
	t.Run("let go after a moment", func(t *testing.T) {
		t.Parallel()
		rs := newRangeServer(t, body)
		dest := filepath.Join(t.TempDir(), "m.bin")
		if err := os.WriteFile(dest, []byte("old model"), 0o644); err != nil {
			t.Fatal(err)
		}
		held, err := os.Open(dest) // as another program would: no FILE_SHARE_DELETE
		if err != nil {
			t.Fatal(err)
		}
		go func() { time.Sleep(300 * time.Millisecond); held.Close() }()
		if _, err := New(testOptions()).Download(t.Context(), Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body), Force: true}); err != nil {
			t.Fatal(err)
		}
		checkFile(t, dest, body)
		checkAbsent(t, dest+".part")
	})
	t.Run("held for good", func(t *testing.T) {
		t.Parallel()
		rs := newRangeServer(t, body)
		dest := filepath.Join(t.TempDir(), "m.bin")
		if err := os.WriteFile(dest, []byte("old model"), 0o644); err != nil {
			t.Fatal(err)
		}
		held, err := os.Open(dest)
		if err != nil {
			t.Fatal(err)
		}
		opts := testOptions()
		opts.renameWait = 200 * time.Millisecond
		req := Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body), Force: true}
		_, err = New(opts).Download(t.Context(), req)
		var iu *InUseError
		if !errors.As(err, &iu) || iu.Path != dest {
			t.Fatalf("err = %v, want an *InUseError for %s", err, dest)
		}
		held.Close()
		checkFile(t, dest+".part", body)
		before := rs.reqs.Load()
		if _, err := New(opts).Download(t.Context(), req); err != nil {
			t.Fatal(err)
		}
		checkFile(t, dest, body)
		checkAbsent(t, dest+".part")
		checkAbsent(t, dest+".part.civit")
		if n := rs.reqs.Load() - before; n > 1 {
			t.Errorf("the second run made %d requests; the file was complete", n)
		}
	})
}

// TestPartOpenElsewhereDoesNotBlockRename (Windows): another civit that
// opens the .part only to find it locked must not make the finished
// download's rename fail (the .part is opened shared for deletion).
func TestPartOpenElsewhereDoesNotBlockRename(t *testing.T) {
	t.Parallel()
	body := testBody(300000, 32)
	rs := newRangeServer(t, body)
	dest := filepath.Join(t.TempDir(), "m.bin")
	d := New(testOptions())
	// The other civit's handle, opened as civit opens a .part.
	other, err := openPartFile(dest+".part", true)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := d.Download(t.Context(), Request{Source: Source{URL: rs.URL()}, Dest: dest, SHA256: sha256Hex(body)}); err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, body)
}
