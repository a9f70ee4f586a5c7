package download

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/civit/civit/internal/cmdutil"
	dl "github.com/civit/civit/internal/download"
	"github.com/civit/civit/internal/layout"
	"github.com/civit/civit/internal/library"
	"github.com/civit/civit/internal/tableprinter"
)

// onDisk says, for --dry-run, what a run would find at it.Dest and how
// many bytes it would still fetch: nothing there (""), the file already
// present, a different file (refused without --force), a file that only
// its hash will tell apart, or an interrupted download to resume. It does
// not hash: a file is known from the library's record of it (same size,
// time and inode) or told apart by its size.
func onDisk(ctx context.Context, o *Options, it *item) (state string, toFetch int64) {
	size := it.File.SizeBytes()
	fi, err := os.Stat(it.Dest)
	if li, lerr := os.Lstat(it.Dest); err != nil && lerr == nil && li.Mode()&os.ModeSymlink != 0 {
		if o.Force {
			return "a symbolic link to a missing file is there: replaced (--force)", size
		}
		return "a symbolic link to a missing file is there: needs --force", size
	}
	if err != nil {
		done, total, ok := dl.Partial(it.Dest, identity(it))
		switch {
		case dl.Busy(it.Dest) && ok:
			return fmt.Sprintf("being downloaded by another civit (%s of %s so far)", tableprinter.Bytes(done), tableprinter.Bytes(total)), max(total-done, 0)
		case dl.Busy(it.Dest):
			return "being downloaded by another civit", size
		}
		// What the run discards, saying "starting over": said so, not a
		// plain "ok" as if nothing were there.
		if why := dl.Unresumable(it.Dest, identity(it)); why != "" {
			return fmt.Sprintf("partial: cannot be resumed (%s): discarded, the download starts over", why), size
		}
		if !ok {
			return "", size
		}
		return fmt.Sprintf("partial: resumes at %s of %s", tableprinter.Bytes(done), tableprinter.Bytes(total)), max(total-done, 0)
	}
	if !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return "a folder is there", 0
		}
		return "not a regular file", 0
	}
	differs := "a different file is there: needs --force"
	if o.Force {
		differs = "a different file is there: replaced (--force)"
	}
	if rec, ok := recorded(ctx, o, it.Dest, fi); ok {
		if presentPerRecord(o, it, rec) {
			return "already present", 0
		}
		if it.File.Hashes.SHA256() != "" && rec.sha256 != "" {
			return differs, size
		}
	}
	// sizeKB is rounded to a fraction of a KiB by the API.
	if size > 0 && (fi.Size() < size-1024 || fi.Size() > size+1024) {
		return differs, size
	}
	if it.File.Hashes.SHA256() == "" && it.File.Hashes.BLAKE3() == "" {
		if rec, ok := recordedAnyTime(ctx, o, it.Dest, fi); ok && rec.fileID == it.File.ID {
			return "a file is there: compared with the library's hash of it when run", size
		}
		return "a file is there that nothing can be compared with (no published hash): needs --force", size
	}
	return "a file is there: compared by its hash when run", size
}

// leftover reports whether an earlier, interrupted download left its
// .part or control file beside dest, which a run that finds dest present
// removes (unless another civit is downloading it now).
func leftover(dest string) bool {
	for _, p := range []string{dest + ".part", dest + ".part.civit"} {
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() {
			return !dl.Busy(dest)
		}
	}
	return false
}

// libraryRecord is what the library knows of a file on disk: its SHA-256
// ("" for a download made with --no-verify) and the CivitAI file it was
// downloaded or identified as.
type libraryRecord struct {
	sha256 string
	fileID int64
	// model names the model and version the file was identified as, ""
	// when unknown.
	model string
}

// presentPerRecord reports whether the library's record of the unchanged
// file at it.Dest says it is it.File: by the published SHA-256; or, where
// that cannot tell (no SHA-256 published, or --no-verify asked not to
// check it), by the file id it was downloaded as.
func presentPerRecord(o *Options, it *item, rec libraryRecord) bool {
	want := it.File.Hashes.SHA256()
	switch {
	case want != "" && rec.sha256 != "" && strings.EqualFold(rec.sha256, want):
		return true
	case want == "" || o.NoVerify:
		return rec.fileID != 0 && rec.fileID == it.File.ID
	}
	return false
}

// recorded returns the library's record of path when the file is still the
// one recorded (same size, modification time and inode).
func recorded(ctx context.Context, o *Options, path string, fi os.FileInfo) (libraryRecord, bool) {
	return libraryRow(ctx, o, path, fi, true)
}

// recordedAnyTime is recorded without the time and inode: the record of a
// file of the same size whose bytes only a hash can tell.
func recordedAnyTime(ctx context.Context, o *Options, path string, fi os.FileInfo) (libraryRecord, bool) {
	return libraryRow(ctx, o, path, fi, false)
}

func libraryRow(ctx context.Context, o *Options, path string, fi os.FileInfo, sameTimes bool) (libraryRecord, bool) {
	if o.Factory.Store == nil {
		return libraryRecord{}, false
	}
	abs := library.Canonical(path)
	st, err := o.Factory.Store(ctx)
	if err != nil {
		return libraryRecord{}, false
	}
	row, err := st.Get(ctx, abs)
	if err != nil || row.SHA256 == "" && row.FileID == 0 {
		return libraryRecord{}, false
	}
	ino, dev := library.FileID(path, fi)
	if row.Size != fi.Size() || sameTimes && (!row.MTime.Equal(fi.ModTime()) || row.Inode != ino || row.Dev != dev) {
		return libraryRecord{}, false
	}
	rec := libraryRecord{sha256: row.SHA256, fileID: row.FileID}
	if row.ModelName != "" {
		rec.model = fmt.Sprintf("%s %s (model %d, version %d)", row.ModelName, row.VersionName, row.ModelID, row.VersionID)
	}
	return rec, true
}

// existsHint is the advice for the different file at it.Dest that a run
// does not replace without --force: how to keep both, and, when the
// library knows the file there as another CivitAI file, what --force
// would destroy (two models publishing the same file name is common).
func existsHint(ctx context.Context, o *Options, it *item) string {
	elsewhere := "`-o DIR` to download elsewhere"
	if o.Layout != layout.Flat {
		elsewhere = "`--subdir '{model}'` to give each model a folder of its own"
		if !o.Subdir.IsZero() {
			elsewhere = "another `--subdir`"
		}
	}
	if fi, err := os.Stat(it.Dest); err == nil {
		if rec, ok := recordedAnyTime(ctx, o, it.Dest, fi); ok && rec.model != "" && rec.fileID != it.File.ID {
			return fmt.Sprintf("the library knows the file there as %s; keep both with %s (`--force` would replace it)", rec.model, elsewhere)
		}
	}
	return "use `--force` to replace it, or " + elsewhere
}

// withExistsHint gives a refusal to replace a different file its advice
// (existsHint); other errors are returned as they are.
func withExistsHint(ctx context.Context, o *Options, it *item, err error) error {
	var ex *dl.ExistsError
	if !errors.As(err, &ex) {
		return err
	}
	return cmdutil.WithHint(err, existsHint(ctx, o, it))
}

// identity names the file for the engine's control file.
func identity(it *item) string { return fmt.Sprintf("mv:%d/f:%d", it.Version.ID, it.File.ID) }

// inTheWay returns, for --dry-run and the run's advice, why a download to
// dest cannot start whatever its folder: a folder (or a special file) at
// dest, which is never replaced, or at dest's .part, where the download is
// written. The error has a hint naming it; nil when neither is there.
func inTheWay(dest string) error {
	fi, err := os.Stat(dest)
	if err == nil && !fi.Mode().IsRegular() {
		return cmdutil.WithHint(fmt.Errorf("%s exists and is %s, not a file that can be replaced", dest, kindOf(fi)),
			fmt.Sprintf("%s %s is in the way; move or rename it, or choose another folder with `-o`", kindOf(fi), dest))
	}
	part := dest + ".part"
	if fi, err := os.Stat(part); err == nil && !fi.Mode().IsRegular() {
		return cmdutil.WithHint(fmt.Errorf("%s, where the download is written, is %s, not a file", part, kindOf(fi)),
			fmt.Sprintf("%s %s is in the way; move or rename it, or choose another folder with `-o`", kindOf(fi), part))
	}
	return nil
}

// kindOf is "a folder" or "a special file".
func kindOf(fi os.FileInfo) string {
	if fi.IsDir() {
		return "a folder"
	}
	return "a special file"
}
