package library

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/civit/civit/internal/stale"
	"github.com/civit/civit/internal/winfs"
)

// Reasons LinkCopies leaves a copy alone (wrapped with the path).
var (
	// ErrOtherFileSystem: a hard link cannot cross file systems.
	ErrOtherFileSystem = errors.New("on another file system")
	// ErrChanged: the file's bytes no longer have the library's SHA-256
	// (or changed while being linked).
	ErrChanged = errors.New("its bytes no longer have the library's SHA-256")
)

// LinkCopies replaces each of copies with a hard link to keep, so that one
// file's bytes are stored once. Nothing is taken from the library on
// trust: keep and every copy are hashed now and must have the SHA-256
// want, and a copy must be on keep's file system. Each replacement is
// atomic (a link to keep is made under a temporary name beside the copy
// and renamed over it), so a copy's path always holds the same bytes.
// done is called once per copy with nil (linked, or a hard link to keep
// already) or the reason it was left alone; onRead gets the bytes hashed.
// An error is returned only when keep itself cannot be used.
func LinkCopies(ctx context.Context, keep string, copies []string, want string, onRead func(int64), done func(copy string, err error)) error {
	kfi, err := os.Stat(keep)
	if err != nil {
		return err
	}
	if !kfi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", keep)
	}
	got, _, err := HashFile(ctx, keep, nil, onRead)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("%s: %w", keep, ErrChanged)
	}
	// Windows: a link to a file a program holds open (a UI with the model
	// loaded) can be made but neither renamed over a copy nor deleted, so
	// it would stay beside the copy.
	if err := winfs.Unheld(keep); err != nil {
		return err
	}
	_, kdev := FileID(keep, kfi)
	for _, c := range copies {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		done(c, linkCopy(ctx, keep, kfi, kdev, c, want, onRead))
	}
	return nil
}

func linkCopy(ctx context.Context, keep string, kfi os.FileInfo, kdev uint64, path, want string, onRead func(int64)) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("not a regular file")
	}
	if os.SameFile(kfi, fi) {
		return nil // a hard link already
	}
	if _, dev := FileID(path, fi); dev != kdev {
		return ErrOtherFileSystem
	}
	got, _, err := HashFile(ctx, path, nil, onRead)
	if err != nil {
		return err
	}
	if got != want {
		return ErrChanged
	}
	if err := winfs.Unheld(path); err != nil {
		return err
	}
	// What a killed civit left in the folder goes first.
	stale.SweepOnce(filepath.Dir(path))
	tmpf, err := os.CreateTemp(filepath.Dir(path), ".civit-*.link") // short: path's name may be near the limit
	if err != nil {
		return err
	}
	tmp := tmpf.Name()
	tmpf.Close()
	os.Remove(tmp)
	if err := os.Link(keep, tmp); err != nil {
		return err
	}
	defer os.Remove(tmp) // still there only if the rename did not happen
	// The copy must be the file that was hashed: not written to since.
	if now, err := os.Lstat(path); err != nil || !os.SameFile(fi, now) || now.Size() != fi.Size() || !now.ModTime().Equal(fi.ModTime()) {
		return ErrChanged
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
