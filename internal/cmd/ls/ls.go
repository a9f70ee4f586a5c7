// Package ls implements `civit ls`: the library as a table.
package ls

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/store"
	"github.com/civit/civit/internal/tableprinter"
)

// Sort orders of `civit ls --sort`.
func sortKeys() []string { return []string{"name", "size", "path", "type", "added"} }

// Options are the parsed flags of `civit ls`.
type Options struct {
	Factory *cmdutil.Factory

	Type      string
	BaseModel string
	Sort      string
	Reverse   bool
	Unknown   bool
	Dirs      []string
	JSON      bool
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
show their file name and "-" for what is unknown.

Folders given as arguments keep only the files under them. --type and
--base-model filter, and accept the same spellings as 'civit search'
(--type lora, checkpoint, embedding, ...; --base-model "sdxl 1.0"); a type
or base model that neither CivitAI nor the library knows is refused, with
suggestions. --sort orders by name (default), size (largest first), path,
type or added (newest first); --reverse turns the order around. --unknown
lists only files that are not identified.

On a terminal the table is aligned; piped, it is tab-separated. --json
prints the library rows as a JSON array: path, size, mtime, sha256, autov2,
modelId, versionId, fileId, modelType, baseModel, modelName, versionName,
fileName, trainedWords, source (downloaded, scanned, sidecar:<suffix>),
state (identified, not-on-civitai, unknown), checkedAt, addedAt.

EXIT STATUS
  0 done (also when nothing matches), 1 error, 2 bad flags (also an
  unknown type or base model).`),
		Example: strings.TrimSpace(`
$ civit ls --type lora --base-model "SDXL 1.0"
$ civit ls --sort size | head
$ civit ls ~/ComfyUI/models/checkpoints --json`),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dirs = args
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
	fl.StringVarP(&opts.Type, "type", "t", "", "only models of this `type` (lora, checkpoint, ...)")
	fl.StringVarP(&opts.BaseModel, "base-model", "b", "", "only models for this `base model` (\"SDXL 1.0\", \"Pony\", ...)")
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

func run(ctx context.Context, o *Options) error {
	ios := o.Factory.IOStreams
	st, err := o.Factory.Store()
	if err != nil {
		return err
	}
	typ, base, err := resolveFilters(o.Type, o.BaseModel, func() ([]*store.File, error) { return st.List(ctx, store.Filter{}) })
	if err != nil {
		return err
	}
	filter := store.Filter{ModelType: typ, BaseModel: base}
	for _, d := range o.Dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return err
		}
		filter.Under = append(filter.Under, abs)
	}
	files, err := st.List(ctx, filter)
	if err != nil {
		return err
	}
	if o.Unknown {
		kept := files[:0]
		for _, f := range files {
			if f.State != store.StateIdentified {
				kept = append(kept, f)
			}
		}
		files = kept
	}
	sortFiles(files, o.Sort, o.Reverse)
	if o.JSON {
		if files == nil {
			files = []*store.File{}
		}
		return cmdutil.WriteJSON(ios.Out, files)
	}
	if len(files) == 0 {
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
	tp.SetMaxWidth(0, 40)
	tp.SetMaxWidth(1, 24)
	var total int64
	for _, f := range files {
		size := fmt.Sprint(f.Size)
		if tty {
			size = tableprinter.Bytes(f.Size)
		}
		tp.AddRow(DisplayName(f), dash(f.VersionName), dash(f.ModelType), dash(f.BaseModel), size, f.Path)
		total += f.Size
	}
	if err := tp.Render(); err != nil {
		return err
	}
	if ios.IsStderrTTY() {
		fmt.Fprintf(ios.ErrOut, "%d files, %s\n", len(files), tableprinter.Bytes(total))
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
