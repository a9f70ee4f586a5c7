package download

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// InUseError: the finished, verified file could not take its final name
// because another program holds that name (Windows: a UI with the old file
// loaded, an antivirus scan). The download is kept as the .part, complete:
// running the command again only renames it.
type InUseError struct {
	Path string
	Err  error
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("%s is in use by another program: %v", e.Path, e.Err)
}

func (e *InUseError) Unwrap() error { return e.Err }

// renameWait is how long a rename keeps trying while a name is held.
const renameWait = 5 * time.Second

// renameHeld renames old to new, trying again for up to wait while the
// system says another program holds one of the names (only Windows does:
// see transientRenameError).
func renameHeld(ctx context.Context, old, new string, wait time.Duration) error {
	return replaceHeld(ctx, os.Rename, transientRenameError, old, new, wait)
}

// replaceHeld is renameHeld with the rename and the test of a held name
// given: a read-only file at new is made writable first (ClearReadOnly).
func replaceHeld(ctx context.Context, rename func(string, string) error, held func(error) bool, old, new string, wait time.Duration) error {
	ClearReadOnly(new)
	return retryRename(ctx, rename, held, old, new, wait)
}

// ClearReadOnly makes a file about to be replaced (--force) writable:
// Windows refuses to rename over a read-only file with "Access denied",
// which reads as a file in use, and waiting never helps. The file's mode
// does not matter, as the new file replaces it; nothing happens where
// there is no such file.
func ClearReadOnly(path string) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o200 == 0 {
		_ = os.Chmod(path, fi.Mode().Perm()|0o200)
	}
}

func retryRename(ctx context.Context, rename func(string, string) error, held func(error) bool, old, new string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	delay := 10 * time.Millisecond
	for {
		err := rename(old, new)
		if err == nil || !held(err) {
			return err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return &InUseError{Path: new, Err: err}
		}
		t := time.NewTimer(min(delay, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return &InUseError{Path: new, Err: err}
		case <-t.C:
		}
		delay = min(2*delay, 500*time.Millisecond)
	}
}

// Hint says what to do about it (the CLI prints it as civit: hint:).
func (e *InUseError) Hint() string {
	return fmt.Sprintf("close the program that has %s open (a UI with the model loaded; an antivirus scan ends by itself), then run the same command again: the verified download waits in %s", filepath.Base(e.Path), filepath.Base(e.Path)+".part")
}
