// Package ls implements `civit ls`: the library as a table.
package ls

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/iostreams"
	"github.com/civit/civit/internal/library"
	"github.com/civit/civit/internal/store"
	"github.com/civit/civit/internal/tableprinter"
)

// Sort orders of `civit ls --sort`.
func sortKeys() []string { return []string{"name", "size", "path", "type", "added"} }

// Options are the parsed flags of `civit ls`.
type Options struct {
	Factory *cmdutil.Factory

	Types      []string
	BaseModels []string
	Sort       string
	Reverse    bool
	Unknown    bool
	Dirs       []string
	JSON       bool
}

// NewCmdLs returns the ls command. runF replaces the run in tests.
func NewCmdLs(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "ls [<dir>...] [flags]",
		Short: "List the model files in the library",
		Long: strings.TrimSpace(`
List the model files civit knows (from 'civit scan' and 'civit download'):
name, version, type, base model, size and path. Files CivitAI does not know
show their file name and "-" for what is unknown. A file deleted from disk
since it was scanned is listed with "missing" as its size (and a warning);
'civit scan' on its folder forgets it.

Paths given as arguments keep only the files under them, and those the
symbolic links there lead to (a model kept in one place and linked into a
UI's folder; listed at its real path); one that does not exist, and under
which the library has nothing, is an error. --type and
--base-model filter, are repeatable (--type also takes a comma-separated
list) and accept the same spellings as 'civit search' (--type lora,
checkpoint, embedding, ...; --base-model "sdxl 1.0"); a type or base model
that neither CivitAI nor the library knows is refused, with suggestions.
--sort orders by name (default), size (largest first), path, type or added
(newest first); --reverse turns the order around. --unknown lists only
files that are not identified.

On a terminal the table is aligned and a long path loses its middle, not
its file name; piped, it is tab-separated. --json prints the library rows
as a JSON array: path, size (bytes), mtime, inode and dev (where the file
system has them), sha256, autov2, blake3 (when known), modelId, versionId,
fileId, modelType, baseModel, modelName, versionName, fileName,
trainedWords, source (downloaded, scanned, sidecar:<suffix>), state
(identified, not-on-civitai, unknown), checkedAt, addedAt, updatedAt (when
the row last changed), and missing (true when the file is no longer on
disk; absent otherwise). Fields without a value are left out.

EXIT STATUS
  0 done (also when nothing matches), 1 error (also a path that does not
  exist), 2 bad flags (also an unknown type or base model), 3 some of
  several paths do not exist.`),
		Example: strings.TrimSpace(`
$ civit ls --type lora --base-model "SDXL 1.0"
$ civit ls --type lora,locon
$ civit ls --sort size | head
$ civit ls ~/ComfyUI/models/checkpoints --json`),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Dirs, err = cmdutil.PathArgs(args); err != nil {
				return err
			}
			if !contains(sortKeys(), opts.Sort) {
				return cmdutil.EnumError("sort", opts.Sort, sortKeys())
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVarP(&opts.Types, "type", "t", nil, "only models of this `type` (repeatable or comma-separated): lora, checkpoint, ...")
	fl.StringArrayVarP(&opts.BaseModels, "base-model", "b", nil, "only models for this `base model` (repeatable): \"SDXL 1.0\", \"Pony\", ...")
	fl.StringVarP(&opts.Sort, "sort", "s", "name", "order by `key`: "+strings.Join(sortKeys(), ", "))
	fl.BoolVarP(&opts.Reverse, "reverse", "r", false, "reverse the order")
	fl.BoolVar(&opts.Unknown, "unknown", false, "only files CivitAI did not identify")
	fl.BoolVar(&opts.JSON, "json", false, "print the rows as JSON")
	_ = cmd.RegisterFlagCompletionFunc("sort", cobra.FixedCompletions(sortKeys(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions(modelTypeNames(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("base-model", cobra.FixedCompletions(api.BaseModels(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// DisplayName is how a library row is named in tables: the model name, or
// the file name when CivitAI does not know the file.
func DisplayName(f *store.File) string {
	if f.ModelName != "" {
		return f.ModelName
	}
	return filepath.Base(f.Path)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// row is a library row as `civit ls --json` prints it.
type row struct {
	*store.File
	// Missing is true when the file is no longer on disk.
	Missing bool `json:"missing,omitempty"`
}

func run(ctx context.Context, o *Options) error {
	ios := o.Factory.IOStreams
	st, err := o.Factory.StoreToRead(ctx)
	if err != nil {
		return err
	}
	lib := OnceLibrary(func() ([]*store.File, error) { return st.List(ctx, store.Filter{}) })
	types, err := ResolveTypes(o.Types, lib)
	if err != nil {
		return err
	}
	bases, err := ResolveBaseModels(o.BaseModels, lib)
	if err != nil {
		return err
	}
	var filter store.Filter
	var gone []string // paths given that do not exist
	for _, d := range o.Dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return err
		}
		filter.Under = append(filter.Under, abs)
		if c := library.Canonical(abs); c != abs {
			// A symlinked folder: scan records its files at their real path.
			filter.Under = append(filter.Under, c)
		}
		if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
			gone = append(gone, abs)
		}
	}
	all, err := st.List(ctx, filter)
	if err != nil {
		return err
	}
	if len(filter.Under) > 0 {
		if all, err = withLinked(ctx, st, filter.Under, all); err != nil {
			return err
		}
	}
	// A path that does not exist is a mistake, unless the library has
	// files under it: a folder deleted since it was scanned.
	failed := 0
	for _, d := range gone {
		if !slices.ContainsFunc(all, func(f *store.File) bool { return under(f.Path, d) }) {
			failed++
			fmt.Fprintf(ios.ErrOut, "civit: error: %s: no such file or folder\n", tableprinter.Clean(d))
		}
	}
	var files []*store.File
	for _, f := range all {
		if MatchAny(f.ModelType, types) && MatchAny(f.BaseModel, bases) && (!o.Unknown || f.State != store.StateIdentified) {
			files = append(files, f)
		}
	}
	sortFiles(files, o.Sort, o.Reverse)
	rows := make([]row, len(files))
	missing := 0
	for i, f := range files {
		rows[i] = row{File: f}
		if _, err := os.Lstat(f.Path); errors.Is(err, fs.ErrNotExist) {
			rows[i].Missing = true
			missing++
		}
	}
	if err := o.print(ctx, ios, st, rows, missing); err != nil {
		return err
	}
	switch {
	case failed == 0:
		return nil
	case failed == len(o.Dirs):
		return cmdutil.ErrSilent
	}
	return &cmdutil.PartialError{Failed: failed, Total: len(o.Dirs), What: "paths"}
}

// withLinked adds to files those that symbolic links under dirs lead to,
// as 'civit scan' recorded them: a model kept in one place and linked into
// a UI's folder is in that folder for the UI, and for ls of it.
func withLinked(ctx context.Context, st *store.Store, dirs []string, files []*store.File) ([]*store.File, error) {
	links, err := st.Links(ctx)
	if err != nil {
		return nil, err
	}
	var targets []string
	for _, l := range links {
		if slices.ContainsFunc(dirs, func(d string) bool { return under(l.Path, d) }) {
			targets = append(targets, l.Target)
		}
	}
	if len(targets) == 0 {
		return files, nil
	}
	more, err := st.List(ctx, store.Filter{Under: targets})
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(files))
	for _, f := range files {
		have[f.Path] = true
	}
	for _, f := range more {
		if !have[f.Path] {
			have[f.Path] = true
			files = append(files, f)
		}
	}
	return files, nil
}

// under reports whether path is dir or inside it (ignoring case on
// Windows, as the file system does).
func under(path, dir string) bool { return store.Under(path, dir) }

func (o *Options) print(ctx context.Context, ios *iostreams.IOStreams, st *store.Store, rows []row, missing int) error {
	if o.JSON {
		return cmdutil.WriteJSON(ios.Out, rows)
	}
	if len(rows) == 0 {
		if ios.IsStderrTTY() {
			n, _ := st.Count(ctx)
			if n == 0 {
				fmt.Fprintln(ios.ErrOut, "the library is empty: run `civit scan DIR` to index your models")
			} else {
				fmt.Fprintln(ios.ErrOut, "no file matches")
			}
		}
		return nil
	}
	tty := ios.IsStdoutTTY()
	tp := tableprinter.New(ios.Out, tty, ios.TerminalWidth(), "name", "version", "type", "base model", "size", "path")
	tp.SetHeaderStyle(ios.ColorScheme().Bold)
	tp.SetMaxWidth(0, 40)
	tp.SetMaxWidth(1, 24)
	tp.SetPathColumn(5)
	var total int64
	for _, r := range rows {
		f := r.File
		size := fmt.Sprint(f.Size)
		if tty {
			size = tableprinter.Bytes(f.Size)
		}
		if r.Missing {
			size = "missing"
		} else {
			total += f.Size
		}
		tp.AddRow(DisplayName(f), dash(f.VersionName), dash(f.ModelType), dash(f.BaseModel), size, f.Path)
	}
	if err := tp.Render(); err != nil {
		return err
	}
	if missing > 0 {
		what := "1 file is"
		if missing > 1 {
			what = fmt.Sprintf("%d files are", missing)
		}
		fmt.Fprintf(ios.ErrOut, "civit: warning: %s no longer on disk; `civit scan` on a folder above them forgets deleted files\n", what)
	}
	if ios.IsStderrTTY() {
		gone := ""
		if missing > 0 {
			gone = fmt.Sprintf(" (%d missing)", missing)
		}
		fmt.Fprintf(ios.ErrOut, "%d files%s, %s\n", len(rows), gone, tableprinter.Bytes(total))
	}
	return nil
}

func sortFiles(files []*store.File, key string, reverse bool) {
	less := func(a, b *store.File) int {
		switch key {
		case "size":
			if a.Size != b.Size {
				if a.Size > b.Size {
					return -1
				}
				return 1
			}
		case "path":
			return strings.Compare(a.Path, b.Path)
		case "type":
			if c := strings.Compare(strings.ToLower(a.ModelType), strings.ToLower(b.ModelType)); c != 0 {
				return c
			}
		case "added":
			if !a.AddedAt.Equal(b.AddedAt) {
				if a.AddedAt.After(b.AddedAt) {
					return -1
				}
				return 1
			}
		}
		if c := strings.Compare(strings.ToLower(DisplayName(a)), strings.ToLower(DisplayName(b))); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	}
	sort.SliceStable(files, func(i, j int) bool {
		if reverse {
			return less(files[j], files[i]) < 0
		}
		return less(files[i], files[j]) < 0
	})
}
