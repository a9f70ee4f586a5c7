package update

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/civit/civit/internal/library"
	"github.com/civit/civit/internal/store"
)

// --remove-old deletes (or overwrites) an old file only when it is what
// the library says: a SHA-256 a sidecar stated, or a file changed since it
// was recorded, is checked by hashing it first.
func TestCheckOld(t *testing.T) {
	t.Parallel()
	const bytesSHA = "3E0D47FD4F1F0E2A5BE2ACA6DBF2A37A3F72B4ABA0D3E9D5C5B7A5E5E8D0C1F2" // not "old bytes"'s
	realSHA := func(t *testing.T, p string) string {
		sha, _, err := library.HashFile(t.Context(), p, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return sha
	}
	tests := []struct {
		name    string
		source  string
		wrong   bool // the row's SHA-256 is not the file's
		touched bool // the file changed after it was recorded
		inPlace bool // rewritten in place after it was recorded, its times put back
		wantErr string
	}{
		{name: "hashed and unchanged: trusted", source: store.SourceScanned, wrong: true},
		{name: "from a sidecar, right", source: store.SourceSidecarPrefix + ".cm-info.json"},
		{name: "from a sidecar, wrong", source: store.SourceSidecarPrefix + ".cm-info.json", wrong: true, wantErr: "not removed: "},
		{name: "changed since, now another", source: store.SourceScanned, wrong: true, touched: true, wantErr: "is not the file of v1.0 the library recorded"},
		{name: "changed since, same bytes", source: store.SourceScanned, touched: true},
		// The inode's change time tells (not on Windows, where only the
		// creation time is read).
		{name: "rewritten in place, times put back", source: store.SourceScanned, inPlace: true, wantErr: "is not the file of v1.0 the library recorded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.inPlace && runtime.GOOS == "windows" {
				t.Skip("Windows has no inode change time; its creation time does not change in place")
			}
			dir := t.TempDir()
			st, err := store.Open(t.Context(), filepath.Join(dir, "library.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			p := filepath.Join(dir, "old.safetensors")
			if err := os.WriteFile(p, []byte("old bytes"), 0o644); err != nil {
				t.Fatal(err)
			}
			fi, _ := os.Stat(p)
			ino, dev := library.FileID(p, fi)
			sha := realSHA(t, p)
			if tt.wrong {
				sha = bytesSHA
			}
			row := &store.File{Path: library.Canonical(p), Size: fi.Size(), MTime: fi.ModTime(), Inode: ino, Dev: dev,
				SHA256: sha, ModelID: 1, VersionID: 10, VersionName: "v1.0", FileID: 100, Source: tt.source, State: store.StateIdentified}
			if err := st.Upsert(t.Context(), row); err != nil {
				t.Fatal(err)
			}
			if tt.touched {
				later := fi.ModTime().Add(time.Minute)
				os.Chtimes(p, later, later)
			}
			if tt.inPlace {
				time.Sleep(10 * time.Millisecond) // past the row's time
				if err := os.WriteFile(p, []byte("new bytes"), 0o644); err != nil {
					t.Fatal(err)
				}
				os.Chtimes(p, fi.ModTime(), fi.ModTime())
			}
			err = checkOld(t.Context(), st, p)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("checkOld = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("checkOld = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
