package update

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/library"
	"github.com/civit/civit/internal/sidecar"
	"github.com/civit/civit/internal/store"
	"github.com/civit/civit/internal/winfs"
)

// removeOld deletes the old files of u (not those that now hold the new
// version) with their sidecars and the symbolic links to them the library
// knows, and forgets them in the library. It returns what it deleted.
func removeOld(ctx context.Context, st *store.Store, u *library.Update, paths []string) ([]string, error) {
	rows, err := st.List(ctx, store.Filter{ModelIDs: []int64{u.ModelID}})
	if err != nil {
		return nil, err
	}
	current := map[string]bool{}
	for _, r := range rows {
		if r.VersionID == u.Latest.ID {
			current[store.PathKey(r.Path)] = true
		}
	}
	var gone []string
	var errs []error
	for _, p := range paths {
		if current[store.PathKey(p)] {
			continue // the new version's file, in another case (Windows)
		}
		if err := checkOld(ctx, st, p); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			// err is "remove PATH: ..." already.
			if winfs.InUse(err) {
				err = cmdutil.WithHint(err, fmt.Sprintf("close the program that has it open (a UI with the model loaded), then run `civit update %d --remove-old` again", u.ModelID))
			}
			errs = append(errs, err)
			continue
		}
		gone = append(gone, p)
		removeSidecars(p, current)
		links, err := removeLinks(ctx, st, p, current)
		gone = append(gone, links...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := st.Delete(ctx, gone...); err != nil {
		errs = append(errs, err)
	}
	return gone, errors.Join(errs...)
}

// removeSidecars deletes the sidecars of the model file p (sidecarsOf).
func removeSidecars(p string, keep map[string]bool) {
	for _, s := range sidecarsOf(p, keep) {
		_ = os.Remove(s)
	}
}

// sidecarsOf lists the sidecars of the model file p that are there: its
// .civitai.info, A1111 card, other tools' files and previews; none when
// another model file with the same stem (whose sidecars they also are)
// remains, there or in keep.
func sidecarsOf(p string, keep map[string]bool) []string {
	stem := strings.TrimSuffix(p, filepath.Ext(p))
	for _, ext := range library.ModelExts() {
		other := stem + ext
		if other == p {
			continue
		}
		if _, err := os.Lstat(other); err == nil || keep[store.PathKey(other)] {
			return nil
		}
	}
	side := []string{sidecar.InfoPath(p), sidecar.JSONPath(p), stem + sidecar.SuffixStabilityMtx, stem + sidecar.SuffixLoraManager,
		stem + sidecar.SuffixCivicomfy, stem + sidecar.SuffixSHA256}
	for _, ext := range sidecar.PreviewExts() {
		side = append(side, sidecar.PreviewPath(p, ext), stem+"."+ext)
	}
	var there []string
	for _, s := range side {
		if _, err := os.Lstat(s); err == nil && !slices.Contains(there, s) {
			there = append(there, s)
		}
	}
	return there
}

// checkOld makes sure the old file at p is what the library says before
// --remove-old deletes or replaces it: a row whose SHA-256 a sidecar
// stated (the file was not hashed) is hashed now, and a file that is not
// that content, or changed since the library recorded it, is left alone.
// A stale sidecar beside a file copied in later once named another model,
// and the update deleted the user's file as its old version.
func checkOld(ctx context.Context, st *store.Store, p string) error {
	row, err := st.Get(ctx, library.Canonical(p))
	if err != nil || row == nil {
		return nil // not recorded: nothing to check it against
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil // gone already
	}
	ino, dev := library.FileID(p, fi)
	// Unchanged: as recorded, and its inode not changed since (bytes
	// rewritten in place keep the size, and the mtime can be put back).
	ctime := library.ChangeTime(fi)
	unchanged := row.Size == fi.Size() && row.MTime.Equal(fi.ModTime()) && (row.Inode == 0 || row.Inode == ino && row.Dev == dev) &&
		(ctime.IsZero() || row.UpdatedAt.IsZero() || !ctime.After(row.UpdatedAt))
	if unchanged && !strings.HasPrefix(row.Source, store.SourceSidecarPrefix) || row.SHA256 == "" {
		return nil
	}
	sha, _, err := library.HashFile(ctx, p, nil, nil)
	if err != nil {
		return fmt.Errorf("not removed: %w", err)
	}
	if !strings.EqualFold(sha, row.SHA256) {
		version := row.VersionName
		if version == "" {
			version = fmt.Sprintf("version %d", row.VersionID)
		}
		return cmdutil.WithHint(fmt.Errorf("not removed: %s is not the file of %s the library recorded (SHA-256 %s, recorded %s)", p, version, short(sha), short(row.SHA256)),
			fmt.Sprintf("run `civit scan --rehash %s` to learn what it is", cmdutil.Quote(filepath.Dir(p))))
	}
	return nil
}

func short(sha string) string { return sha[:min(len(sha), 10)] }
