package download

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	dl "github.com/civit/civit/internal/download"
	"github.com/civit/civit/internal/library"
	"github.com/civit/civit/internal/progress"
	"github.com/civit/civit/internal/stale"
	"github.com/civit/civit/internal/store"
)

// reuse puts a copy of a file the library already has under it.Dest
// instead of downloading it again: users keep the same LoRA for two UIs,
// or move to a new one. The library is searched by the SHA-256 CivitAI
// publishes; the copy is a hard link where the file system allows (no
// space used), else a byte copy. Either way the bytes are hashed before
// the file gets its final name, so a library row whose file has changed
// since it was scanned is never trusted: the download goes on instead.
//
// It returns the source path, whether it was linked, and ok = false when
// nothing was reused (the caller downloads).
func reuse(ctx context.Context, o *Options, it *item, bar *progress.File) (from string, linked, ok bool) {
	sha := strings.ToUpper(it.File.Hashes.SHA256())
	refused := map[[2]uint64]bool{} // hard links to a refused file: same bytes
	for _, src := range sameDeviceFirst(libraryCopies(ctx, o, it), filepath.Dir(it.Dest)) {
		fi, err := os.Stat(src)
		if err != nil {
			continue
		}
		ino, dev := library.FileID(src, fi)
		if ino != 0 && refused[[2]uint64{dev, ino}] {
			continue
		}
		bar.StartLocal(fi.Size(), src)
		linked, err := placeCopy(ctx, src, it.Dest, sha, o.Force, os.Link, bar.Add)
		if err == nil {
			return src, linked, true
		}
		if ctx.Err() != nil {
			return "", false, false // interrupted: the caller reports it
		}
		refused[[2]uint64{dev, ino}] = true
		bar.Unstart(fmt.Errorf("not using the library's copy %s: %w", src, err))
	}
	return "", false, false
}

// libraryCopies lists the files the library knows with the published
// SHA-256 of it.File that are still on disk with the size it recorded (not
// yet hashed again): none with --no-reuse, without a published SHA-256, or
// when it.Dest exists already (the engine decides then: present, or a
// different file), unless --force replaces it: then with the library's
// copy, not a download (update replacing an old file of the new one's
// name in a second UI's folder downloaded it twice).
func libraryCopies(ctx context.Context, o *Options, it *item) []string {
	sha := strings.ToUpper(it.File.Hashes.SHA256())
	if o.NoReuse || sha == "" || o.Factory.Store == nil {
		return nil
	}
	destFI, err := os.Lstat(it.Dest)
	if err == nil && (!o.Force || !destFI.Mode().IsRegular() && destFI.Mode()&os.ModeSymlink == 0) {
		return nil
	}
	st, err := o.Factory.Store(ctx)
	if err != nil {
		return nil
	}
	rows, err := st.List(ctx, store.Filter{SHA256s: []string{sha}})
	if err != nil {
		return nil
	}
	var out []string
	for _, r := range rows {
		if r.Path == it.Dest {
			continue
		}
		if fi, err := os.Stat(r.Path); err == nil && fi.Mode().IsRegular() && fi.Size() == r.Size && (destFI == nil || !os.SameFile(fi, destFI)) {
			out = append(out, r.Path)
		}
	}
	return out
}

// sameDeviceFirst orders paths so that those on dir's file system, which
// can be hard-linked instead of copied, come first.
func sameDeviceFirst(paths []string, dir string) []string {
	di, err := os.Stat(dir)
	if err != nil {
		return paths
	}
	_, dev := library.FileID(dir, di)
	same := func(p string) bool {
		fi, err := os.Stat(p)
		if err != nil {
			return false
		}
		_, d := library.FileID(p, fi)
		return d == dev
	}
	out := slices.Clone(paths)
	slices.SortStableFunc(out, func(a, b string) int {
		sa, sb := same(a), same(b)
		switch {
		case sa == sb:
			return 0
		case sa:
			return -1
		}
		return 1
	})
	return out
}

// errNotSame: the source's bytes do not have the SHA-256 expected.
var errNotSame = errors.New("the library's copy no longer has the published hash")

// placeCopy makes dest a verified copy of src: a hard link to a temporary
// name in dest's folder, else a byte copy there; then hashes it, and only
// if the hash is want links it to dest (never replacing a file that
// appeared meanwhile; with replace, renames it over the file there, in
// one step) and syncs the folder. A copy is hashed as it is written, a
// link read once. link is os.Link (tests pass one that fails, as on file
// systems without hard links); progress gets the bytes checked.
func placeCopy(ctx context.Context, src, dest, want string, replace bool, link func(oldname, newname string) error, progress func(int64)) (linked bool, err error) {
	dir := filepath.Dir(dest)
	// A kill (-9) between here and the final name leaves the temporary:
	// the next civit to write in dir removes it once abandoned.
	stale.SweepOnce(dir)
	tmpf, err := os.CreateTemp(dir, ".civit-*.reuse") // short: dest's name may be near the limit
	if err != nil {
		return false, err
	}
	tmp := tmpf.Name()
	defer os.Remove(tmp) // after the final link, or on failure
	tmpf.Close()
	os.Remove(tmp)
	var got string
	if link(src, tmp) == nil {
		linked = true
		if got, _, err = library.HashFile(ctx, tmp, nil, progress); err != nil {
			return false, err
		}
	} else if got, err = copyFile(ctx, src, tmp, progress); err != nil {
		return false, err
	}
	if got != want {
		return false, errNotSame
	}
	if replace {
		dl.ClearReadOnly(dest)
		if err := os.Rename(tmp, dest); err != nil {
			return false, err
		}
	} else if err := link(tmp, dest); err != nil {
		if errors.Is(err, os.ErrExist) {
			return false, err
		}
		// No hard links here (some network and FAT file systems): rename,
		// after checking once more that nothing took the name.
		if _, serr := os.Lstat(dest); serr == nil {
			return false, fmt.Errorf("%s appeared meanwhile", dest)
		}
		if err := os.Rename(tmp, dest); err != nil {
			return false, err
		}
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return linked, nil
}

// copyFile copies src to the new file dst, syncs it, and returns the
// upper-case hex SHA-256 of the bytes written.
func copyFile(ctx context.Context, src, dst string, progress func(int64)) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.CopyBuffer(io.MultiWriter(out, h), ctxReader{ctx, in, progress}, make([]byte, 1<<20)); err != nil {
		out.Close()
		return "", err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return "", err
	}
	if err := out.Close(); err != nil {
		return "", err
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil))), nil
}

// ctxReader stops a long copy when ctx is done (Ctrl-C) and reports the
// bytes read to progress (nil: nobody).
type ctxReader struct {
	ctx      context.Context
	r        io.Reader
	progress func(int64)
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	if n > 0 && c.progress != nil {
		c.progress(int64(n))
	}
	return n, err
}
