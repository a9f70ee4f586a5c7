// Package update implements `civit update`: download the newer versions of
// models of the library next to the old files, and optionally remove the
// old ones.
package update

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/civit/civit/internal/api"

	"github.com/civit/civit/internal/cmd/download"
	"github.com/civit/civit/internal/cmd/outdated"
	"github.com/civit/civit/internal/cmdutil"
	dl "github.com/civit/civit/internal/download"
	"github.com/civit/civit/internal/iostreams"
	"github.com/civit/civit/internal/library"
	"github.com/civit/civit/internal/sidecar"
	"github.com/civit/civit/internal/store"
	"github.com/civit/civit/internal/tableprinter"
	"github.com/civit/civit/internal/target"
)

// Options are the parsed flags of `civit update`.
type Options struct {
	Factory *cmdutil.Factory

	ModelIDs  []int64
	All       bool
	Types     []string
	KeepOld   bool
	RemoveOld bool
	Yes       bool
	DryRun    bool
	Refresh   bool
	AnyBase   bool
	Quiet     bool
	Rate      float64
}

// NewCmdUpdate returns the update command. runF replaces the run in tests.
func NewCmdUpdate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "update {<model>... | --all} [--keep-old | --remove-old] [flags]",
		Short: "Download newer versions of models in the library",
		Long: strings.TrimSpace(`
Download the newest version (not in early access) of the given models of
the library — model ids or model URLs — or of every outdated model with
--all (see 'civit outdated'), with the same engine, verification and
sidecars as 'civit download'. --type keeps --all to models of these types,
as 'civit outdated --type' lists them.

The newest version is the newest for the base model of the version on
disk: a LoRA's SD 1.5 file is not replaced by its SDXL version, and files
of another base model are left alone (a note names a newer version that
exists only for another base). --any-base updates across base models.

Each file on disk of the old version is replaced by the new version's file
that matches it: the same file type (Model, VAE, Config, Training Data,
...), preferring the same format (SafeTensor, PickleTensor, GGUF, ...),
then the same fp, size and quantisation; a GGUF only by a GGUF. The new file goes into the folder of the file
it replaces, so a VAE stays in the VAE folder and a model kept for two UIs
is updated in both (downloaded once, then taken from the library). A file
whose type the new version does not have is neither updated nor removed;
a note says so. Files of an older version than the newest on disk, in a
folder with nothing newer (the model kept for another UI at an older
version), are updated too. A named model whose newest version is on disk
also gets the files its older files still lack (an update cut short);
with --all, so does any model with a folder left at an older version, so
running an interrupted 'civit update --all' again finishes it.

Old versions are kept (--keep-old, the default). --remove-old deletes each
old file and its sidecars once its replacement is downloaded and verified,
and forgets it in the library. It asks for confirmation on a terminal;
elsewhere it needs --yes (without it civit refuses instead of waiting for
an answer). When a new file has the same name as the old one, only
--remove-old can replace it; until then nothing of that model is updated.

--dry-run shows, per model, the new files, the folders they go into, the
files kept and the old files removed, and does nothing.

EXIT STATUS
  0 done (also when everything is up to date), 1 error, 2 bad flags or
  --remove-old without --yes off a terminal, 3 some models failed (each is
  listed), 4 a key is needed, 130 interrupted (run it again to resume).`),
		Example: strings.TrimSpace(`
# everything that is outdated, keeping the old files
$ civit update --all

# one model, replacing the old version
$ civit update 4201 --remove-old --yes

# what would happen
$ civit update --all --remove-old --dry-run`),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, a := range args {
				t, err := target.Parse(a, "")
				if err != nil {
					return err
				}
				if t.ModelID == 0 {
					return cmdutil.FlagErrorf("%q names a version, not a model: give the model id or its URL", a)
				}
				opts.ModelIDs = append(opts.ModelIDs, t.ModelID)
			}
			if err := cmdutil.CheckRate(opts.Rate); err != nil {
				return err
			}
			switch {
			case len(args) == 0 && !opts.All:
				return cmdutil.FlagErrorf("give model ids to update, or `--all`")
			case len(args) > 0 && opts.All:
				return cmdutil.FlagErrorf("give either model ids or `--all`, not both")
			case len(opts.Types) > 0 && !opts.All:
				return cmdutil.FlagErrorf("`--type` goes with `--all`")
			case opts.KeepOld && opts.RemoveOld:
				return cmdutil.FlagErrorf("give either `--keep-old` or `--remove-old`")
			case opts.RemoveOld && !opts.Yes && !opts.DryRun && !f.IOStreams.CanPrompt():
				return cmdutil.WithHint(cmdutil.FlagErrorf("`--remove-old` deletes files: confirm with `--yes`"),
					"see what would be removed with `--dry-run`")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.All, "all", false, "update every outdated model")
	fl.StringSliceVarP(&opts.Types, "type", "t", nil, "with --all, only models of this `type` (repeatable or comma-separated): lora, checkpoint, ...")
	fl.BoolVar(&opts.KeepOld, "keep-old", false, "keep the old versions (the default)")
	fl.BoolVar(&opts.RemoveOld, "remove-old", false, "delete the old versions and their sidecars after the update")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "show what would be done, do nothing")
	fl.BoolVar(&opts.Refresh, "refresh", false, "ask CivitAI again even if recently asked")
	fl.BoolVar(&opts.AnyBase, "any-base", false, "update to a newer version for another base model too (SD 1.5 -> SDXL)")
	fl.BoolVarP(&opts.Quiet, "quiet", "q", false, "print only errors and the summary")
	fl.Float64Var(&opts.Rate, "rate", 2, "at most `N` CivitAI requests per second")
	return cmd
}

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
	p := &plan{u: u}
	onDisk := map[string]*library.FileUpdate{}
	for _, fu := range files {
		onDisk[fu.Path] = fu
	}
	type key struct {
		dir string
		id  int64
	}
	byKey := map[key]*job{}
	byDest := map[string]*job{}
	for _, fu := range files {
		if fu.New == nil {
			p.kept = append(p.kept, fu)
			continue
		}
		k := key{filepath.Dir(fu.Path), fu.New.ID}
		j := byKey[k]
		if j == nil {
			j = &job{dir: k.dir, file: fu.New, from: u.Current}
			byKey[k] = j
			p.jobs = append(p.jobs, j)
			name, err := dl.SanitizeFilename(fu.New.Name)
			switch {
			case err != nil:
				j.err = fmt.Errorf("file %d of %s: %w", fu.New.ID, u.Latest.Name, err)
			case byDest[filepath.Join(k.dir, name)] != nil:
				j.err = fmt.Errorf("files %d and %d of %s have the same name %s: only one of them can go into %s",
					byDest[filepath.Join(k.dir, name)].file.ID, fu.New.ID, u.Latest.Name, name, k.dir)
			default:
				j.dest = filepath.Join(k.dir, name)
				byDest[j.dest] = j
			}
		}
		j.olds = append(j.olds, fu.Path)
	}
	for _, j := range p.jobs {
		old, ok := onDisk[j.dest]
		switch {
		case j.err != nil || !ok:
		case !slices.Contains(j.olds, j.dest):
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
	newer := versionOrder(ctx, st, id)
	var out []*plan
	// Files for another base model are another line of the model: not
	// older files of this one, to replace or remove.
	for _, line := range lines(rows, anyBase) {
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

// lines groups one model's files by base model (one group with anyBase).
func lines(rows []*store.File, anyBase bool) [][]*store.File {
	if anyBase {
		return [][]*store.File{rows}
	}
	var keys []string
	by := map[string][]*store.File{}
	for _, r := range rows {
		k := strings.ToLower(r.BaseModel)
		if by[k] == nil {
			keys = append(keys, k)
		}
		by[k] = append(by[k], r)
	}
	out := make([][]*store.File, 0, len(keys))
	for _, k := range keys {
		out = append(out, by[k])
	}
	return out
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

// versionOrder returns whether version a of model id is newer than b: by
// the version list kept in the library (newest first), then by id.
func versionOrder(ctx context.Context, st *store.Store, id int64) func(a, b int64) bool {
	rank := map[int64]int{}
	if mv, err := st.GetModelVersions(ctx, id); err == nil {
		for i, v := range mv.Versions {
			rank[v.ID] = len(mv.Versions) - i
		}
	}
	return func(a, b int64) bool {
		return rank[a] > rank[b] || (rank[a] == rank[b] && a > b)
	}
}

// dirNewest returns, for each folder of rows (one model's files), the newest
// version it holds.
func dirNewest(rows []*store.File, newer func(a, b int64) bool) map[string]int64 {
	out := map[string]int64{}
	for _, r := range rows {
		d := filepath.Dir(r.Path)
		if v, ok := out[d]; !ok || newer(r.VersionID, v) {
			out[d] = r.VersionID
		}
	}
	return out
}

// behindModels returns the models of the library, other than those in
// skip, that have a folder holding only versions older than the newest on
// disk: an update cut short (Ctrl-C, a failed download) or a model updated
// in one UI and not in another. `update --all` brings them up to date as
// a named model is (upToDatePlan). Files kept beside their replacement
// (--keep-old) do not count, and no request is sent to find them.
func behindModels(ctx context.Context, st *store.Store, skip map[int64]bool, types []string, anyBase bool) ([]int64, error) {
	rows, err := st.List(ctx, store.Filter{State: store.StateIdentified})
	if err != nil {
		return nil, err
	}
	byModel := map[int64][]*store.File{}
	var ids []int64
	for _, r := range rows {
		if r.ModelID == 0 || r.VersionID == 0 || skip[r.ModelID] || !library.OnDisk(r.Path) ||
			(len(types) > 0 && !slices.ContainsFunc(types, func(t string) bool { return strings.EqualFold(t, r.ModelType) })) {
			continue
		}
		if byModel[r.ModelID] == nil {
			ids = append(ids, r.ModelID)
		}
		byModel[r.ModelID] = append(byModel[r.ModelID], r)
	}
	var out []int64
	for _, id := range ids {
		newer := versionOrder(ctx, st, id)
		for _, files := range lines(byModel[id], anyBase) {
			if behind(files, newer) {
				out = append(out, id)
				break
			}
		}
	}
	return out, nil
}

// behind reports whether a folder of files (one model's, for one base
// model) holds only versions older than the newest among them.
func behind(files []*store.File, newer func(a, b int64) bool) bool {
	newest := files[0].VersionID
	for _, f := range files[1:] {
		if newer(f.VersionID, newest) {
			newest = f.VersionID
		}
	}
	for _, v := range dirNewest(files, newer) {
		if v != newest {
			return true
		}
	}
	return false
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
	newer := versionOrder(ctx, st, u.ModelID)
	dirs := dirNewest(rows, newer)
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

func run(ctx context.Context, o *Options) error {
	ios := o.Factory.IOStreams
	note := func(format string, args ...any) {
		if !o.Quiet { // model names come from CivitAI: no terminal escapes
			fmt.Fprintln(ios.ErrOut, tableprinter.Clean(fmt.Sprintf(format, args...)))
		}
	}
	st, err := o.Factory.Store()
	if err != nil {
		return err
	}
	types, err := outdated.ResolveTypes(ctx, o.Factory, o.Types)
	if err != nil {
		return err
	}
	res, err := outdated.Check(ctx, o.Factory, types, o.ModelIDs, false, o.Refresh, o.AnyBase, o.Rate)
	if err != nil {
		return err
	}
	// Failures found before planning; printed once it is known whether
	// there is more than one outcome.
	var early []error
	checked := map[int64]bool{} // named models that need no second look
	for _, e := range res.Errors {
		checked[e.ModelID] = true
		early = append(early, fmt.Errorf("model %d (%s): %s", e.ModelID, e.Model, e.Err))
	}
	if len(o.ModelIDs) > 0 {
		rows, err := st.List(ctx, store.Filter{ModelIDs: o.ModelIDs, State: store.StateIdentified})
		if err != nil {
			return err
		}
		inLib, deleted := map[int64]bool{}, map[int64]bool{}
		for _, r := range rows {
			if library.OnDisk(r.Path) {
				inLib[r.ModelID] = true
			} else {
				deleted[r.ModelID] = true
			}
		}
		for _, id := range o.ModelIDs {
			if !inLib[id] && deleted[id] {
				checked[id] = true
				early = append(early, cmdutil.WithHint(fmt.Errorf("model %d: its files in the library are no longer on disk", id),
					fmt.Sprintf("`civit scan` on their folder forgets them; download it again with `civit download %d`", id)))
				continue
			}
			if !inLib[id] {
				checked[id] = true
				early = append(early, cmdutil.WithHint(fmt.Errorf("model %d is not in the library", id),
					fmt.Sprintf("download it with `civit download %d`, or run `civit scan` on the folder that has it", id)))
			}
		}
	}
	c, err := o.Factory.APIClient(o.Refresh)
	if err != nil {
		return err
	}
	var plans []*plan
	waiting := 0 // models whose newer version is not one to update to
	for _, u := range res.Outdated {
		if u.Latest == nil {
			waiting++
			switch {
			case u.EarlyAccess != nil:
				note("%s (%d): the newer version %s is in early access; nothing to update yet", u.Model, u.ModelID, u.EarlyAccess.Name)
			case u.OtherBase != nil:
				note("%s (%d): the newer version %s is for %s, not %s; `--any-base` updates across base models", u.Model, u.ModelID, u.OtherBase.Name, u.OtherBase.BaseModel, u.BaseModel)
			}
			continue
		}
		checked[u.ModelID] = true
		files, err := filesFor(ctx, st, c, u)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			plans = append(plans, &plan{u: u, err: err})
			continue
		}
		more, from, err := behindFiles(ctx, st, c, u, o.AnyBase)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			plans = append(plans, &plan{u: u, err: err})
			continue
		}
		p := newPlan(u, append(slices.Clone(files), more...), o.RemoveOld)
		for _, j := range p.jobs {
			if v, ok := from[j.olds[0]]; ok {
				j.from = v
			}
		}
		plans = append(plans, p)
	}
	named := slices.Clone(o.ModelIDs)
	if o.All {
		// Models none of whose versions is outdated may still have a
		// folder left behind (an update cut short): running
		// `update --all` again finishes it.
		ids, err := behindModels(ctx, st, checked, types, o.AnyBase)
		if err != nil {
			return err
		}
		named = append(named, ids...)
	}
	// A named model whose newest version is on disk may have older files:
	// left without their replacement by an update cut short, or to remove
	// with --remove-old.
	for _, id := range named {
		if checked[id] {
			continue
		}
		checked[id] = true
		ps, err := upToDatePlans(ctx, st, c, id, o.RemoveOld, o.AnyBase)
		if err != nil {
			return err
		}
		plans = append(plans, ps...)
	}
	for _, p := range plans {
		for _, fu := range p.kept {
			if p.upToDate {
				note("civit: note: %s (%d): %s is not removed: %s", p.u.Model, p.u.ModelID, fu.Path, fu.Note)
			} else {
				note("civit: note: %s (%d): %s is not updated and not removed: %s", p.u.Model, p.u.ModelID, fu.Path, fu.Note)
			}
		}
	}
	// An up-to-date model with only such files has nothing left to do.
	plans = slices.DeleteFunc(plans, func(p *plan) bool { return p.upToDate && p.units() == 0 })

	// One outcome in all: its failure is returned, for the CLI to print
	// with its hint and exit code. Several: each failure is printed as it
	// happens, and the exit status counts the models that failed.
	units := len(early)
	for _, p := range plans {
		units += p.units()
	}
	var only error
	fails := cmdutil.NewFailures(o.Factory) // their hints come at the end
	fail := func(err error) {
		if units == 1 {
			only = err
			return
		}
		fails.Add("", err)
	}
	modelErr := func(p *plan, err error) {
		fail(fmt.Errorf("%s (%d): %w", p.u.Model, p.u.ModelID, err))
	}
	failed := len(early)
	for _, err := range early {
		fail(err)
	}
	for _, p := range plans {
		if p.err != nil {
			modelErr(p, p.err)
		}
		for _, j := range p.jobs {
			if j.err != nil {
				modelErr(p, j.err)
			}
		}
		if p.failed() {
			failed++
		}
	}
	if len(plans) == 0 {
		switch {
		case failed == 0 && waiting > 0:
			fmt.Fprintln(ios.ErrOut, "nothing to update now")
		case failed == 0:
			fmt.Fprintln(ios.ErrOut, "everything is up to date")
		}
		return result(only, fails, failed, failed)
	}

	if o.DryRun {
		if err := dryRun(ios, plans, o.RemoveOld); err != nil {
			return err
		}
		fmt.Fprintf(ios.ErrOut, "dry run: %s; nothing was done\n", plural(len(plans), "model"))
		return result(only, fails, failed, max(failed, len(plans)+len(early)))
	}

	if o.RemoveOld && !o.Yes {
		var n int
		var size int64
		for _, p := range plans {
			if p.failed() {
				continue
			}
			for _, r := range p.removals() {
				n++
				if fi, err := os.Stat(r); err == nil {
					size += fi.Size()
				}
				fmt.Fprintf(ios.ErrOut, "  %s\n", r)
			}
		}
		if n > 0 {
			// The question says what "no" does: nothing at all, not an
			// update that keeps the old files.
			fmt.Fprintf(ios.ErrOut, "Update, then remove %s (%s) once replaced? [y/N] ", plural(n, "old file"), tableprinter.Bytes(size))
			answer, _ := bufio.NewReader(ios.In).ReadString('\n')
			if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
				return cmdutil.WithHint(errors.New("cancelled: nothing was downloaded or removed"),
					"to update and keep the old files, run it without `--remove-old`")
			}
		}
	}

	updated := 0
	for _, p := range plans {
		if p.failed() {
			continue // said so above
		}
		u := p.u
		// Each new file into each folder where it replaces a file: after
		// the first folder, the others get it from the library (a hard
		// link on one file system), not from the network again.
		ok, done := true, 0
		for _, j := range p.jobs {
			note("updating %s (%d): %s -> %s into %s: %s", u.Model, u.ModelID, j.from.Name, u.Latest.Name, j.dir, filepath.Base(j.dest))
			dopts := &download.Options{
				Factory: o.Factory,
				Targets: []target.Target{{Input: fmt.Sprintf("%d@%d", u.ModelID, u.Latest.ID), ModelID: u.ModelID, VersionID: u.Latest.ID,
					FileID: j.file.ID}},
				OutputDir: j.dir,
				Jobs:      5,
				Conns:     8,
				Quiet:     o.Quiet,
				Refresh:   o.Refresh,
				Force:     j.inPlace && o.RemoveOld,
			}
			if err := download.Run(ctx, dopts); err != nil {
				if ctx.Err() != nil || errors.Is(err, context.Canceled) {
					return err
				}
				ok = false
				modelErr(p, err)
				continue
			}
			j.done = true
			done++
		}
		// An old file goes only once its replacement is in place.
		gone := slices.Clone(p.remove)
		for _, j := range p.jobs {
			if !j.done {
				continue
			}
			for _, old := range j.olds {
				switch {
				case old == j.dest: // overwritten by the new file
				case o.RemoveOld:
					gone = append(gone, old)
				default:
					note("kept the old version: %s (remove it with `civit update %d --remove-old`)", old, u.ModelID)
				}
			}
		}
		if len(gone) > 0 {
			if err := removeOld(ctx, st, u, gone); err != nil {
				ok = false
				fail(err)
			} else if len(p.remove) > 0 {
				note("%s (%d) is up to date; removed %d older files", u.Model, u.ModelID, len(gone))
			}
		}
		switch {
		case !ok:
			failed++
		case done > 0:
			updated++
		}
	}
	fmt.Fprintf(ios.ErrOut, "%d updated, %d failed\n", updated, failed)
	return result(only, fails, failed, failed+updated)
}

// dryRun prints the plans: per model the new files, the folders they go
// into and the old files removed (or replaced by a file of the same name).
func dryRun(ios *iostreams.IOStreams, plans []*plan, removeOld bool) error {
	tp := tableprinter.New(ios.Out, ios.IsStdoutTTY(), ios.TerminalWidth(), "model", "current", "new", "files", "folder", "remove")
	tp.SetHeaderStyle(ios.ColorScheme().Bold)
	for _, p := range plans {
		var files []string
		rm := slices.Clone(p.remove)
		for _, j := range p.jobs {
			if j.err != nil { // refused: the error follows the table
				files = append(files, fmt.Sprintf("refused: %s (%v)", filepath.Base(j.dest), j.err))
				continue
			}
			if name := filepath.Base(j.dest); j.dest != "" && !slices.Contains(files, name) {
				files = append(files, name)
			}
			for _, old := range j.olds {
				switch {
				case old == j.dest:
					rm = append(rm, old+" (replaced)")
				case removeOld:
					rm = append(rm, old)
				}
			}
		}
		for _, fu := range p.kept {
			what := "not updated"
			if p.upToDate {
				what = "not removed"
			}
			files = append(files, fmt.Sprintf("%s: %s (%s)", what, filepath.Base(fu.Path), fu.Note))
		}
		cur := []string{fmt.Sprintf("%s (%d)", p.u.Current.Name, p.u.Current.ID)}
		newCol := fmt.Sprintf("%s (%d)", p.u.Latest.Name, p.u.Latest.ID)
		if p.upToDate && len(p.jobs) == 0 {
			newCol = "(up to date)"
		} else if len(p.jobs) > 0 {
			// The versions of the files replaced (older files catching
			// up, or a folder at an older version than the others).
			cur = nil
			for _, j := range p.jobs {
				if v := fmt.Sprintf("%s (%d)", j.from.Name, j.from.ID); !slices.Contains(cur, v) {
					cur = append(cur, v)
				}
			}
		}
		tp.AddRow(fmt.Sprintf("%s (%d)", p.u.Model, p.u.ModelID), strings.Join(cur, ", "),
			newCol, dashIfEmpty(strings.Join(files, "; ")), dashIfEmpty(strings.Join(p.dirs(), ", ")), dashIfEmpty(strings.Join(rm, ", ")))
	}
	return tp.Render()
}

// result is the run's error: the one failure when there was one outcome
// in all (not printed yet), else the count of failures.
func result(only error, fails *cmdutil.Failures, failed, total int) error {
	switch {
	case only != nil:
		return only
	case failed == 0:
		return nil
	case total <= 1:
		return cmdutil.ErrSilent // the one failure is printed already
	}
	return fails.Err(failed, total, "models")
}

func plural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// removeOld deletes the old files of u (not those that now hold the new
// version) with their sidecars, and forgets them in the library.
func removeOld(ctx context.Context, st *store.Store, u *library.Update, paths []string) error {
	rows, err := st.List(ctx, store.Filter{ModelIDs: []int64{u.ModelID}})
	if err != nil {
		return err
	}
	current := map[string]bool{}
	for _, r := range rows {
		if r.VersionID == u.Latest.ID {
			current[r.Path] = true
		}
	}
	var gone []string
	var errs []error
	for _, p := range paths {
		if current[p] {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove %s: %w", p, err))
			continue
		}
		gone = append(gone, p)
		removeSidecars(p, current)
	}
	if err := st.Delete(ctx, gone...); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// removeSidecars deletes the sidecars of the model file p, unless another
// model file with the same stem (whose sidecars they also are) remains.
func removeSidecars(p string, keep map[string]bool) {
	stem := strings.TrimSuffix(p, filepath.Ext(p))
	for _, ext := range library.ModelExts() {
		other := stem + ext
		if other == p {
			continue
		}
		if _, err := os.Lstat(other); err == nil || keep[other] {
			return
		}
	}
	side := []string{sidecar.InfoPath(p), sidecar.JSONPath(p), stem + sidecar.SuffixStabilityMtx, stem + sidecar.SuffixLoraManager,
		stem + sidecar.SuffixCivicomfy, stem + sidecar.SuffixSHA256}
	for _, ext := range sidecar.PreviewExts() {
		side = append(side, sidecar.PreviewPath(p, ext), stem+"."+ext)
	}
	for _, s := range side {
		_ = os.Remove(s)
	}
}
