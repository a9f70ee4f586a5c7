// Package update implements `civit update`: download the newer versions of
// models of the library next to the old files, and optionally remove the
// old ones.
package update

import (
	"bufio"
	"context"
	"errors"
	"fmt"
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
...), preferring the same format (SafeTensor, PickleTensor, GGUF, ...), then
the same fp, size and quantisation; a GGUF only by a GGUF. The new file goes
into the folder of the file it replaces, so a VAE stays in the VAE folder
and a model kept for two UIs is updated in both (downloaded once, then taken
from the library). A file whose type the new version does not have is
neither updated nor removed; a note says so. Files of an older version than
the newest on disk, in a folder with nothing newer (the model kept for
another UI at an older version), are updated too. A named model whose newest
version is on disk also gets the files its older files still lack (an update
cut short); with --all, so does any model with a folder left at an older
version, so running an interrupted 'civit update --all' again finishes it.

Old versions are kept (--keep-old, the default). --remove-old deletes each
old file and its sidecars once its replacement is downloaded and verified,
and forgets it in the library; an old file whose hash only a sidecar
stated, or that changed since it was recorded, is hashed first and left
alone if it is not the file recorded. It asks for confirmation on a terminal;
elsewhere it needs --yes (without it civit refuses instead of waiting for
an answer). When a new file has the same name as the old one, only
--remove-old can replace it; until then nothing of that model is updated.

A file a UI's folder reaches through a symbolic link (models kept in one
place, linked into each UI) is updated where it is kept, and a link to the
new version goes beside the old link ('civit scan' of the UI's folder
records the links); --remove-old removes the old link with the old file.

--dry-run shows, per model, the new files, the folders they go into, the
files kept and the old files removed (on a terminal also listed whole
below the table, with the sidecars removed with them), and does nothing.

With --all, a model whose newest version its creator allows only for
generation on CivitAI (no key can download it) is skipped with a note, and
CivitAI's download limit (429) stops the run: the models after it fail
with it at once.

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

func run(ctx context.Context, o *Options) error {
	ios := o.Factory.IOStreams
	note := func(format string, args ...any) {
		if !o.Quiet { // model names come from CivitAI: no terminal escapes
			fmt.Fprintln(ios.ErrOut, tableprinter.Clean(fmt.Sprintf(format, args...)))
		}
	}
	st, err := o.Factory.Store(ctx)
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
	// Models the check stopped before asking (rate limiting, an outage, a
	// server that is not the API) are one line, as outdated says them,
	// but each counts as a failed model.
	notAsked, stopped := 0, error(nil)
	for _, e := range res.Errors {
		checked[e.ModelID] = true
		if e.Gone { // as outdated says it: nothing to update, not a failure
			note("civit: warning: model %d (%s) is no longer on CivitAI", e.ModelID, e.Model)
			continue
		}
		cause := e.Cause // keeps its hint (a hidden model: try later)
		if cause == nil {
			cause = errors.New(e.Err)
		}
		if na := (*library.NotAskedError)(nil); errors.As(cause, &na) {
			notAsked++
			stopped = na.Err
			continue
		}
		early = append(early, fmt.Errorf("model %d (%s): %w", e.ModelID, e.Model, cause))
	}
	if notAsked > 0 {
		early = append(early, fmt.Errorf("%s not checked: %w", plural(notAsked, "model"), stopped))
	}
	extraFailed := max(notAsked-1, 0) // the grouped line stands for notAsked models
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
		if v, err := c.GetModelVersion(ctx, u.Latest.ID); err == nil && v.UsageControl != "" && !strings.EqualFold(v.UsageControl, "Download") {
			// Generation on CivitAI only: no key can download it. --all
			// (a scheduled run) skips it; a model named alone fails with
			// the reason, as the download would.
			if o.All {
				waiting++
				note("skipped %s (%d): the creator allows %s only for generation on CivitAI; no key can download it", u.Model, u.ModelID, u.Latest.Name)
				continue
			}
			plans = append(plans, &plan{u: u, err: cmdutil.WithHint(fmt.Errorf("the creator allows %s only for generation on CivitAI (downloads disabled)", u.Latest.Name),
				"no API key can download it; use it on civitai.com")})
			continue
		}
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
		ids, err := library.BehindModels(ctx, st, checked, types, o.AnyBase)
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
	for _, p := range plans {
		nameTaken(ctx, st, p, o.RemoveOld)
	}

	// One outcome in all: its failure is returned, for the CLI to print
	// with its hint and exit code. Several: each failure is printed as it
	// happens, and the exit status counts the models that failed.
	units := len(early) + extraFailed
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
	failed := len(early) + extraFailed
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
				fmt.Fprintf(ios.ErrOut, "  %s\n", tableprinter.Clean(r))
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
	var limited error // CivitAI's download limit, once reached
	for _, p := range plans {
		if p.failed() {
			continue // said so above
		}
		u := p.u
		if limited != nil {
			// The per-user download limit holds for every model: asking
			// again (each request retried) would only be refused again.
			modelErr(p, fmt.Errorf("not tried: %w", limited))
			failed++
			continue
		}
		// Each new file into each folder where it replaces a file: after
		// the first folder, the others get it from the library (a hard
		// link on one file system), not from the network again.
		ok, done := true, 0
		for _, j := range p.jobs {
			if j.inPlace && o.RemoveOld {
				// The new file takes the old one's name: the old must be
				// what the library says before it is overwritten.
				if err := checkOld(ctx, st, j.dest); err != nil {
					ok = false
					modelErr(p, err)
					continue
				}
			}
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
				if o.All && api.IsDownloadsDisabled(err) {
					// Nothing the user can do: a scheduled `update --all`
					// must not fail for it on every run.
					note("skipped %s (%d): the creator allows %s only for generation on CivitAI; no key can download it", u.Model, u.ModelID, u.Latest.Name)
					break
				}
				ok = false
				var ex *dl.ExistsError
				if errors.As(err, &ex) {
					// download's hint names its --force; update has none.
					err = cmdutil.WithHint(err, fmt.Sprintf("another file of that name is in that folder: move, rename or delete it, then run `civit update %d` again", u.ModelID))
				}
				modelErr(p, err)
				if errors.Is(err, api.ErrRateLimited) {
					limited = err
					break
				}
				continue
			}
			j.done = true
			done++
			// The cards of the old files keep their user's settings on the
			// new one (the same name was handled by the download): every
			// old copy's, the first one's winning where two disagree, so
			// a card edited on the second copy of two is not lost.
			for i := len(j.olds) - 1; i >= 0; i-- {
				if old := j.olds[i]; store.PathKey(old) != store.PathKey(j.dest) {
					if err := sidecar.CarryUserFields(sidecar.JSONPath(old), sidecar.JSONPath(j.dest)); err != nil {
						fmt.Fprintln(ios.ErrOut, tableprinter.Clean(fmt.Sprintf("civit: warning: %s (%d): %v", u.Model, u.ModelID, err)))
					}
				}
			}
			links, err := linkBeside(ctx, st, j.olds, j.dest)
			for _, l := range links {
				note("linked %s -> %s (as the old version was)", l, j.dest)
			}
			if err != nil {
				// The update itself is done: the UI folder lacks a link.
				fmt.Fprintln(ios.ErrOut, tableprinter.Clean(fmt.Sprintf("civit: warning: %s (%d): %v", u.Model, u.ModelID, err)))
			}
		}
		// An old file goes only once its replacement is in place.
		gone := slices.Clone(p.remove)
		for _, j := range p.jobs {
			if !j.done {
				continue
			}
			for _, old := range j.olds {
				switch {
				case store.PathKey(old) == store.PathKey(j.dest): // overwritten by the new file
					if j.inPlace {
						note("replaced %s (%s) with %s", old, j.from.Name, u.Latest.Name)
					}
				case o.RemoveOld:
					gone = append(gone, old)
				default:
					note("kept the old version: %s (remove it with `civit update %d --remove-old`)", old, u.ModelID)
				}
			}
		}
		if len(gone) > 0 {
			removed, err := removeOld(ctx, st, u, gone)
			for _, r := range removed {
				note("removed %s", r)
			}
			if err != nil {
				ok = false
				modelErr(p, err)
			} else if len(p.remove) > 0 {
				note("%s (%d) is up to date; removed %s", u.Model, u.ModelID, plural(len(gone), "older file"))
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
				case store.PathKey(old) == store.PathKey(j.dest):
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
	if err := tp.Render(); err != nil {
		return err
	}
	if removeOld && ios.IsStdoutTTY() {
		return listRemovals(ios, plans)
	}
	return nil
}

// listRemovals prints, below a terminal's table (where long paths are cut
// to fit), every file --remove-old deletes, whole, one a line, with the
// sidecars that go with it: the user's own A1111 card among them.
func listRemovals(ios *iostreams.IOStreams, plans []*plan) error {
	var b strings.Builder
	for _, p := range plans {
		keep := map[string]bool{}
		for _, j := range p.jobs {
			keep[store.PathKey(j.dest)] = true
		}
		var lines []string
		add := func(path, what string) {
			lines = append(lines, "    "+tableprinter.Clean(path)+what)
			if what != "" {
				return // replaced in place: its sidecars are the new file's
			}
			var names []string
			for _, sc := range sidecarsOf(path, keep) {
				names = append(names, tableprinter.Clean(filepath.Base(sc)))
			}
			if len(names) > 0 {
				lines = append(lines, "      with "+strings.Join(names, ", "))
			}
		}
		for _, old := range p.remove {
			add(old, "")
		}
		for _, j := range p.jobs {
			if j.err != nil {
				continue
			}
			for _, old := range j.olds {
				if store.PathKey(old) == store.PathKey(j.dest) {
					add(old, " (replaced by the new file)")
				} else {
					add(old, "")
				}
			}
		}
		if len(lines) > 0 {
			fmt.Fprintf(&b, "  %s (%d):\n%s\n", tableprinter.Clean(p.u.Model), p.u.ModelID, strings.Join(lines, "\n"))
		}
	}
	if b.Len() == 0 {
		return nil
	}
	_, err := fmt.Fprintf(ios.Out, "\nRemoved with --remove-old:\n%s", b.String())
	return err
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
