package update

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	dl "github.com/civit/civit/internal/download"
	"github.com/civit/civit/internal/library"
	"github.com/civit/civit/internal/store"
)

// versionGetter fetches a version with its files; *api.Client has it.
type versionGetter interface {
	GetModelVersion(ctx context.Context, id int64) (*api.ModelVersion, error)
}

// plan is one model to update.
type plan struct {
	u *library.Update
	// err is why the model cannot be updated, found while planning.
	err error
	// jobs are the files of the latest version to download, each into one
	// folder.
	jobs []*job
	// kept are the files on disk that stay as they are, and why.
	kept []*library.FileUpdate
	// upToDate: the newest version is on disk already; jobs then bring the
	// files of older versions left without their replacement up to it,
	// and remove lists (with --remove-old) the older files whose
	// replacement is beside them.
	upToDate bool
	remove   []string
}

// job is one file of the latest version to download into one folder, and
// the files on disk it replaces there.
type job struct {
	dir  string
	file *library.FileRef
	dest string             // dir and the file's name
	from library.VersionRef // the version of the files it replaces
	olds []string
	// inPlace: dest is one of olds (the new file has the old one's name).
	inPlace bool
	err     error // why it cannot be done, found while planning
	done    bool
}

// failed reports whether the model cannot be updated: a problem found
// while planning stops the whole model, so that nothing is half done.
func (p *plan) failed() bool {
	return p.err != nil || slices.ContainsFunc(p.jobs, func(j *job) bool { return j.err != nil })
}

// units is how many outcomes the plan has: one per download and one for
// removing older files, or one when it cannot be done.
func (p *plan) units() int {
	if p.failed() {
		return 1
	}
	n := len(p.jobs)
	if len(p.remove) > 0 {
		n++
	}
	return n
}

// dirs are the folders that get new files.
func (p *plan) dirs() []string {
	var out []string
	for _, j := range p.jobs {
		if !slices.Contains(out, j.dir) {
			out = append(out, j.dir)
		}
	}
	return out
}

// removals are the old files the plan removes with --remove-old, or
// overwrites with a new file of the same name.
func (p *plan) removals() []string {
	out := slices.Clone(p.remove)
	for _, j := range p.jobs {
		out = append(out, j.olds...)
	}
	return out
}

// newPlan turns the file pairs of an outdated model into downloads: each
// file of the latest version that replaces a file on disk goes into that
// file's folder (so a VAE goes where the old VAE is, a checkpoint where the
// old checkpoint is, and a model kept for two UIs is updated in both),
// once per folder. A new file with an old file's name replaces it only
// with --remove-old, unless it is the same content.
func newPlan(u *library.Update, files []*library.FileUpdate, removeOld bool) *plan {
	return planFiles(u, files, removeOld, store.PathKey)
}

// planFiles is newPlan with paths compared by their key: on Windows the
// new file mylora.safetensors is the old MyLora.safetensors.
func planFiles(u *library.Update, files []*library.FileUpdate, removeOld bool, key func(string) string) *plan {
	p := &plan{u: u}
	onDisk := map[string]*library.FileUpdate{}
	for _, fu := range files {
		onDisk[key(fu.Path)] = fu
	}
	type dirFile struct {
		dir string
		id  int64
	}
	byKey := map[dirFile]*job{}
	byDest := map[string]*job{}
	for _, fu := range files {
		if fu.New == nil {
			p.kept = append(p.kept, fu)
			continue
		}
		dir := filepath.Dir(fu.Path)
		k := dirFile{key(dir), fu.New.ID}
		j := byKey[k]
		if j == nil {
			j = &job{dir: dir, file: fu.New, from: u.Current}
			byKey[k] = j
			p.jobs = append(p.jobs, j)
			name, err := dl.SanitizeFilename(fu.New.Name)
			switch {
			case err != nil:
				j.err = fmt.Errorf("file %d of %s: %w", fu.New.ID, u.Latest.Name, err)
			case byDest[key(filepath.Join(dir, name))] != nil:
				j.err = fmt.Errorf("files %d and %d of %s have the same name %s: only one of them can go into %s",
					byDest[key(filepath.Join(dir, name))].file.ID, fu.New.ID, u.Latest.Name, name, dir)
			default:
				j.dest = filepath.Join(dir, name)
				byDest[key(j.dest)] = j
			}
		}
		j.olds = append(j.olds, fu.Path)
	}
	for _, j := range p.jobs {
		old, ok := onDisk[key(j.dest)]
		switch {
		case j.err != nil || !ok:
		case !slices.ContainsFunc(j.olds, func(o string) bool { return key(o) == key(j.dest) }):
			j.err = fmt.Errorf("the new version's file %s would overwrite %s, which it does not replace", filepath.Base(j.dest), j.dest)
		default:
			j.inPlace = true
			same := old.Old != nil && old.Old.SHA256 != "" && old.Old.SHA256 == j.file.SHA256
			if !removeOld && !same {
				j.err = cmdutil.WithHint(fmt.Errorf("the new version's file %s has the same name as the old one", filepath.Base(j.dest)),
					"use `--remove-old` to replace it")
			}
		}
	}
	return p
}

// filesFor pairs the files on disk of u's current version with the files
// of its latest version, asking CivitAI when Outdated could not.
func filesFor(ctx context.Context, st *store.Store, c versionGetter, u *library.Update) ([]*library.FileUpdate, error) {
	if u.Files != nil {
		return u.Files, nil
	}
	latest, err := c.GetModelVersion(ctx, u.Latest.ID)
	if err != nil {
		return nil, fmt.Errorf("the files of %s: %w", u.Latest.Name, err)
	}
	cur, err := c.GetModelVersion(ctx, u.Current.ID)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		cur = nil // gone from CivitAI: its files cannot be told apart
	}
	rows, err := st.List(ctx, store.Filter{ModelIDs: []int64{u.ModelID}, State: store.StateIdentified})
	if err != nil {
		return nil, err
	}
	return library.PlanFiles(library.CurrentRows(u, rows), cur, latest), nil
}

// upToDatePlans plans, for each base model a model has files for (one
// line of it), the files of older versions when its newest is on disk: a file whose replacement (the file of the newest
// version that library.MatchFile picks) is beside it is removed with
// --remove-old; one without it gets it (a multi-file model whose update
// was cut short); the others are kept. A line with nothing to do has no
// plan.
func upToDatePlans(ctx context.Context, st *store.Store, c versionGetter, id int64, removeOld, anyBase bool) ([]*plan, error) {
	rows, err := st.List(ctx, store.Filter{ModelIDs: []int64{id}, State: store.StateIdentified})
	if err != nil {
		return nil, err
	}
	// A file deleted since it was recorded is neither to remove nor to
	// bring up to date (its folder may be gone, or its drive unmounted).
	rows = slices.DeleteFunc(rows, func(r *store.File) bool { return !library.OnDisk(r.Path) })
	newer := library.VersionOrder(ctx, st, id)
	var out []*plan
	// Files for another base model are another line of the model: not
	// older files of this one, to replace or remove.
	for _, line := range library.Lines(rows, anyBase) {
		p, err := upToDatePlan(ctx, c, id, line, newer, removeOld)
		if err != nil {
			return nil, err
		}
		if p != nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// upToDatePlan is upToDatePlans for the files of one base model (rows).
func upToDatePlan(ctx context.Context, c versionGetter, id int64, rows []*store.File, newer func(a, b int64) bool, removeOld bool) (*plan, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	newest := rows[0]
	for _, r := range rows[1:] {
		if newer(r.VersionID, newest.VersionID) {
			newest = r
		}
	}
	if !slices.ContainsFunc(rows, func(r *store.File) bool { return r.VersionID != newest.VersionID }) {
		return nil, nil
	}
	u := &library.Update{ModelID: id, Model: newest.ModelName, ModelType: newest.ModelType,
		Current: library.VersionRef{ID: newest.VersionID, Name: newest.VersionName}, Dir: filepath.Dir(newest.Path),
		Latest: &store.VersionInfo{ID: newest.VersionID, Name: newest.VersionName}}
	newV, err := c.GetModelVersion(ctx, newest.VersionID)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !removeOld {
			return nil, nil // nothing to remove; the newest version is on disk
		}
		return &plan{u: u, upToDate: true, err: fmt.Errorf("the files of %s: %w", newest.VersionName, err)}, nil
	}
	// The files of the newest version on disk, by folder.
	type key struct {
		dir string
		id  int64
	}
	onDisk := map[key]bool{}
	for _, r := range rows {
		if r.VersionID == newest.VersionID {
			if f := library.IdentifyFile(r, newV.Files); f != nil {
				onDisk[key{filepath.Dir(r.Path), f.ID}] = true
			}
		}
	}
	var kept, behind []*library.FileUpdate
	var remove []string
	from := map[string]library.VersionRef{} // old path -> its version
	versions := map[int64]*api.ModelVersion{}
	for _, r := range rows {
		if r.VersionID == newest.VersionID {
			continue
		}
		v, ok := versions[r.VersionID]
		if !ok {
			if v, err = c.GetModelVersion(ctx, r.VersionID); err != nil && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			versions[r.VersionID] = v // nil when CivitAI no longer has it
		}
		fu := &library.FileUpdate{Path: r.Path}
		var old *api.File
		if v != nil {
			old = library.IdentifyFile(r, v.Files)
		}
		if old == nil {
			fu.Note = fmt.Sprintf("it is none of the files CivitAI lists for %s, so civit cannot tell which file of %s replaces it", r.VersionName, newV.Name)
			kept = append(kept, fu)
			continue
		}
		fu.Old = library.RefOf(old)
		n := library.MatchFile(old, newV.Files)
		switch {
		case n == nil:
			fu.Note = library.NoMatchNote(old, newV.Name)
			kept = append(kept, fu)
		case onDisk[key{filepath.Dir(r.Path), n.ID}]:
			remove = append(remove, r.Path)
		default:
			fu.New = library.RefOf(n)
			behind = append(behind, fu)
			from[r.Path] = library.VersionRef{ID: r.VersionID, Name: r.VersionName}
		}
	}
	p := newPlan(u, behind, removeOld)
	p.upToDate = true
	for _, j := range p.jobs {
		j.from = from[j.olds[0]]
	}
	if removeOld {
		// Only then do the kept files need a word: they are not removed.
		p.kept, p.remove = kept, remove
	}
	if len(p.jobs) == 0 && len(p.kept) == 0 && len(p.remove) == 0 {
		return nil, nil
	}
	return p, nil
}

// sameBase keeps the files of rows for base model base (all with anyBase,
// or when a base is unknown).
func sameBase(rows []*store.File, base string, anyBase bool) []*store.File {
	if anyBase {
		return rows
	}
	return slices.DeleteFunc(slices.Clone(rows), func(r *store.File) bool { return !library.SameBase(r.BaseModel, base) })
}

// behindFiles pairs the files of an outdated model that are older than its
// current version, in folders with nothing newer (the model kept for
// another UI at an older version, or an update cut short), with the file of
// u's latest version that replaces each, so that one update brings every
// folder to it. from gives the version of each of them. Older files kept
// beside a newer one (--keep-old) are left alone.
func behindFiles(ctx context.Context, st *store.Store, c versionGetter, u *library.Update, anyBase bool) (out []*library.FileUpdate, from map[string]library.VersionRef, err error) {
	rows, err := st.List(ctx, store.Filter{ModelIDs: []int64{u.ModelID}, State: store.StateIdentified})
	if err != nil {
		return nil, nil, err
	}
	rows = slices.DeleteFunc(rows, func(r *store.File) bool { return r.VersionID == 0 || !library.OnDisk(r.Path) })
	rows = sameBase(rows, u.BaseModel, anyBase)
	newer := library.VersionOrder(ctx, st, u.ModelID)
	dirs := library.DirNewest(rows, newer)
	var behind []*store.File
	for _, r := range rows {
		if r.VersionID != u.Current.ID && dirs[filepath.Dir(r.Path)] == r.VersionID && newer(u.Current.ID, r.VersionID) {
			behind = append(behind, r)
		}
	}
	if len(behind) == 0 {
		return nil, nil, nil
	}
	latest, err := c.GetModelVersion(ctx, u.Latest.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("the files of %s: %w", u.Latest.Name, err)
	}
	from = map[string]library.VersionRef{}
	versions := map[int64]*api.ModelVersion{}
	for _, r := range behind {
		v, ok := versions[r.VersionID]
		if !ok {
			if v, err = c.GetModelVersion(ctx, r.VersionID); err != nil && ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			versions[r.VersionID] = v // nil when CivitAI no longer has it
		}
		fu := library.PlanFiles([]*store.File{r}, v, latest)[0]
		out = append(out, fu)
		from[r.Path] = library.VersionRef{ID: r.VersionID, Name: r.VersionName}
	}
	return out, from, nil
}

// nameTaken refuses, while planning, a new file whose name another file
// already holds in its folder (one it does not replace), when the library
// knows that file as another, unchanged since: the run would be refused
// there anyway (the download does not overwrite a different file), and
// the dry run now says so. One the library does not know is left to the
// run, which hashes it.
//
// A file of an older version of the same model is treated as the files
// the new one replaces: replaced with --remove-old, refused without it.
// Another file of the new version itself (its fp32 beside the fp16) is
// never replaced.
func nameTaken(ctx context.Context, st *store.Store, p *plan, removeOld bool) {
	for _, j := range p.jobs {
		if j.err != nil || j.dest == "" || j.inPlace || j.file == nil || j.file.SHA256 == "" {
			continue
		}
		fi, err := os.Stat(j.dest)
		if err != nil {
			continue
		}
		row, err := st.Get(ctx, library.Canonical(j.dest))
		if err != nil || row.SHA256 == "" || row.Size != fi.Size() || !row.MTime.Equal(fi.ModTime()) || strings.EqualFold(row.SHA256, j.file.SHA256) {
			continue
		}
		if row.ModelID == p.u.ModelID && row.VersionID != 0 && (p.u.Latest == nil || row.VersionID != p.u.Latest.ID) {
			if removeOld {
				j.inPlace = true
				j.olds = append(j.olds, j.dest)
			} else {
				j.err = cmdutil.WithHint(fmt.Errorf("the new version's file %s has the name of %s's file %s", filepath.Base(j.dest), row.VersionName, j.dest),
					"use `--remove-old` to replace it")
			}
			continue
		}
		what := "another file"
		if row.VersionName != "" {
			what = fmt.Sprintf("the file of %s", row.VersionName)
			if row.FileID != 0 {
				what = fmt.Sprintf("another file of %s (file %d)", row.VersionName, row.FileID)
			}
		}
		j.err = cmdutil.WithHint(fmt.Errorf("the new version's file %s would overwrite %s, %s", filepath.Base(j.dest), j.dest, what),
			fmt.Sprintf("move, rename or delete it, then run `civit update %d` again", p.u.ModelID))
	}
}
