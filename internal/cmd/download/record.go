package download

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/library"
	"github.com/civit/civit/internal/progress"
	"github.com/civit/civit/internal/store"
)

// Recording a file in the library. A file that got its final name is
// recorded even when the run was interrupted meanwhile (Ctrl-C while its
// preview downloaded): the record does not follow the run's cancellation.
// A file the library already knows as it is (found present again) needs
// no write, so it waits for no lock. When another process holds the
// library's write lock (another civit scanning), a file's record waits
// recordTry, then is kept for the end of the run (flushRecords), which
// waits longer and says so; once one record found the library busy, the
// next ones are kept at once rather than each waiting recordTry again
// (2 s a file, however small). The downloads go on meanwhile, and none
// loses its record because of a lock held a while.
const (
	// recordTry is how long a file's record waits for the lock before it
	// is kept for the end of the run.
	recordTry = 2 * time.Second
	// recordWait is how long the records kept for the end wait after
	// Ctrl-C (else store.LockWait, and Ctrl-C stops the wait).
	recordWait = 10 * time.Second
)

// pendingRecords are the files whose record waits for the end of the run.
type pendingRecords struct {
	mu    sync.Mutex
	items []*item
	// busy: a record found the library busy; the next ones do not wait.
	busy bool
}

// add keeps it for the end of the run; busy says that its record found
// the library busy (rather than being kept because an earlier one did).
func (p *pendingRecords) add(it *item, busy bool) {
	p.mu.Lock()
	p.items = append(p.items, it)
	p.busy = p.busy || busy
	p.mu.Unlock()
}

// isBusy reports whether an earlier record found the library busy.
func (p *pendingRecords) isBusy() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.busy
}

func (p *pendingRecords) take() []*item {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.items
	p.items = nil
	return out
}

// recordDownload records a finished download in the library (issue 4), so
// `civit ls`, `outdated` and `dupes` know it and a later scan need not hash
// it again. A failure is a warning: the download itself succeeded.
func recordDownload(ctx context.Context, o *Options, it *item, tr *progress.Tracker) {
	warn := tr.Warn
	if o.Factory.Store == nil {
		return
	}
	// Detached from Ctrl-C; no note while the library is busy: the record
	// is kept for the end of the run then, which says so.
	rctx, cancel := context.WithTimeout(store.WithBusyNotice(context.WithoutCancel(ctx), nil), recordTry)
	defer cancel()
	st, err := o.Factory.Store(rctx)
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
		row := downloadedFile(it)
		if old, err := st.Get(rctx, row.Path); err == nil && sameRecord(old, row) {
			return // a read: no lock to wait for
		}
		if o.pending != nil && o.pending.isBusy() {
			o.pending.add(it, false)
			return
		}
		err = st.Upsert(rctx, row)
	}
	if store.IsBusy(err) && o.pending != nil {
		o.pending.add(it, true)
		return
	}
	if err != nil {
		warn("%s: could not record it in the library: %v", filepath.Base(it.Dest), err)
		var hinter interface{ Hint() string }
		if errors.As(err, &hinter) { // the library's own advice (a full disk, permissions)
			tr.Hint("%s", hinter.Hint())
		}
	}
}

// flushRecords records the files whose record waited for another writer
// of the library (recordDownload), waiting for it as long as a command
// does (store.LockWait, saying so; Ctrl-C stops it), or recordWait when
// the run was interrupted already. What still fails is a warning, with
// the way to record the files later.
func flushRecords(ctx context.Context, o *Options) {
	if o.pending == nil {
		return
	}
	items := o.pending.take()
	if len(items) == 0 {
		return
	}
	ios := o.Factory.IOStreams
	base, wait := ctx, store.LockWait
	if ctx.Err() != nil {
		base, wait = context.WithoutCancel(ctx), recordWait
	}
	rctx, cancel := context.WithTimeout(base, wait)
	defer cancel()
	// Not "downloaded files": files found present, whose record was
	// stale, are among them.
	files := plural(len(items), "file")
	rctx = store.WithBusyNotice(rctx, func() {
		fmt.Fprintf(ios.ErrOut, "civit: note: the library is busy: another civit (a scan?) is writing it; waiting to record %s in the library… (Ctrl-C stops)\n", files)
	})
	st, err := o.Factory.Store(rctx)
	if err == nil {
		rows := make([]*store.File, 0, len(items))
		for _, it := range items {
			rows = append(rows, downloadedFile(it))
		}
		err = st.Upsert(rctx, rows...)
	}
	if err == nil {
		return
	}
	if errors.Is(err, context.Canceled) {
		err = errors.New("interrupted while waiting for the library")
	}
	fmt.Fprintf(ios.ErrOut, "civit: warning: %s not recorded in the library: %v\n", files, err)
	dirs := map[string]bool{}
	var args []string
	for _, it := range items {
		if d := filepath.Dir(it.Dest); !dirs[d] {
			dirs[d] = true
			args = append(args, cmdutil.Quote(d))
		}
	}
	fmt.Fprintf(ios.ErrOut, "civit: hint: once the library is free, run `civit scan %s` to record them\n", strings.Join(args, " "))
}

// sameRecord reports whether the library's row old already says what row
// would: the same file on disk (size, modification time, inode), the same
// content, and the same CivitAI file, model and version. Writing row
// again would change only when it was checked.
func sameRecord(old, row *store.File) bool {
	return old.Size == row.Size && old.MTime.Equal(row.MTime) && old.Inode == row.Inode && old.Dev == row.Dev &&
		strings.EqualFold(old.SHA256, row.SHA256) && old.State == row.State &&
		old.ModelID == row.ModelID && old.VersionID == row.VersionID && old.FileID == row.FileID &&
		old.ModelName == row.ModelName && old.VersionName == row.VersionName && old.FileName == row.FileName &&
		old.ModelType == row.ModelType && old.BaseModel == row.BaseModel && slices.Equal(old.TrainedWords, row.TrainedWords)
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
