// Package library keeps civit's local library up to date: Scan walks model
// folders, hashes only what is new or changed, reads the sidecars other
// tools left, identifies unknown hashes on CivitAI (in bulk, politely) and
// records everything in the store; Outdated finds models with a newer
// version than the one on disk.
package library

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/sidecar"
	"github.com/civit/civit/internal/store"
)

// ModelExts are the extensions Scan takes for model files, lower case with
// the dot: the formats CivitAI hosts models in (SafeTensor, PickleTensor,
// GGUF, ONNX) under the names UIs use. Archives (.zip) are not scanned:
// too many are not models.
func ModelExts() []string {
	return []string{".safetensors", ".sft", ".ckpt", ".pt", ".pth", ".bin", ".gguf", ".onnx"}
}

// IsModelFile reports whether a file name has a model extension and is
// not a partial download or a temporary file.
func IsModelFile(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false // hidden and temporary files (.x.tmp of atomic writes)
	}
	ext := strings.ToLower(filepath.Ext(name))
	for _, e := range ModelExts() {
		if ext == e {
			return true
		}
	}
	return false
}

// Lookup is what Scan needs of the CivitAI client; *api.Client has it.
type Lookup interface {
	GetModelVersionsByHashes(ctx context.Context, sha256s []string) ([]*api.ModelVersion, error)
	GetModelVersionByHash(ctx context.Context, hash string) (*api.ModelVersion, error)
	GetModelVersion(ctx context.Context, id int64) (*api.ModelVersion, error)
}

// ScanOptions configure Scan.
type ScanOptions struct {
	// Roots are the folders (or single files) to scan.
	Roots []string
	Store *store.Store
	// Client identifies unknown hashes; nil skips identification.
	Client Lookup
	// Jobs is the number of files hashed at once (default: the number of
	// CPUs, at most 8).
	Jobs int
	// LookupJobs is the number of CivitAI requests in flight (default and
	// maximum 3).
	LookupJobs int
	// Limiter paces CivitAI requests (nil: DefaultLimiter()).
	Limiter *rate.Limiter
	// Recheck asks CivitAI again about hashes it did not know before.
	Recheck bool
	// Rehash hashes every file again, ignoring stored hashes and sidecars.
	Rehash bool
	// WriteSidecars writes the missing .civitai.info, A1111 .json and
	// preview beside identified files; HTTPClient fetches previews and
	// BaseURL goes into the .json's links.
	WriteSidecars bool
	HTTPClient    *http.Client
	BaseURL       string
	// PreviewMaxNSFW is the most mature nsfwLevel a preview may have (0:
	// any; the preview_max_rating setting).
	PreviewMaxNSFW int
	// Progress, when set, is updated while the scan runs.
	Progress *Progress
	// OnHashed, when set, is called after each file is hashed (from the
	// hashing goroutines).
	OnHashed func(path string)
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// DefaultLimiter is the polite pace of CivitAI requests: 2 per second,
// bursts of 4.
func DefaultLimiter() *rate.Limiter { return rate.NewLimiter(2, 4) }

// Progress holds counters a renderer can sample while Scan runs.
type Progress struct {
	Files       atomic.Int64 // model files found so far
	ToHash      atomic.Int64 // files queued for hashing
	ToHashBytes atomic.Int64
	Hashed      atomic.Int64
	HashedBytes atomic.Int64
	Lookups     atomic.Int64 // CivitAI requests sent
	phase       atomic.Value // string
}

// Phase is what the scan is doing: "walking", "hashing", "identifying",
// "sidecars", "done".
func (p *Progress) Phase() string {
	s, _ := p.phase.Load().(string)
	return s
}

func (p *Progress) setPhase(s string) { p.phase.Store(s) }

// FileError is a file (or folder) Scan could not handle.
type FileError struct {
	Path string `json:"path"`
	Err  string `json:"error"`
	// Cause is the error itself, for the advice the CLI gives about it
	// (CivitAI rate limiting, a permission).
	Cause error `json:"-"`
}

// Error is Err; Unwrap gives Cause.
func (e FileError) Error() string { return e.Err }
func (e FileError) Unwrap() error { return e.Cause }

// Summary is what Scan did.
type Summary struct {
	Roots           []string `json:"roots"`
	Followed        []string `json:"followed,omitempty"` // walked because a symbolic link in a root points there
	Scanned         int      `json:"scanned"`            // model files found
	New             int      `json:"new"`                // not in the library before
	Changed         int      `json:"changed"`            // size, mtime or inode changed
	Renamed         int      `json:"renamed"`            // moved: known by inode, not rehashed
	Hashed          int      `json:"hashed"`             // files read and hashed
	HashedBytes     int64    `json:"hashedBytes"`        //
	FromSidecars    int      `json:"fromSidecars"`       // hash or identity taken from a sidecar
	Identified      int      `json:"identified"`         // files now known to CivitAI (all, not just new)
	NewlyIdentified int      `json:"newlyIdentified"`    // identified during this scan
	NotOnCivitai    int      `json:"notOnCivitai"`       // hash unknown to CivitAI
	Unknown         int      `json:"unknown"`            // not identified (lookup skipped or failed)
	Lookups         int      `json:"lookups"`            // CivitAI requests sent
	Pruned          int      `json:"pruned"`             // rows of deleted files removed
	SidecarsWritten int      `json:"sidecarsWritten"`    //
	// SidecarsSkipped: files scanned whose sidecars cannot exist beside
	// them (the model's name is near the file system's limit); not errors.
	SidecarsSkipped []FileError   `json:"sidecarsSkipped,omitempty"`
	Errors          int           `json:"errors"`
	FailedFolders   int           `json:"failedFolders,omitempty"` // folders that could not be read (each also in Errors)
	ErrorDetails    []FileError   `json:"errorDetails,omitempty"`
	Elapsed         time.Duration `json:"elapsedNs"`
	// Interrupted: the scan stopped before the end (ctx ended); the
	// counts are of what it did until then.
	Interrupted bool `json:"interrupted,omitempty"`
}

// entry is one model file found by the walk.
type entry struct {
	path  string
	size  int64
	mtime time.Time
	ctime time.Time // the inode's change time; zero when unknown
	inode uint64
	dev   uint64
	old   *store.File // the row of this path, if any
	row   *store.File // the row to write (nil: unchanged)

	sc      *sidecar.Info // a sidecar's word about the file
	scMiss  bool          // Civitai Helper's "not on CivitAI" marker
	written bool          // row written by the hashing batches
	gone    bool          // vanished while scanning

	fromSidecar bool // a sidecar gave its hash or identity
}

func (e *entry) sameStat(f *store.File) bool {
	return f != nil && f.Size == e.size && f.MTime.Equal(e.mtime) && f.Inode == e.inode && f.Dev == e.dev
}

// gainsID reports whether f, a row recorded without the file's identity
// (where none was known: by civit before it learnt Windows file ids),
// describes the file e as it is, which has one now: the row is kept, its
// hash not made again, and it learns the identity.
func (e *entry) gainsID(f *store.File) bool {
	return f != nil && f.Inode == 0 && f.Dev == 0 && e.inode != 0 && f.Size == e.size && f.MTime.Equal(e.mtime)
}

// identity recognises a file that moved: same inode, device, size, mtime.
type identity struct {
	size       int64
	mtime      int64
	inode, dev uint64
}

func identityOf(size int64, mtime time.Time, inode, dev uint64) identity {
	return identity{size: size, mtime: mtime.UnixNano(), inode: inode, dev: dev}
}

// scanner is the state of one Scan.
type scanner struct {
	o   ScanOptions
	now time.Time
	sum Summary
	mu  sync.Mutex // guards sum.Errors and sum.ErrorDetails
	prg *Progress

	// elsewhere are rows outside the roots a moved file may come from;
	// movedOut the paths of those it came from (their rows go).
	elsewhere map[*store.File]bool
	movedOut  []string
}

func (s *scanner) fail(path string, err error) {
	msg := err.Error()
	// "open /x/y: permission denied" under the path /x/y says it twice.
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == path {
		msg = pe.Err.Error()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sum.Errors++
	s.sum.ErrorDetails = append(s.sum.ErrorDetails, FileError{Path: path, Err: msg, Cause: err})
}

// Scan indexes the model files under opts.Roots. Errors about single files
// or folders are counted in the Summary (Errors, ErrorDetails) and do not
// stop the scan; Scan fails only when the store fails or ctx ends, and
// then, when ctx ended, returns what it did so far with the error. Rows of
// files that no longer exist under a root that was read completely are
// removed; a root that does not exist (an unmounted drive) is an error and
// its rows are kept.
func Scan(ctx context.Context, opts ScanOptions) (*Summary, error) {
	start := time.Now()
	if opts.Store == nil {
		return nil, errors.New("scan: no store")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Jobs <= 0 {
		opts.Jobs = min(runtime.NumCPU(), 8)
	}
	if opts.LookupJobs <= 0 || opts.LookupJobs > 3 {
		opts.LookupJobs = 3
	}
	if opts.Limiter == nil {
		opts.Limiter = DefaultLimiter()
	}
	s := &scanner{o: opts, now: opts.Now(), prg: opts.Progress}
	if s.prg == nil {
		s.prg = &Progress{}
	}
	roots, aliases := s.resolveRoots(opts.Roots)
	s.sum.Roots = roots
	if s.sum.Roots == nil {
		s.sum.Roots = []string{}
	}

	s.prg.setPhase("walking")
	var entries []*entry
	seen := map[string]bool{}
	var badDirs []string
	// The roots, then the folders (and model files) that symbolic links
	// in them point to, each walked once at its real path.
	walked := slices.Clone(roots)
	var fileLinks []store.Link
	for i := 0; i < len(walked); i++ {
		got, bad, links, err := s.walk(ctx, walked[i], seen)
		if err != nil {
			return s.stopped(ctx, start, entries, err)
		}
		entries = append(entries, got...)
		badDirs = append(badDirs, bad...)
		fileLinks = append(fileLinks, modelLinks(links)...)
		for _, t := range followLinks(links, walked) {
			walked = append(walked, t)
			s.sum.Followed = append(s.sum.Followed, t)
		}
	}
	s.sum.Scanned = len(entries)
	s.sum.FailedFolders = len(badDirs)

	var known []*store.File
	if len(walked) > 0 {
		var err error
		// Rows recorded through a symlinked spelling of a root (a download
		// into it) are known too: the walk finds their files at their real
		// path, and prune forgets the other spelling.
		if known, err = opts.Store.List(ctx, store.Filter{Under: append(slices.Clone(walked), aliases...)}); err != nil {
			return s.stopped(ctx, start, entries, err)
		}
	}
	byPath := make(map[string]*store.File, len(known))
	byIdentity := map[identity]*store.File{}
	for _, f := range known {
		byPath[f.Path] = f
		if f.SHA256 != "" && f.Inode != 0 {
			byIdentity[identityOf(f.Size, f.MTime, f.Inode, f.Dev)] = f
		}
	}

	if !idsFromStat {
		s.fileIDs(ctx, entries, byPath)
	}

	// A file moved in from a folder outside these roots (from one UI's
	// folder to another's) is known by its inode too: it is not hashed
	// again, and the row of its old path goes.
	if !opts.Rehash && slices.ContainsFunc(entries, func(e *entry) bool { return byPath[e.path] == nil && e.inode != 0 }) {
		all, err := opts.Store.List(ctx, store.Filter{})
		if err != nil {
			return s.stopped(ctx, start, entries, err)
		}
		s.elsewhere = map[*store.File]bool{}
		for _, f := range all {
			if f.SHA256 == "" || f.Inode == 0 || byPath[f.Path] != nil {
				continue
			}
			if id := identityOf(f.Size, f.MTime, f.Inode, f.Dev); byIdentity[id] == nil {
				byIdentity[id] = f
				s.elsewhere[f] = true
			}
		}
	}

	// Decide what each file needs.
	var toHash []*entry
	for _, e := range entries {
		e.old = byPath[e.path]
		if s.plan(e, byIdentity) {
			toHash = append(toHash, e)
		}
	}

	// Hash, writing rows in short batches as they complete.
	s.prg.setPhase("hashing")
	if err := s.hashAll(ctx, toHash); err != nil {
		return s.stopped(ctx, start, entries, err)
	}
	var pending []*store.File
	for _, e := range entries {
		if e.row != nil && !e.written && !e.gone {
			pending = append(pending, e.row)
			e.written = true
		}
	}
	if err := s.upsert(ctx, pending); err != nil {
		return s.stopped(ctx, start, entries, err)
	}

	// Identify what is still unknown.
	s.prg.setPhase("identifying")
	versions, err := s.identify(ctx, entries)
	if err != nil {
		return s.stopped(ctx, start, entries, err)
	}

	// Prune rows of files that are gone.
	for _, e := range entries {
		if e.gone {
			delete(seen, e.path)
		}
	}
	// The links to model files: an update puts the new version's link
	// beside them (and --remove-old never leaves one dangling); and to
	// folders, which ls of the folder a link is in lists.
	if err := opts.Store.ReplaceLinks(ctx, walked, fileLinks); err != nil {
		return s.stopped(ctx, start, entries, err)
	}
	if err := s.prune(ctx, known, seen, badDirs); err != nil {
		return s.stopped(ctx, start, entries, err)
	}

	if opts.WriteSidecars {
		s.prg.setPhase("sidecars")
		if err := s.writeSidecars(ctx, entries, versions); err != nil {
			return s.stopped(ctx, start, entries, err)
		}
	}

	for _, e := range entries {
		f := e.current()
		if f == nil || e.gone {
			continue
		}
		switch f.State {
		case store.StateIdentified:
			s.sum.Identified++
			if e.old == nil || e.old.State != store.StateIdentified {
				s.sum.NewlyIdentified++
			}
		case store.StateNotOnCivitai:
			s.sum.NotOnCivitai++
		default:
			s.sum.Unknown++
		}
	}
	s.finish(start)
	return &s.sum, nil
}

func (s *scanner) finish(start time.Time) {
	s.sum.Lookups = int(s.prg.Lookups.Load())
	s.sum.Elapsed = time.Since(start)
	s.prg.setPhase("done")
	sort.SliceStable(s.sum.ErrorDetails, func(i, j int) bool { return s.sum.ErrorDetails[i].Path < s.sum.ErrorDetails[j].Path })
}

// stopped is what Scan returns when it stops on err: nothing but err,
// unless ctx ended (an interrupt), when the Summary says what was done so
// far (Interrupted), its state counts those of the rows the library has
// for the files found.
func (s *scanner) stopped(ctx context.Context, start time.Time, entries []*entry, err error) (*Summary, error) {
	if ctx.Err() == nil {
		return nil, err
	}
	s.sum.Interrupted = true
	s.sum.Scanned = max(s.sum.Scanned, len(entries))
	for _, e := range entries {
		f := e.old
		if e.written {
			f = e.row
		}
		if f == nil || e.gone {
			continue
		}
		switch f.State {
		case store.StateIdentified:
			s.sum.Identified++
		case store.StateNotOnCivitai:
			s.sum.NotOnCivitai++
		default:
			s.sum.Unknown++
		}
	}
	s.finish(start)
	return &s.sum, err
}

// current is the row that describes the file after the scan.
func (e *entry) current() *store.File {
	if e.row != nil {
		return e.row
	}
	return e.old
}

// Canonical returns the absolute path of p with every symbolic link in it
// resolved: where the file really is, so that one file reached through a
// symlinked folder (~/ComfyUI/models -> /mnt/big/models) has one row in
// the library. A path that does not exist keeps its missing part as is.
func Canonical(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	if r, err := filepath.EvalSymlinks(a); err == nil {
		return r
	}
	if r, err := filepath.EvalSymlinks(filepath.Dir(a)); err == nil {
		return filepath.Join(r, filepath.Base(a))
	}
	return a
}

// resolveRoots makes roots absolute with their symbolic links resolved
// (Canonical), drops roots inside other roots and reports those that do
// not exist. aliases are the spellings given that differ from the real
// path.
func (s *scanner) resolveRoots(in []string) (roots, aliases []string) {
	var abs []string
	for _, r := range in {
		a, err := filepath.Abs(r)
		if err != nil {
			s.fail(r, err)
			continue
		}
		if c := Canonical(a); c != a {
			aliases = append(aliases, filepath.Clean(a))
			a = c
		}
		fi, err := os.Stat(a)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				// Kept: it may be on a drive that is not mounted. A folder
				// deleted for good is forgotten by scanning its parent.
				err = errors.New("no such file or folder (its library entries are kept: if it was deleted, scan the folder it was in to forget them)")
			}
			s.fail(a, err)
			continue
		}
		if !fi.IsDir() && (!fi.Mode().IsRegular() || !IsModelFile(fi.Name()) && !IsModelFile(filepath.Base(r))) {
			// Named on purpose, skipped in silence otherwise.
			s.fail(a, fmt.Errorf("not a model file (model files end in %s)", strings.Join(ModelExts(), ", ")))
			continue
		}
		abs = append(abs, filepath.Clean(a))
	}
	sort.Strings(abs)
	for _, a := range abs {
		inside := false
		for _, r := range roots {
			if a == r || strings.HasPrefix(a, r+string(filepath.Separator)) {
				inside = true
				break
			}
		}
		if !inside {
			roots = append(roots, a)
		}
	}
	return roots, aliases
}

// modelLinks returns the links among links that reach a model file, with
// the file's real path, and those that reach a folder, with its real path
// (ls of a UI's folder lists what its linked folders hold).
func modelLinks(links []string) []store.Link {
	var out []store.Link
	for _, l := range links {
		t := Canonical(l)
		fi, err := os.Stat(t)
		if err != nil || !fi.IsDir() && (!fi.Mode().IsRegular() || !IsModelFile(filepath.Base(t)) && !IsModelFile(filepath.Base(l))) {
			continue
		}
		if fi.IsDir() && store.Under(l, t) {
			continue // a loop (models/loop -> ..): nothing more is reached
		}
		out = append(out, store.Link{Path: l, Target: t})
	}
	return out
}

// followLinks returns the real paths of the symbolic links found by a walk
// that are to be walked too: folders, and model files, that are not
// inside a folder walked already (nor hold one: a link to a parent folder
// is a loop). Broken links are left alone.
func followLinks(links, walked []string) []string {
	var out []string
	for _, l := range links {
		t := Canonical(l)
		fi, err := os.Stat(t)
		if err != nil || under(t, walked) || under(t, out) {
			continue
		}
		switch {
		case fi.IsDir():
			if slices.ContainsFunc(walked, func(w string) bool { return under(w, []string{t}) }) {
				continue
			}
		case !fi.Mode().IsRegular() || !IsModelFile(filepath.Base(t)) && !IsModelFile(filepath.Base(l)):
			continue
		}
		out = append(out, t)
	}
	return out
}

// softwareDir reports folders that hold a UI's software, not models:
// Python environments (a folder with pyvenv.cfg, site-packages), caches and
// node_modules. Scanning a whole A1111 or ComfyUI install would otherwise
// hash the .bin and .pt files of its Python packages.
func softwareDir(p, name string) bool {
	switch name {
	case "site-packages", "dist-packages", "node_modules", "__pycache__":
		return true
	}
	_, err := os.Lstat(filepath.Join(p, "pyvenv.cfg"))
	return err == nil
}

// walk lists the model files under root. Symbolic links are not followed
// here but returned in links (Scan walks what they point to, at its real
// path); hidden files and folders, and softwareDir ones, are skipped. bad lists folders that
// could not be read (their rows are not pruned).
func (s *scanner) walk(ctx context.Context, root string, seen map[string]bool) (out []*entry, bad, links []string, err error) {
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, werr error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if werr != nil {
			s.fail(p, werr)
			if d == nil || d.IsDir() {
				bad = append(bad, p)
				if d != nil && d.IsDir() && p != root {
					return fs.SkipDir
				}
			}
			return nil
		}
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || softwareDir(p, d.Name())) {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 && !strings.HasPrefix(d.Name(), ".") {
			links = append(links, p)
			return nil
		}
		// A root that is a file was checked already (its name may be the
		// link's: a Hugging Face blob has none).
		if !d.Type().IsRegular() || (p != root && !IsModelFile(d.Name())) || seen[p] {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				s.fail(p, err)
			}
			return nil
		}
		seen[p] = true
		ino, dev := InodeOf(fi)
		out = append(out, &entry{path: p, size: fi.Size(), mtime: fi.ModTime(), ctime: ChangeTime(fi), inode: ino, dev: dev})
		s.prg.Files.Add(1)
		return nil
	})
	if ctx.Err() != nil {
		return nil, nil, nil, ctx.Err()
	}
	return out, bad, links, err
}

// fileIDs fills in the identity of the files found by the walk where the
// stat did not give it (Windows), at the cost of an open per file: so only
// of files that need it, those whose row, if any, does not describe them
// (new paths: moved here perhaps; changed files; rows without one). A
// file whose row has the same size and mtime is taken to be the file of
// its row, identity and all.
func (s *scanner) fileIDs(ctx context.Context, entries []*entry, byPath map[string]*store.File) {
	for _, e := range entries {
		if ctx.Err() != nil {
			return
		}
		if e.inode != 0 {
			continue
		}
		if old := byPath[e.path]; old != nil && old.Inode != 0 && old.Size == e.size && old.MTime.Equal(e.mtime) {
			e.inode, e.dev = old.Inode, old.Dev
			continue
		}
		e.inode, e.dev = FileID(e.path, nil)
	}
}

// plan decides whether e must be hashed (true), and otherwise prepares its
// row from the library or a sidecar.
func (s *scanner) plan(e *entry, byIdentity map[identity]*store.File) bool {
	if !s.o.Rehash {
		if (e.sameStat(e.old) || e.gainsID(e.old)) && e.old.SHA256 != "" {
			// Unchanged. A sidecar another tool wrote since may still
			// identify a file nobody could.
			var learnt *store.File // the row with the identity it lacked
			if !e.sameStat(e.old) {
				r := *e.old
				r.Inode, r.Dev = e.inode, e.dev
				learnt = &r
			}
			e.row = learnt
			if e.old.State == store.StateUnknown {
				in, err := sidecar.ReadAny(e.path)
				if in != nil || errors.Is(err, sidecar.ErrNotOnCivitai) {
					r := *e.old
					r.Inode, r.Dev = e.inode, e.dev
					e.row, e.sc, e.scMiss = &r, in, errors.Is(err, sidecar.ErrNotOnCivitai)
					s.applySidecar(e)
					if e.row.State == store.StateUnknown {
						e.row = learnt
					}
				}
			}
			return false
		}
		if e.old == nil && e.inode != 0 {
			if prev, ok := byIdentity[identityOf(e.size, e.mtime, e.inode, e.dev)]; ok {
				if s.elsewhere[prev] && !exists(prev.Path) {
					s.movedOut = append(s.movedOut, prev.Path)
				}
				row := *prev
				row.Path = e.path
				row.AddedAt = time.Time{}
				e.row = &row
				s.sum.Renamed++
				return false
			}
		}
	}
	if e.old == nil {
		s.sum.New++
	} else {
		s.sum.Changed++
	}
	e.row = &store.File{Path: e.path, Size: e.size, MTime: e.mtime, Inode: e.inode, Dev: e.dev,
		Source: store.SourceScanned, State: store.StateUnknown}
	if s.o.Rehash {
		return true
	}
	in, err := sidecar.ReadAny(e.path)
	e.scMiss = errors.Is(err, sidecar.ErrNotOnCivitai)
	if in == nil {
		return true
	}
	e.sc = in
	if in.SHA256 == "" || !sidecarFresh(in.Path, e.mtime, e.ctime) || !in.SizeMatches(e.size) || in.HashSource == sidecar.SuffixA1111 {
		// Hash the file; the sidecar may still name it. A1111 rewrites
		// its .json whenever a card is edited, so a fresh .json says
		// nothing of the file beside it.
		return true
	}
	// The sidecar was written after the file last changed, for a file of
	// this size: trust its hash.
	e.row.SHA256 = in.SHA256
	e.fromSidecar = true
	s.sum.FromSidecars++
	s.applySidecar(e)
	return false
}

// sidecarFresh reports whether the sidecar at p was written no earlier than
// the model file last changed: it then describes the file as it is. The
// file's mtime alone does not tell: cp -p, mv, rsync -a and backups keep
// an old mtime on new bytes, and an older sidecar beside them (another
// model's, or this name's before) looked fresh and was trusted unhashed.
// The inode's change time (ctime, where known) is the kernel's: a file put
// in place after the sidecar was written has a later one.
func sidecarFresh(p string, modelMTime, modelCTime time.Time) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.ModTime().Before(modelMTime) && !fi.ModTime().Before(modelCTime)
}
