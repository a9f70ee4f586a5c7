package update

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/library"
	"github.com/civit/civit/internal/store"
)

// TestRemoveOldFileInUse (Windows): an old file a UI holds open cannot be
// deleted there; the error says so and how to finish, and the library
// keeps the file's row until it is gone.
func TestRemoveOldFileInUse(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "library.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	old := filepath.Join(t.TempDir(), "lora_v1.safetensors")
	if err := os.WriteFile(old, []byte("v1"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Recorded as it is: removeOld checks a file before deleting it.
	sha, _, err := library.HashFile(ctx, old, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(old)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Upsert(ctx, &store.File{Path: old, Size: fi.Size(), MTime: fi.ModTime(), SHA256: sha, ModelID: 7, VersionID: 10,
		Source: store.SourceScanned, State: store.StateIdentified}); err != nil {
		t.Fatal(err)
	}
	held, err := os.Open(old) // as a UI holds a loaded model: no FILE_SHARE_DELETE
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	u := &library.Update{ModelID: 7, Current: library.VersionRef{ID: 10}, Latest: &store.VersionInfo{ID: 30}}
	_, err = removeOld(ctx, st, u, []string{old})
	var he *cmdutil.HintError
	if !errors.As(err, &he) || !strings.Contains(he.Hint, "civit update 7 --remove-old") {
		t.Fatalf("err = %v, want a hint to close the program and run update 7 --remove-old again", err)
	}
	if n := strings.Count(err.Error(), old); n != 1 {
		t.Errorf("err = %v: names the file %d times, want once", err, n)
	}
	if _, err := os.Stat(old); err != nil {
		t.Errorf("the old file: %v", err)
	}
	if _, err := st.Get(ctx, old); err != nil {
		t.Errorf("its library row: %v", err)
	}
}
