package store

import (
	"context"
	"database/sql"
)

// Link is a symbolic link to a model file, as a scan found it: Path is the
// link, Target the real path of the file (a row of the library, or a file
// outside the scanned folders).
type Link struct {
	Path, Target string
}

// ReplaceLinks records the links a scan of roots found: the links recorded
// before under those roots are forgotten first (a link removed since is
// gone from the library too).
func (s *Store) ReplaceLinks(ctx context.Context, roots []string, links []Link) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT path FROM links`)
		if err != nil {
			return err
		}
		var stale []string
		for rows.Next() {
			var p string
			if err := rows.Scan(&p); err != nil {
				rows.Close()
				return err
			}
			for _, r := range roots {
				if Under(p, r) {
					stale = append(stale, p)
					break
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, p := range stale {
			if _, err := tx.ExecContext(ctx, `DELETE FROM links WHERE path = ?`, p); err != nil {
				return err
			}
		}
		for _, l := range links {
			if _, err := tx.ExecContext(ctx, `INSERT INTO links (path, target) VALUES (?, ?)
				ON CONFLICT (path) DO UPDATE SET target = excluded.target`, l.Path, l.Target); err != nil {
				return err
			}
		}
		return nil
	})
}

// PutLink records one link (one an update made).
func (s *Store) PutLink(ctx context.Context, l Link) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO links (path, target) VALUES (?, ?)
			ON CONFLICT (path) DO UPDATE SET target = excluded.target`, l.Path, l.Target)
		return err
	})
}

// LinksTo returns the recorded links to target, sorted by path.
func (s *Store) LinksTo(ctx context.Context, target string) ([]Link, error) {
	return s.queryLinks(ctx, `SELECT path, target FROM links WHERE target = ? ORDER BY path`, target)
}

// Links returns every recorded link, sorted by path.
func (s *Store) Links(ctx context.Context) ([]Link, error) {
	return s.queryLinks(ctx, `SELECT path, target FROM links ORDER BY path`)
}

func (s *Store) queryLinks(ctx context.Context, query string, args ...any) ([]Link, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Link
	for rows.Next() {
		var l Link
		if err := rows.Scan(&l.Path, &l.Target); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// DeleteLinks forgets links.
func (s *Store) DeleteLinks(ctx context.Context, paths ...string) error {
	if len(paths) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		for _, p := range paths {
			if _, err := tx.ExecContext(ctx, `DELETE FROM links WHERE path = ?`, p); err != nil {
				return err
			}
		}
		return nil
	})
}
