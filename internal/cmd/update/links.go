package update

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/civit/civit/internal/library"
	"github.com/civit/civit/internal/store"
)

// linkBeside puts a symbolic link to the new file dest beside each link
// the library knows to one of olds (a UI folder that reaches, through
// links, models kept elsewhere: the new version goes where the old one
// is, and the UI gets a link to it as it had to the old one). The new
// link has dest's name. It returns the links it made.
func linkBeside(ctx context.Context, st *store.Store, olds []string, dest string) ([]string, error) {
	if _, err := os.Stat(dest); err != nil {
		return nil, nil // the download named the file otherwise: nothing to link to
	}
	target := library.Canonical(dest)
	var made []string
	var errs []error
	for _, old := range olds {
		links, err := st.LinksTo(ctx, old)
		if err != nil {
			return made, err
		}
		for _, l := range links {
			link := filepath.Join(filepath.Dir(l.Path), filepath.Base(dest))
			if store.PathKey(link) == store.PathKey(l.Path) {
				continue // same name: the old link reaches the new file already
			}
			if _, err := os.Lstat(link); err == nil {
				continue // something has that name already: left alone
			}
			to := target
			if t, err := os.Readlink(l.Path); err == nil && !filepath.IsAbs(t) {
				// The old link was relative (it survives moving the tree):
				// so is the new one.
				if rel, err := filepath.Rel(filepath.Dir(link), target); err == nil {
					to = rel
				}
			}
			if err := os.Symlink(to, link); err != nil {
				errs = append(errs, fmt.Errorf("link the new version beside %s: %w", l.Path, err))
				continue
			}
			if err := st.PutLink(ctx, store.Link{Path: link, Target: target}); err != nil {
				errs = append(errs, err)
			}
			made = append(made, link)
		}
	}
	return made, errors.Join(errs...)
}

// removeLinks deletes the links the library knows to the removed file old
// (they would dangle) with their sidecars, and forgets them. A link that
// points elsewhere now is left alone. It returns the links it removed.
func removeLinks(ctx context.Context, st *store.Store, old string, keep map[string]bool) ([]string, error) {
	links, err := st.LinksTo(ctx, old)
	if err != nil {
		return nil, err
	}
	var gone []string
	var errs []error
	for _, l := range links {
		t, err := os.Readlink(l.Path)
		if errors.Is(err, fs.ErrNotExist) {
			gone = append(gone, l.Path) // removed already: forget it
			continue
		}
		if err != nil {
			continue // not a link any more: left alone
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(filepath.Dir(l.Path), t)
		}
		resolved := filepath.Join(library.Canonical(filepath.Dir(t)), filepath.Base(t))
		if store.PathKey(filepath.Clean(t)) != store.PathKey(old) && store.PathKey(resolved) != store.PathKey(old) {
			continue // points elsewhere now
		}
		if err := os.Remove(l.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removeSidecars(l.Path, keep)
		gone = append(gone, l.Path)
	}
	if err := st.DeleteLinks(ctx, gone...); err != nil {
		errs = append(errs, err)
	}
	return gone, errors.Join(errs...)
}
