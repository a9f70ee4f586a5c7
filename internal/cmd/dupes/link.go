package dupes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/library"
	"github.com/civit/civit/internal/store"
	"github.com/civit/civit/internal/tableprinter"
	"github.com/civit/civit/internal/winfs"
)

// link replaces the extra copies of each group by hard links to its first
// path (library.LinkCopies) and records the new inode in the library.
func link(ctx context.Context, o *Options, st *store.Store, groups []Group) error {
	ios := o.Factory.IOStreams
	var linked, skipped, failed int
	held := false // a failure was a file another program holds (Windows)
	var freed int64
	for _, g := range groups {
		keep := g.Paths[0]
		// Paths that are hard links to keep already waste nothing: there
		// is nothing to replace, nor to report as linked.
		copies := g.Paths[1:]
		if kfi, err := os.Stat(keep); err == nil {
			copies = slices.DeleteFunc(slices.Clone(copies), func(p string) bool {
				fi, err := os.Lstat(p)
				return err == nil && os.SameFile(kfi, fi)
			})
		}
		err := library.LinkCopies(ctx, keep, copies, g.SHA256, nil, func(path string, err error) {
			switch {
			case err == nil:
				linked++
				fmt.Fprintf(ios.ErrOut, "linked %s to %s\n", tableprinter.Clean(path), tableprinter.Clean(keep))
				if rerr := recordLink(ctx, st, path); rerr != nil {
					fmt.Fprintln(ios.ErrOut, tableprinter.Clean(fmt.Sprintf("civit: warning: %s: could not update the library: %v (run `civit scan`)", path, rerr)))
				}
			case errors.Is(err, library.ErrOtherFileSystem):
				skipped++
				fmt.Fprintln(ios.ErrOut, tableprinter.Clean(fmt.Sprintf("civit: note: left %s alone: %v (a hard link cannot cross file systems)", path, err)))
			case errors.Is(err, library.ErrChanged):
				// Its size and time may be what the library recorded, so a
				// plain scan does not read it again: --rehash does.
				skipped++
				fmt.Fprintln(ios.ErrOut, tableprinter.Clean(fmt.Sprintf("civit: note: left %s alone: %v (run `civit scan --rehash %s` to update the library)", path, err, cmdutil.Quote(filepath.Dir(path)))))
			default:
				failed++
				held = held || winfs.InUse(err)
				fmt.Fprintln(ios.ErrOut, tableprinter.Clean(fmt.Sprintf("civit: error: %s: %v", path, err)))
			}
		})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failed++
			held = held || winfs.InUse(err)
			fmt.Fprintln(ios.ErrOut, "civit: error:", tableprinter.Clean(err.Error()))
			continue
		}
	}
	// The space freed is what the group's distinct files beyond one took.
	after, err := st.Duplicates(ctx)
	if err == nil {
		var before, now int64
		for _, g := range groups {
			before += g.Wasted
		}
		for _, g := range Groups(after) {
			now += g.Wasted
		}
		freed = before - now
	}
	fmt.Fprintf(ios.ErrOut, "%d linked, %d left alone, %d failed; %s freed\n", linked, skipped, failed, tableprinter.Bytes(freed))
	if failed > 0 {
		err := error(&cmdutil.PartialError{Failed: failed, Total: linked + skipped + failed, What: "copies"})
		if held {
			err = cmdutil.WithHint(err, "a program has a file named above open (a UI with the model loaded); close it, then run `civit dupes --link` again")
		}
		return err
	}
	return nil
}

// recordLink updates the library row of a path that is now a hard link.
func recordLink(ctx context.Context, st *store.Store, path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	f, err := st.Get(ctx, path)
	if err != nil || f == nil {
		return err
	}
	f.Inode, f.Dev = library.FileID(path, fi)
	f.MTime, f.Size = fi.ModTime(), fi.Size()
	f.UpdatedAt = time.Now()
	return st.Upsert(ctx, f)
}
