// Package dupes implements `civit dupes`: files of the library with the
// same content at several paths, and the space they waste.
package dupes

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/civit/civit/internal/cmd/ls"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/store"
	"github.com/civit/civit/internal/tableprinter"
)

// Options are the parsed flags of `civit dupes`.
type Options struct {
	Factory *cmdutil.Factory
	JSON    bool
	Link    bool
}

// NewCmdDupes returns the dupes command. runF replaces the run in tests.
func NewCmdDupes(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "dupes [flags]",
		Short: "Find model files stored more than once",
		Long: strings.TrimSpace(`
List the files of the library that have the same SHA-256 at several paths,
largest waste first, with the space the extra copies take. Hard links to
one file are not copies and waste nothing. Paths that no longer exist are
left out (run 'civit scan' to update the library).

On a terminal each group is a heading (name, size, copies, waste) followed
by its paths; piped, each path is one tab-separated line: sha256, size,
copies, path. --json prints [{sha256, name, size, copies, wasted, paths}].
The total waste goes to stderr.

--link frees that space: in each group the extra copies are replaced by
hard links to the first path, so the bytes are stored once and every path
keeps working. Every file is hashed again first (nothing is trusted from
the library), copies on another file system are left alone, and each
replacement is atomic. What it does goes to stderr.

EXIT STATUS
  0 done (also when there are no duplicates), 1 error, 3 some copies
  could not be replaced (each is listed).`),
		Example: strings.TrimSpace(`
$ civit dupes
$ civit dupes --json | jq ".[] | .paths[1:][]"
$ civit dupes --link`),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the groups as JSON")
	cmd.Flags().BoolVar(&opts.Link, "link", false, "replace the extra copies by hard links to one file")
	return cmd
}

// Group is a set of paths with the same content.
type Group struct {
	SHA256 string   `json:"sha256"`
	Name   string   `json:"name"`
	Size   int64    `json:"size"`
	Copies int      `json:"copies"` // distinct files (hard links count once)
	Wasted int64    `json:"wasted"` // bytes taken by copies beyond the first
	Paths  []string `json:"paths"`
}

// Groups turns the store's duplicate rows into groups, dropping paths that
// no longer exist and groups left with one file; hard links to the same
// inode count as one copy (a group of hard links only is no duplicate).
func Groups(dups [][]*store.File) []Group {
	var out []Group
	for _, rows := range dups {
		if rows[0].Size == 0 {
			continue // empty files: nothing stored twice, nothing to link
		}
		g := Group{SHA256: rows[0].SHA256, Size: rows[0].Size}
		inodes := map[[2]uint64]bool{}
		for _, f := range rows {
			if _, err := os.Lstat(f.Path); errors.Is(err, fs.ErrNotExist) {
				continue
			}
			g.Paths = append(g.Paths, f.Path)
			if g.Name == "" || f.ModelName != "" {
				g.Name = ls.DisplayName(f)
			}
			key := [2]uint64{f.Dev, f.Inode}
			if f.Inode == 0 || !inodes[key] {
				g.Copies++
				inodes[key] = true
			}
		}
		if g.Copies < 2 {
			continue // one path left, or hard links to one file only
		}
		g.Wasted = int64(g.Copies-1) * g.Size
		out = append(out, g)
	}
	return out
}

func run(ctx context.Context, o *Options) error {
	ios := o.Factory.IOStreams
	// Only --link writes: without it, a library the user may not write
	// is read as it is.
	open := o.Factory.StoreToRead
	if o.Link {
		open = o.Factory.Store
	}
	st, err := open(ctx)
	if err != nil {
		return err
	}
	dups, err := st.Duplicates(ctx)
	if err != nil {
		return err
	}
	groups := Groups(dups)
	var wasted int64
	for _, g := range groups {
		wasted += g.Wasted
	}
	if o.JSON {
		if groups == nil {
			groups = []Group{}
		}
		if err := cmdutil.WriteJSON(ios.Out, groups); err != nil {
			return err
		}
	} else if ios.IsStdoutTTY() {
		for i, g := range groups {
			if i > 0 {
				fmt.Fprintln(ios.Out)
			}
			fmt.Fprintf(ios.Out, "%s  %s  %s, %d copies, %s wasted\n", g.SHA256[:min(10, len(g.SHA256))], tableprinter.Clean(g.Name),
				tableprinter.Bytes(g.Size), g.Copies, tableprinter.Bytes(g.Wasted))
			for _, p := range g.Paths {
				fmt.Fprintf(ios.Out, "  %s\n", tableprinter.Clean(p))
			}
		}
	} else {
		for _, g := range groups {
			for _, p := range g.Paths {
				fmt.Fprintf(ios.Out, "%s\t%d\t%d\t%s\n", g.SHA256, g.Size, g.Copies, tableprinter.Clean(p))
			}
		}
	}
	if len(groups) == 0 {
		fmt.Fprintln(ios.ErrOut, "no duplicates")
		return nil
	}
	what := "files are"
	if len(groups) == 1 {
		what = "file is"
	}
	fmt.Fprintf(ios.ErrOut, "%d %s stored more than once, %s wasted\n", len(groups), what, tableprinter.Bytes(wasted))
	if o.Link {
		return link(ctx, o, st, groups)
	}
	return nil
}
