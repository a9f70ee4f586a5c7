// Package store is civit's library: an embedded SQLite database (pure Go,
// modernc.org/sqlite) that records every model file civit downloaded or
// scanned — where it is, its size, mtime and inode, its hashes, and what
// CivitAI says it is — plus the hashes CivitAI did not know and a cache of
// each model's versions for `civit outdated`.
//
// The database lives at $XDG_DATA_HOME/civit/library.db (by default
// ~/.local/share/civit/library.db). It runs in WAL mode, so several civit
// processes (a scan while a download runs) can use it at once: readers
// never block, and writers take the write lock up front (BEGIN IMMEDIATE)
// in short transactions and wait for each other instead of failing (saying
// so after a moment, stopping at Ctrl-C: lock.go). Every change is one transaction, so a crash or a
// SIGKILL leaves either the whole change or none of it.
//
// The schema is a list of SQL files embedded in the binary
// (migrations/NNNN_*.sql) and tracked with PRAGMA user_version; Open
// applies the missing ones in one transaction.
package store

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrNotFound is returned by lookups of a path or model the store does
// not know.
var ErrNotFound = errors.New("not in the library")

// ErrTooNew is returned by Open when the database was written by a newer
// civit with a schema this one does not know.
var ErrTooNew = errors.New("library database is newer than this civit")

// State says what CivitAI knows about a file.
type State string

// The states of a file.
const (
	// StateUnknown: not identified yet (never asked, or the lookup failed).
	StateUnknown State = "unknown"
	// StateIdentified: the file is a known CivitAI model file.
	StateIdentified State = "identified"
	// StateNotOnCivitai: CivitAI did not know the file's hash when asked
	// (at CheckedAt).
	StateNotOnCivitai State = "not-on-civitai"
)

// Sources of a row.
const (
	SourceDownloaded = "downloaded" // recorded by `civit download`
	SourceScanned    = "scanned"    // hashed and looked up by `civit scan`
	// SourceSidecarPrefix is followed by the sidecar suffix the
	// identification came from, e.g. "sidecar:.civitai.info".
	SourceSidecarPrefix = "sidecar:"
)

// File is one row of the library: a model file at a path.
type File struct {
	Path  string    `json:"path"`
	Size  int64     `json:"size"`
	MTime time.Time `json:"mtime"`
	Inode uint64    `json:"inode,omitempty"`
	Dev   uint64    `json:"dev,omitempty"`

	// Hashes, upper-case hex; "" when not known.
	SHA256 string `json:"sha256,omitempty"`
	AutoV2 string `json:"autov2,omitempty"`
	BLAKE3 string `json:"blake3,omitempty"`

	ModelID      int64    `json:"modelId,omitempty"`
	VersionID    int64    `json:"versionId,omitempty"`
	FileID       int64    `json:"fileId,omitempty"`
	ModelType    string   `json:"modelType,omitempty"`
	BaseModel    string   `json:"baseModel,omitempty"`
	ModelName    string   `json:"modelName,omitempty"`
	VersionName  string   `json:"versionName,omitempty"`
	FileName     string   `json:"fileName,omitempty"` // the name CivitAI publishes
	TrainedWords []string `json:"trainedWords,omitempty"`

	Source    string    `json:"source"`
	State     State     `json:"state"`
	CheckedAt time.Time `json:"checkedAt,omitzero"` // last asked CivitAI
	AddedAt   time.Time `json:"addedAt,omitzero"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
}

// Identified reports whether CivitAI's ids are known for the file.
func (f *File) Identified() bool { return f.State == StateIdentified }

// Store is an open library database. It is safe for concurrent use by
// several goroutines, and several Stores (in one or several processes)
// may use the same file.
type Store struct {
	db   *sql.DB
	path string
	now  func() time.Time

	notice  func()        // SetBusyNotice
	waiters atomic.Int32  // writes waiting past busyNotice now
	wait    time.Duration // tests: instead of LockWait
}

// NoDataDirError is a library with no folder to live in: neither
// $XDG_DATA_HOME nor $HOME (a stripped cron, a systemd unit without a user).
type NoDataDirError struct{ Err error }

func (e *NoDataDirError) Error() string {
	return "no folder for the library: neither $XDG_DATA_HOME nor $HOME is set"
}
func (e *NoDataDirError) Unwrap() error { return e.Err }

// Hint says how to give the library a folder.
func (e *NoDataDirError) Hint() string {
	return "set HOME (or XDG_DATA_HOME; on Windows %LocalAppData%) to the account's home, where the library of `civit scan` lives"
}

// DefaultPath returns where the library lives: $XDG_DATA_HOME/civit/library.db,
// else on Windows %LOCALAPPDATA%\civit\library.db (beside the response
// cache, where Windows programs keep their data), else
// ~/.local/share/civit/library.db. getenv reads the environment.
func DefaultPath(getenv func(string) string) (string, error) {
	return defaultPath(getenv, runtime.GOOS)
}

func defaultPath(getenv func(string) string, goos string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	dir := getenv("XDG_DATA_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		dir = ""
		if goos == "windows" {
			if d := getenv("LocalAppData"); d != "" && filepath.IsAbs(d) {
				dir = d
			}
		}
	}
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			h, err := os.UserHomeDir()
			if err != nil {
				return "", &NoDataDirError{Err: err}
			}
			home = h
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "civit", "library.db"), nil
}

// Open opens (creating it and its folder if needed) the database at path
// and applies the missing migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	if strings.Contains(path, "?") {
		return nil, fmt.Errorf("open library %s: the path must not contain '?'", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open library: %w", err)
	}
	dsn := path + "?_txlock=immediate" +
		"&_pragma=busy_timeout(" + strconv.FormatInt(sqliteBusyTimeout.Milliseconds(), 10) + ")" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)" +
		"&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open library %s: %w", path, err)
	}
	// A handful of connections: readers run beside the writer in WAL mode;
	// writers queue on SQLite's lock.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	s := &Store{db: db, path: path, now: time.Now}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open library %s: %w", path, s.dbError(err))
	}
	return s, nil
}

// OpenReadOnly opens the database at path for reading only: for the
// commands that only read, when Open fails because the library cannot be
// written (library.db owned by another user, its folder or mount
// read-only). The file must exist and have this civit's schema, which
// cannot be brought up to date without writing. Writes fail with a
// *DBError (ReadOnly).
//
// SQLite reads a WAL database read-only through its -shm file, which a
// folder the user may not write cannot hold when the last writer closed
// the library (and removed it). With no -wal file (or an empty one) there
// is no log to read, and the database is opened immutable instead.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	if strings.Contains(path, "?") {
		return nil, fmt.Errorf("open library %s: the path must not contain '?'", path)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open library: %w", err)
	}
	s, err := openReadOnly(ctx, path, false)
	if err != nil {
		if fi, werr := os.Stat(path + "-wal"); errors.Is(werr, fs.ErrNotExist) || werr == nil && fi.Size() == 0 {
			s, err = openReadOnly(ctx, path, true)
			if err == nil {
				return s, nil
			}
		}
		return nil, fmt.Errorf("open library %s read-only: %w", path, err)
	}
	return s, nil
}

func openReadOnly(ctx context.Context, path string, immutable bool) (*Store, error) {
	// SQLite's own parameters (mode, immutable) take effect in a file:
	// URI only; its path is escaped (a '#' or '%' in a folder name).
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/Users/... on Windows
	}
	dsn := (&url.URL{Scheme: "file", Path: p}).String() + "?mode=ro" +
		"&_pragma=busy_timeout(" + strconv.FormatInt(sqliteBusyTimeout.Milliseconds(), 10) + ")" +
		"&_pragma=foreign_keys(1)"
	if immutable {
		dsn += "&immutable=1"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	s := &Store{db: db, path: path, now: time.Now}
	v, err := s.UserVersion(ctx)
	if err == nil && v != SchemaVersion() {
		err = fmt.Errorf("schema version %d, this civit has %d, and a read-only library cannot be upgraded", v, SchemaVersion())
		if v > SchemaVersion() {
			err = fmt.Errorf("%w: schema version %d, this civit knows %d; upgrade civit", ErrTooNew, v, SchemaVersion())
		}
	}
	if err != nil {
		db.Close()
		return nil, s.dbError(err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path is the database file.
func (s *Store) Path() string { return s.path }

// migration is one embedded SQL file.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded migrations in order; file names start with
// their version number (0001_init.sql).
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with its version number", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.name, i+1)
		}
	}
	return out, nil
}

// SchemaVersion is the schema version this build writes.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrate applies the missing migrations in one IMMEDIATE transaction, so
// two processes opening a new database at once apply them once. A
// library whose schema is current is only read: opening it takes no
// write lock, so a command opens it while another civit writes.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if cur, err := s.UserVersion(ctx); err == nil && cur == len(ms) {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var cur int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
			return err
		}
		if cur > len(ms) {
			return fmt.Errorf("%w: schema version %d, this civit knows %d; upgrade civit", ErrTooNew, cur, len(ms))
		}
		for _, m := range ms[cur:] {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		if cur < len(ms) {
			if _, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(len(ms))); err != nil {
				return err
			}
		}
		return nil
	})
}

// UserVersion returns the schema version recorded in the database.
func (s *Store) UserVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// write runs fn in a write transaction (BEGIN IMMEDIATE: the write lock is
// taken at once, waiting for other writers: see begin).
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.begin(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return s.dbError(err)
	}
	return s.dbError(tx.Commit())
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

const fileColumns = `path, size, mtime_ns, inode, dev, sha256, autov2, blake3,
	model_id, version_id, file_id, model_type, base_model, model_name, version_name, file_name,
	trained_words, source, state, checked_at, added_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanFile(r scanner) (*File, error) {
	var (
		f                          File
		mtime, checked, added, upd int64
		inode, dev                 int64
		words, state               string
	)
	err := r.Scan(&f.Path, &f.Size, &mtime, &inode, &dev, &f.SHA256, &f.AutoV2, &f.BLAKE3,
		&f.ModelID, &f.VersionID, &f.FileID, &f.ModelType, &f.BaseModel, &f.ModelName, &f.VersionName, &f.FileName,
		&words, &f.Source, &state, &checked, &added, &upd)
	if err != nil {
		return nil, err
	}
	f.MTime, f.CheckedAt, f.AddedAt, f.UpdatedAt = fromNanos(mtime), fromNanos(checked), fromNanos(added), fromNanos(upd)
	f.Inode, f.Dev = uint64(inode), uint64(dev)
	f.State = State(state)
	if words != "" && words != "[]" {
		_ = json.Unmarshal([]byte(words), &f.TrainedWords)
	}
	return &f, nil
}

// Upsert records files (inserting or replacing the row of each path) in
// one transaction. Paths should be absolute and clean.
//
// A row that is not identified (StateUnknown) does not erase what the
// library already knows about the same content: when the existing row of
// the path has the same SHA-256 and is identified or known not to be on
// CivitAI, its identification, source and check time are kept. So a scan
// that hashed a file does not undo a download that recorded it meanwhile.
func (s *Store) Upsert(ctx context.Context, files ...*File) error {
	if len(files) == 0 {
		return nil
	}
	now := s.now()
	return s.write(ctx, func(tx *sql.Tx) error {
		sel, err := tx.PrepareContext(ctx, `SELECT `+fileColumns+` FROM files WHERE path = ?`)
		if err != nil {
			return err
		}
		defer sel.Close()
		ins, err := tx.PrepareContext(ctx, `INSERT INTO files (`+fileColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (path) DO UPDATE SET
				size = excluded.size, mtime_ns = excluded.mtime_ns, inode = excluded.inode, dev = excluded.dev,
				sha256 = excluded.sha256, autov2 = excluded.autov2, blake3 = excluded.blake3,
				model_id = excluded.model_id, version_id = excluded.version_id, file_id = excluded.file_id,
				model_type = excluded.model_type, base_model = excluded.base_model, model_name = excluded.model_name,
				version_name = excluded.version_name, file_name = excluded.file_name,
				trained_words = excluded.trained_words, source = excluded.source, state = excluded.state,
				checked_at = excluded.checked_at, updated_at = excluded.updated_at`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, in := range files {
			if in.Path == "" {
				return errors.New("upsert: empty path")
			}
			f := *in
			old, err := scanFile(sel.QueryRowContext(ctx, f.Path))
			switch {
			case errors.Is(err, sql.ErrNoRows):
				old = nil
			case err != nil:
				return err
			}
			if old != nil {
				f.AddedAt = old.AddedAt
				if f.State == StateUnknown && f.SHA256 != "" && f.SHA256 == old.SHA256 && old.State != StateUnknown {
					keepIdentity(&f, old)
				}
			}
			if f.AddedAt.IsZero() {
				f.AddedAt = now
			}
			if f.State == "" {
				f.State = StateUnknown
			}
			if f.Source == "" {
				f.Source = SourceScanned
			}
			if f.AutoV2 == "" && len(f.SHA256) == 64 {
				f.AutoV2 = f.SHA256[:10]
			}
			words := "[]"
			if len(f.TrainedWords) > 0 {
				b, err := json.Marshal(f.TrainedWords)
				if err != nil {
					return err
				}
				words = string(b)
			}
			_, err = ins.ExecContext(ctx, f.Path, f.Size, nanos(f.MTime), int64(f.Inode), int64(f.Dev),
				strings.ToUpper(f.SHA256), strings.ToUpper(f.AutoV2), strings.ToUpper(f.BLAKE3),
				f.ModelID, f.VersionID, f.FileID, f.ModelType, f.BaseModel, f.ModelName, f.VersionName, f.FileName,
				words, f.Source, string(f.State), nanos(f.CheckedAt), nanos(f.AddedAt), nanos(now))
			if err != nil {
				return fmt.Errorf("record %s: %w", f.Path, err)
			}
		}
		return nil
	})
}

// keepIdentity copies what old knows about the content into f.
func keepIdentity(f, old *File) {
	f.ModelID, f.VersionID, f.FileID = old.ModelID, old.VersionID, old.FileID
	f.ModelType, f.BaseModel, f.ModelName, f.VersionName, f.FileName = old.ModelType, old.BaseModel, old.ModelName, old.VersionName, old.FileName
	f.TrainedWords = old.TrainedWords
	f.Source, f.State, f.CheckedAt = old.Source, old.State, old.CheckedAt
	if f.BLAKE3 == "" {
		f.BLAKE3 = old.BLAKE3
	}
}

// Get returns the row of path, or ErrNotFound.
func (s *Store) Get(ctx context.Context, path string) (*File, error) {
	f, err := scanFile(s.db.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files WHERE path = ?`, path))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: %w", path, ErrNotFound)
	}
	return f, err
}

// Delete removes the rows of paths (absent paths are ignored).
func (s *Store) Delete(ctx context.Context, paths ...string) error {
	if len(paths) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `DELETE FROM files WHERE path = ?`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, p := range paths {
			if _, err := st.ExecContext(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// FoldPathCase is true where a path names the same file whatever the case
// of its letters (Windows: C:\Models\x and c:\models\X are one file).
const FoldPathCase = runtime.GOOS == "windows"

// Under reports whether path is dir or inside it, comparing names as the
// file system does (ignoring case where FoldPathCase). Both are cleaned
// paths; dir may end in a separator (a root: / or C:\).
func Under(path, dir string) bool { return under(path, dir, FoldPathCase) }

// PathKey is p as a map key under which the spellings of one path meet:
// p itself, upper-cased where FoldPathCase (the case NTFS compares in).
func PathKey(p string) string {
	if FoldPathCase {
		return strings.ToUpper(p)
	}
	return p
}

// under is Under with case folded or not. Folding is Unicode's simple case
// folding (strings.EqualFold), which is what NTFS's upcase table does for
// the letters of names (É and é, Ä and ä, Σ and σ).
func under(path, dir string, fold bool) bool {
	eq, prefix := func(a, b string) bool { return a == b }, strings.HasPrefix
	if fold {
		eq = strings.EqualFold
		prefix = func(s, p string) bool { return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) }
	}
	sep := string(filepath.Separator)
	return eq(path, dir) || prefix(path, strings.TrimSuffix(dir, sep)+sep)
}

// Filter selects rows for List. Zero fields select everything.
type Filter struct {
	// Under keeps rows whose path is one of these folders' descendants
	// (or the path itself), compared as Under does: on Windows
	// C:\models\loras, c:/Models/Loras/ and C:\MODELS\LORAS are one folder.
	Under []string
	// ModelType and BaseModel match case-insensitively.
	ModelType, BaseModel string
	// State keeps rows in this state.
	State State
	// ModelIDs keeps rows of these models.
	ModelIDs []int64
	// SHA256s keeps rows with one of these digests (upper-case).
	SHA256s []string
}

// List returns the rows that match f, ordered by path.
func (s *Store) List(ctx context.Context, f Filter) ([]*File, error) {
	return s.list(ctx, f, FoldPathCase)
}

// list is List, with paths under f.Under compared ignoring case when fold.
func (s *Store) list(ctx context.Context, f Filter, fold bool) ([]*File, error) {
	var (
		where []string
		args  []any
	)
	var dirs []string // where case does not matter, filtered below
	if len(f.Under) > 0 && fold {
		// SQLite's NOCASE folds ASCII letters only (Models and models,
		// not ÉTUDE and étude), unlike NTFS: the folders are compared in
		// Go, as Under does, over the rows the other conditions select.
		for _, dir := range f.Under {
			dirs = append(dirs, filepath.Clean(dir))
		}
	} else if len(f.Under) > 0 {
		var ors []string
		for _, dir := range f.Under {
			dir = filepath.Clean(dir)
			prefix := dir
			if !strings.HasSuffix(prefix, string(filepath.Separator)) {
				prefix += string(filepath.Separator)
			}
			// A range, not LIKE: LIKE ignores case, and on Unix
			// /m/Models is not /m/models. Every path that starts with
			// prefix sorts from prefix up to, not including, prefix with
			// its last byte (the separator) incremented; folding the
			// letters' case moves neither the separator nor that byte.
			end := prefix[:len(prefix)-1] + string(rune(prefix[len(prefix)-1]+1))
			ors = append(ors, `(path = ? OR (path >= ? AND path < ?))`)
			args = append(args, dir, prefix, end)
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	if f.ModelType != "" {
		where = append(where, "model_type = ? COLLATE NOCASE")
		args = append(args, f.ModelType)
	}
	if f.BaseModel != "" {
		where = append(where, "base_model = ? COLLATE NOCASE")
		args = append(args, f.BaseModel)
	}
	if f.State != "" {
		where = append(where, "state = ?")
		args = append(args, string(f.State))
	}
	if len(f.ModelIDs) > 0 {
		where = append(where, "model_id IN ("+placeholders(len(f.ModelIDs))+")")
		for _, id := range f.ModelIDs {
			args = append(args, id)
		}
	}
	if len(f.SHA256s) > 0 {
		where = append(where, "sha256 IN ("+placeholders(len(f.SHA256s))+")")
		for _, h := range f.SHA256s {
			args = append(args, strings.ToUpper(h))
		}
	}
	q := `SELECT ` + fileColumns + ` FROM files`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY path"
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*File
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, err
		}
		if dirs != nil && !slices.ContainsFunc(dirs, func(d string) bool { return under(f.Path, d, true) }) {
			continue
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// Duplicates returns the groups of rows that share a SHA-256 (two rows or
// more), largest waste first; rows in a group are ordered by path.
func (s *Store) Duplicates(ctx context.Context) ([][]*File, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+fileColumns+` FROM files
		WHERE sha256 IN (SELECT sha256 FROM files WHERE sha256 <> '' GROUP BY sha256 HAVING COUNT(*) > 1)
		ORDER BY sha256, path`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var groups [][]*File
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return nil, err
		}
		if n := len(groups); n > 0 && groups[n-1][0].SHA256 == f.SHA256 {
			groups[n-1] = append(groups[n-1], f)
		} else {
			groups = append(groups, []*File{f})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(groups, func(i, j int) bool {
		wi := groups[i][0].Size * int64(len(groups[i])-1)
		wj := groups[j][0].Size * int64(len(groups[j])-1)
		return wi > wj
	})
	return groups, nil
}

// Count returns the number of rows.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM files`).Scan(&n)
	return n, err
}

// RecordMisses remembers that CivitAI did not know these SHA-256 digests
// at time at.
func (s *Store) RecordMisses(ctx context.Context, at time.Time, sha256s ...string) error {
	if len(sha256s) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO misses (sha256, checked_at) VALUES (?, ?)
			ON CONFLICT (sha256) DO UPDATE SET checked_at = excluded.checked_at`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, h := range sha256s {
			if _, err := st.ExecContext(ctx, strings.ToUpper(h), nanos(at)); err != nil {
				return err
			}
		}
		return nil
	})
}

// ForgetMisses removes digests from the misses (they were found after all).
func (s *Store) ForgetMisses(ctx context.Context, sha256s ...string) error {
	if len(sha256s) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `DELETE FROM misses WHERE sha256 = ?`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, h := range sha256s {
			if _, err := st.ExecContext(ctx, strings.ToUpper(h)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Misses returns, of the given digests, those remembered as not on
// CivitAI, with when they were checked.
func (s *Store) Misses(ctx context.Context, sha256s []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	for start := 0; start < len(sha256s); start += 500 {
		chunk := sha256s[start:min(start+500, len(sha256s))]
		args := make([]any, len(chunk))
		for i, h := range chunk {
			args[i] = strings.ToUpper(h)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT sha256, checked_at FROM misses WHERE sha256 IN (`+placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var h string
			var at int64
			if err := rows.Scan(&h, &at); err != nil {
				rows.Close()
				return nil, err
			}
			out[h] = fromNanos(at)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// VersionInfo is one published version of a model, as cached for
// `civit outdated`.
type VersionInfo struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	BaseModel   string    `json:"baseModel,omitempty"`
	PublishedAt time.Time `json:"publishedAt,omitzero"`
	// EarlyAccess is true when the version was in early access when
	// fetched; EarlyAccessEndsAt is when that ends, when known.
	EarlyAccess       bool      `json:"earlyAccess,omitempty"`
	EarlyAccessEndsAt time.Time `json:"earlyAccessEndsAt,omitzero"`
}

// InEarlyAccess reports whether the version is in early access at now.
func (v VersionInfo) InEarlyAccess(now time.Time) bool {
	if !v.EarlyAccessEndsAt.IsZero() {
		return v.EarlyAccessEndsAt.After(now)
	}
	return v.EarlyAccess
}

// ModelVersions is the cached list of a model's published versions,
// newest first.
type ModelVersions struct {
	ModelID   int64
	ModelName string
	ModelType string
	Versions  []VersionInfo
	CheckedAt time.Time
}

// PutModelVersions caches a model's versions.
func (s *Store) PutModelVersions(ctx context.Context, m *ModelVersions) error {
	b, err := json.Marshal(m.Versions)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO latest_versions (model_id, model_name, model_type, versions, checked_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (model_id) DO UPDATE SET model_name = excluded.model_name, model_type = excluded.model_type,
				versions = excluded.versions, checked_at = excluded.checked_at`,
			m.ModelID, m.ModelName, m.ModelType, string(b), nanos(m.CheckedAt))
		return err
	})
}

// GetModelVersions returns a model's cached versions, or ErrNotFound.
func (s *Store) GetModelVersions(ctx context.Context, modelID int64) (*ModelVersions, error) {
	m := &ModelVersions{ModelID: modelID}
	var vs string
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT model_name, model_type, versions, checked_at FROM latest_versions WHERE model_id = ?`, modelID).
		Scan(&m.ModelName, &m.ModelType, &vs, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("model %d: %w", modelID, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	m.CheckedAt = fromNanos(at)
	if err := json.Unmarshal([]byte(vs), &m.Versions); err != nil {
		return nil, fmt.Errorf("model %d: cached versions: %w", modelID, err)
	}
	return m, nil
}

// IntegrityCheck runs SQLite's integrity check and returns an error
// describing any problem.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("library database is damaged: %s", strings.Join(problems, "; "))
	}
	return nil
}
