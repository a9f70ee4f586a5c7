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

	"github.com/civit/civit/internal/cmd/download"
	"github.com/civit/civit/internal/cmd/outdated"
	"github.com/civit/civit/internal/cmdutil"
	dl "github.com/civit/civit/internal/download"
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
	KeepOld   bool
	RemoveOld bool
	Yes       bool
	DryRun    bool
	Refresh   bool
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
--all (see 'civit outdated'), into each folder that holds the newest
version on disk (a model kept for two UIs is updated in both: downloaded
once, then taken from the library), with the same engine, verification and
sidecars as 'civit download'.

Old versions are kept (--keep-old, the default). --remove-old deletes the
old model files and their sidecars once the new version is downloaded and
verified, and forgets them in the library. It asks for confirmation on a
terminal; elsewhere it needs --yes (without it civit refuses instead of
waiting for an answer). When the new file has the same name as the old one,
only --remove-old can replace it.

--dry-run shows what would be downloaded and removed, and does nothing.

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
	fl.BoolVar(&opts.KeepOld, "keep-old", false, "keep the old versions (the default)")
	fl.BoolVar(&opts.RemoveOld, "remove-old", false, "delete the old versions and their sidecars after the update")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "show what would be done, do nothing")
	fl.BoolVar(&opts.Refresh, "refresh", false, "ask CivitAI again even if recently asked")
	fl.BoolVarP(&opts.Quiet, "quiet", "q", false, "print only errors and the summary")
	fl.Float64Var(&opts.Rate, "rate", 2, "at most `N` CivitAI requests per second")
	return cmd
}

// plan is one model to update.
type plan struct {
	u        *library.Update
	newName  string // file name of the new version's primary file, when known
	remove   []string
	replaces []string // old files the new one replaces (same name, same folder)
	cleanup  bool     // up to date: only remove the older versions
}

// dirs are the folders the update goes into: each that holds the current
// version.
func (p *plan) dirs() []string {
	if len(p.u.Dirs) > 0 {
		return p.u.Dirs
	}
	return []string{p.u.Dir}
}

// replacesIn reports whether the new file replaces an old one in dir.
func (p *plan) replacesIn(dir string) bool {
	return p.newName != "" && slices.Contains(p.replaces, filepath.Join(dir, p.newName))
}

// cleanupPlan plans the removal of the versions of a model older than the
// newest one on disk (nil when there are none).
func cleanupPlan(ctx context.Context, st *store.Store, id int64) (*plan, error) {
	rows, err := st.List(ctx, store.Filter{ModelIDs: []int64{id}, State: store.StateIdentified})
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	rank := map[int64]int{}
	if mv, err := st.GetModelVersions(ctx, id); err == nil {
		for i, v := range mv.Versions {
			rank[v.ID] = len(mv.Versions) - i
		}
	}
	newest := rows[0]
	for _, r := range rows[1:] {
		if rank[r.VersionID] > rank[newest.VersionID] || (rank[r.VersionID] == rank[newest.VersionID] && r.VersionID > newest.VersionID) {
			newest = r
		}
	}
	u := &library.Update{ModelID: id, Model: newest.ModelName, ModelType: newest.ModelType,
		Current: library.VersionRef{ID: newest.VersionID, Name: newest.VersionName}, Dir: filepath.Dir(newest.Path),
		Latest: &store.VersionInfo{ID: newest.VersionID, Name: newest.VersionName}}
	p := &plan{u: u, cleanup: true}
	for _, r := range rows {
		if r.VersionID != newest.VersionID {
			p.remove = append(p.remove, r.Path)
		}
	}
	if len(p.remove) == 0 {
		return nil, nil
	}
	return p, nil
}

func run(ctx context.Context, o *Options) error {
	ios := o.Factory.IOStreams
	note := func(format string, args ...any) {
		if !o.Quiet {
			fmt.Fprintf(ios.ErrOut, format+"\n", args...)
		}
	}
	st, err := o.Factory.Store()
	if err != nil {
		return err
	}
	res, err := outdated.Check(ctx, o.Factory, "", o.ModelIDs, false, o.Refresh, o.Rate)
	if err != nil {
		return err
	}
	failed := 0
	for _, e := range res.Errors {
		failed++
		fmt.Fprintf(ios.ErrOut, "civit: error: model %d (%s): %s\n", e.ModelID, e.Model, e.Err)
	}
	if len(o.ModelIDs) > 0 {
		rows, err := st.List(ctx, store.Filter{ModelIDs: o.ModelIDs, State: store.StateIdentified})
		if err != nil {
			return err
		}
		inLib := map[int64]bool{}
		for _, r := range rows {
			inLib[r.ModelID] = true
		}
		for _, id := range o.ModelIDs {
			if !inLib[id] {
				failed++
				fmt.Fprintf(ios.ErrOut, "civit: error: model %d is not in the library (download it, or run `civit scan`)\n", id)
			}
		}
	}
	c, err := o.Factory.APIClient(o.Refresh)
	if err != nil {
		return err
	}
	var plans []*plan
	for _, u := range res.Outdated {
		if u.Latest == nil {
			note("%s (%d): the newer version %s is in early access; nothing to update yet", u.Model, u.ModelID, u.EarlyAccess.Name)
			continue
		}
		p := &plan{u: u}
		if v, err := c.GetModelVersion(ctx, u.Latest.ID); err == nil {
			for _, f := range v.Files {
				if bool(f.Primary) || len(v.Files) == 1 {
					if name, err := dl.SanitizeFilename(f.Name); err == nil {
						p.newName = name
					}
					break
				}
			}
		} else if ctx.Err() != nil {
			return ctx.Err()
		}
		for _, old := range u.Paths {
			if p.newName != "" && filepath.Base(old) == p.newName {
				p.replaces = append(p.replaces, old)
				continue
			}
			if o.RemoveOld {
				p.remove = append(p.remove, old)
			}
		}
		plans = append(plans, p)
	}
	if o.RemoveOld && len(o.ModelIDs) > 0 {
		// Named models already up to date may still have older versions
		// on disk that --remove-old should remove.
		planned := map[int64]bool{}
		for _, p := range plans {
			planned[p.u.ModelID] = true
		}
		for _, id := range o.ModelIDs {
			if planned[id] {
				continue
			}
			if p, err := cleanupPlan(ctx, st, id); err != nil {
				return err
			} else if p != nil {
				plans = append(plans, p)
			}
		}
	}
	if len(plans) == 0 {
		fmt.Fprintln(ios.ErrOut, "everything is up to date")
		return partial(failed, failed)
	}

	if o.DryRun {
		tp := tableprinter.New(ios.Out, ios.IsStdoutTTY(), ios.TerminalWidth(), "model", "current", "new", "folder", "remove")
		for _, p := range plans {
			rm := strings.Join(p.remove, ", ")
			for _, r := range p.replaces {
				rm = strings.TrimPrefix(rm+", "+r+" (replaced)", ", ")
			}
			newCol := fmt.Sprintf("%s (%d)", p.u.Latest.Name, p.u.Latest.ID)
			if p.cleanup {
				newCol = "(up to date)"
			}
			tp.AddRow(fmt.Sprintf("%s (%d)", p.u.Model, p.u.ModelID), fmt.Sprintf("%s (%d)", p.u.Current.Name, p.u.Current.ID),
				newCol, strings.Join(p.dirs(), ", "), dashIfEmpty(rm))
		}
		if err := tp.Render(); err != nil {
			return err
		}
		fmt.Fprintf(ios.ErrOut, "dry run: %s; nothing was done\n", plural(len(plans), "model"))
		return partial(failed, failed+len(plans))
	}

	if o.RemoveOld && !o.Yes {
		var n int
		var size int64
		for _, p := range plans {
			for _, r := range append(append([]string{}, p.remove...), replaced(p)...) {
				n++
				if fi, err := os.Stat(r); err == nil {
					size += fi.Size()
				}
				fmt.Fprintf(ios.ErrOut, "  %s\n", r)
			}
		}
		if n > 0 {
			fmt.Fprintf(ios.ErrOut, "Remove these %d old files (%s) after the update? [y/N] ", n, tableprinter.Bytes(size))
			answer, _ := bufio.NewReader(ios.In).ReadString('\n')
			if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
				return errors.New("cancelled: nothing was downloaded or removed")
			}
		}
	}

	updated := 0
	var lastErr error
	for _, p := range plans {
		u := p.u
		if len(p.replaces) > 0 && !o.RemoveOld {
			failed++
			lastErr = cmdutil.WithHint(fmt.Errorf("%s (%d): the new version's file %s has the same name as the old one", u.Model, u.ModelID, p.newName),
				"use `--remove-old` to replace it")
			fmt.Fprintf(ios.ErrOut, "civit: error: %v\n", lastErr)
			continue
		}
		if p.cleanup {
			if err := removeOld(ctx, st, u, p.remove); err != nil {
				failed++
				lastErr = err
				fmt.Fprintf(ios.ErrOut, "civit: error: %v\n", err)
			} else {
				note("%s (%d) is up to date; removed %d older files", u.Model, u.ModelID, len(p.remove))
			}
			continue
		}
		// Into every folder that holds the current version: after the
		// first, the others get the new file from the library (a hard link
		// on one file system), not from the network again.
		var derr error
		for _, dir := range p.dirs() {
			note("updating %s (%d): %s -> %s into %s", u.Model, u.ModelID, u.Current.Name, u.Latest.Name, dir)
			dopts := &download.Options{
				Factory:   o.Factory,
				Targets:   []target.Target{{Input: fmt.Sprintf("%d@%d", u.ModelID, u.Latest.ID), ModelID: u.ModelID, VersionID: u.Latest.ID}},
				OutputDir: dir,
				Jobs:      5,
				Conns:     8,
				Quiet:     o.Quiet,
				Refresh:   o.Refresh,
				Force:     p.replacesIn(dir) && o.RemoveOld,
			}
			if derr = download.Run(ctx, dopts); derr != nil {
				break
			}
		}
		if err := derr; err != nil {
			if ctx.Err() != nil || errors.Is(err, context.Canceled) {
				return err
			}
			failed++
			lastErr = err
			fmt.Fprintf(ios.ErrOut, "civit: error: %s (%d): %v\n", u.Model, u.ModelID, err)
			continue
		}
		updated++
		if !o.RemoveOld {
			for _, old := range u.Paths {
				note("kept the old version: %s (remove it with `civit update %d --remove-old`)", old, u.ModelID)
			}
			continue
		}
		if err := removeOld(ctx, st, u, p.remove); err != nil {
			failed++
			lastErr = err
			fmt.Fprintf(ios.ErrOut, "civit: error: %v\n", err)
		}
	}
	fmt.Fprintf(ios.ErrOut, "%d updated, %d failed\n", updated, failed)
	if failed == 1 && updated == 0 && lastErr != nil && len(plans) == 1 {
		return lastErr
	}
	return partial(failed, failed+updated)
}

func plural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func replaced(p *plan) []string { return p.replaces }

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func partial(failed, total int) error {
	if failed == 0 {
		return nil
	}
	if total <= 1 {
		return cmdutil.ErrSilent // the one failure is printed already
	}
	return &cmdutil.PartialError{Failed: failed, Total: max(total, failed), What: "models"}
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
