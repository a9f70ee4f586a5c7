package download

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/civit/civit/internal/library"
	"github.com/civit/civit/internal/store"
)

// recordWait bounds recording one finished file in the library: a
// download that got its final name is recorded even when the run was
// interrupted meanwhile (Ctrl-C while its preview downloaded), so the
// record does not follow the run's cancellation, and this is how long it
// may take then.
const recordWait = 10 * time.Second

// recordDownload records a finished download in the library (issue 4), so
// `civit ls`, `outdated` and `dupes` know it and a later scan need not hash
// it again. A failure is a warning: the download itself succeeded.
func recordDownload(ctx context.Context, o *Options, it *item, warn func(format string, args ...any)) {
	if o.Factory.Store == nil {
		return
	}
	st, err := o.Factory.Store()
	var noDir *store.NoDataDirError
	if errors.As(err, &noDir) {
		// No library at all (no HOME): said once a run, not per file.
		once := o.noLibrary
		if once == nil {
			once = new(sync.Once)
		}
		once.Do(func() { warn("downloads are not recorded in the library: %v", err) })
		return
	}
	if err == nil {
		// The file is in place: its row is written even after Ctrl-C.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordWait)
		err = st.Upsert(rctx, downloadedFile(it))
		cancel()
	}
	if err != nil {
		warn("%s: could not record it in the library: %v", filepath.Base(it.Dest), err)
	}
}

// knownPresent reports whether it.Dest is it.File by the library's record
// of it, unchanged since (same size, modification time and inode), as
// --dry-run judges it: re-running a finished command then costs a stat per
// file instead of hashing gigabytes again. With --force the file is
// hashed instead: the user doubts what is there. It sets it.SHA256.
func knownPresent(ctx context.Context, o *Options, it *item) bool {
	if o.Force || it.File == nil {
		return false
	}
	fi, err := os.Stat(it.Dest)
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	// sizeKB is rounded to a fraction of a KiB: a file far from it is not
	// the one, whatever was recorded (an empty answer kept by an older
	// civit under --no-verify).
	if n := it.File.SizeBytes(); n > 0 && (fi.Size() < n-1024 || fi.Size() > n+1024) {
		return false
	}
	rec, ok := recorded(ctx, o, it.Dest, fi)
	if !ok || !presentPerRecord(o, it, rec) {
		return false
	}
	it.SHA256 = strings.ToUpper(rec.sha256)
	return true
}

// downloadedBefore reports whether it.Dest is the file civit downloaded
// there for it.File and nobody changed since (same size, modification time
// and inode as the library recorded): the only way to recognise a file
// CivitAI publishes no hash for, so that re-running the same command
// reports it present instead of refusing to overwrite it. It sets
// it.SHA256 to the hash computed during that download.
func downloadedBefore(ctx context.Context, o *Options, it *item) bool {
	fi, err := os.Stat(it.Dest)
	if err != nil || !fi.Mode().IsRegular() || it.File == nil {
		return false
	}
	rec, ok := recorded(ctx, o, it.Dest, fi)
	if !ok {
		// Touched, restored from a backup, copied with its times: the
		// SHA-256 the library recorded at download time still tells.
		rec, ok = recordedAnyTime(ctx, o, it.Dest, fi)
		if !ok || rec.fileID != it.File.ID {
			return false
		}
		sha, _, err := library.HashFile(ctx, it.Dest, nil, nil)
		if err != nil || !strings.EqualFold(sha, rec.sha256) {
			return false
		}
	}
	if rec.fileID != it.File.ID {
		return false
	}
	it.SHA256 = rec.sha256
	return true
}

// downloadedFile is the library row of a downloaded item.
func downloadedFile(it *item) *store.File {
	// The real path, as scan records it: a --root through a symbolic
	// link must not add a second row for the same file.
	path := library.Canonical(it.Dest)
	f := &store.File{Path: path, Source: store.SourceDownloaded, State: store.StateIdentified, ModelName: it.Model, ModelType: it.Type}
	if fi, err := os.Stat(path); err == nil {
		f.Size, f.MTime = fi.Size(), fi.ModTime()
		f.Inode, f.Dev = library.FileID(path, fi)
	}
	f.SHA256 = it.SHA256
	library.ApplyVersion(f, it.Version, it.SHA256, time.Now())
	f.Source = store.SourceDownloaded
	if f.ModelName == "" {
		f.ModelName = it.Model
	}
	if f.ModelType == "" {
		f.ModelType = it.Type
	}
	if f.ModelID == 0 {
		f.ModelID = it.ModelID
	}
	if it.File != nil {
		f.FileID, f.FileName = it.File.ID, it.File.Name
	}
	return f
}
