package library

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/layout"
	"github.com/civit/civit/internal/sidecar"
	"github.com/civit/civit/internal/store"
)

// maxBulk is the server's limit of SHA-256 digests per bulk by-hash call.
const maxBulk = 100

// applySidecar takes the identity a sidecar gives, once e.row.SHA256 is
// known. A sidecar names the file when it was written after the file last
// changed, or when its SHA-256 is the file's, unless it lists files of the
// model's name of other sizes only (sidecar.Info.Misfit); it identifies it
// when it holds both a model and a version id.
func (s *scanner) applySidecar(e *entry) {
	r := e.row
	if in := e.sc; in != nil && !in.Misfit {
		in.PickByHash(r.SHA256) // same-name files of one size: the hash tells
		// A sidecar that lists its version's hashes, none of them the
		// file's, describes another file (a renamed one is found by
		// PickByHash): only a sidecar that cannot tell is judged by its
		// age.
		agrees := in.SHA256 == r.SHA256 || (in.SHA256 == "" && !in.ListsHashes() && sidecarFresh(in.Path, e.mtime, e.ctime))
		if agrees && in.VersionID != 0 && in.ModelID != 0 {
			r.ModelID, r.VersionID, r.FileID, r.FileName = in.ModelID, in.VersionID, in.FileID, in.FileName
			r.ModelName, r.VersionName, r.ModelType, r.BaseModel = in.ModelName, in.VersionName, in.ModelType, in.BaseModel
			r.TrainedWords = in.TrainedWords
			if in.SHA256 == r.SHA256 {
				r.AutoV2, r.BLAKE3 = firstNonEmpty(in.AutoV2, r.AutoV2), firstNonEmpty(in.BLAKE3, r.BLAKE3)
			}
			r.State, r.Source, r.CheckedAt = store.StateIdentified, store.SourceSidecarPrefix+in.Source, s.now
			if !e.fromSidecar {
				e.fromSidecar = true
				s.sum.FromSidecars++
			}
			return
		}
	}
	if e.scMiss && !s.o.Recheck {
		r.State, r.Source, r.CheckedAt = store.StateNotOnCivitai, store.SourceSidecarPrefix+sidecar.SuffixInfo, s.now
		if !e.fromSidecar {
			e.fromSidecar = true
			s.sum.FromSidecars++
		}
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ApplyVersion fills f with what CivitAI's version v says about the file
// whose SHA-256 is sha (upper-case), and marks it identified at now.
func ApplyVersion(f *store.File, v *api.ModelVersion, sha string, now time.Time) {
	var file *api.File
	for _, fl := range v.Files {
		if fl.Hashes.SHA256() == sha {
			file = fl
			break
		}
	}
	f.ModelID, f.VersionID = v.ModelID, v.ID
	if file != nil {
		f.FileID, f.FileName = file.ID, file.Name
		f.AutoV2 = firstNonEmpty(file.Hashes.Get("AutoV2"), f.AutoV2)
		f.BLAKE3 = firstNonEmpty(file.Hashes.BLAKE3(), f.BLAKE3)
	}
	if v.Model != nil {
		f.ModelName, f.ModelType = v.Model.Name, string(v.Model.Type)
	}
	f.VersionName, f.BaseModel, f.TrainedWords = v.Name, v.BaseModel, v.TrainedWords
	f.State, f.CheckedAt = store.StateIdentified, now
	if f.Source == "" {
		f.Source = store.SourceScanned
	}
}

// identify resolves the files still unknown: from rows of the same content
// elsewhere in the library, from remembered misses, then from CivitAI. It
// returns the versions fetched, by id.
func (s *scanner) identify(ctx context.Context, entries []*entry) (map[int64]*api.ModelVersion, error) {
	versions := map[int64]*api.ModelVersion{}
	var cands []*entry
	var hashes []string
	seenHash := map[string]bool{}
	for _, e := range entries {
		f := e.current()
		if f == nil || e.gone || f.SHA256 == "" {
			continue
		}
		switch {
		case f.State == store.StateUnknown,
			f.State == store.StateNotOnCivitai && s.o.Recheck,
			// Civitai Helper's "not found" marker, its hash known to the
			// library as identified elsewhere: the library wins, for free
			// (also on a rescan, the file unchanged, once the library has
			// learnt the bytes since).
			markedMissing(e, f),
			f.State == store.StateIdentified && f.ModelName == "" && e.row != nil: // a sidecar gave ids only
		default:
			continue
		}
		cands = append(cands, e)
		if !seenHash[f.SHA256] {
			seenHash[f.SHA256] = true
			hashes = append(hashes, f.SHA256)
		}
	}
	if len(cands) == 0 {
		return versions, nil
	}
	var changed []*entry
	setRow := func(e *entry) *store.File {
		if e.row == nil {
			r := *e.old
			e.row = &r
		}
		changed = append(changed, e)
		return e.row
	}

	// The same content, identified at another path (a copy, a download).
	local := map[string]*store.File{}
	for start := 0; start < len(hashes); start += 500 {
		rows, err := s.o.Store.List(ctx, store.Filter{SHA256s: hashes[start:min(start+500, len(hashes))], State: store.StateIdentified})
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if r.ModelName != "" && local[r.SHA256] == nil {
				local[r.SHA256] = r
			}
		}
	}
	misses := map[string]time.Time{}
	if !s.o.Recheck {
		var err error
		if misses, err = s.o.Store.Misses(ctx, hashes); err != nil {
			return nil, err
		}
	}
	var ask []string
	asked := map[string]bool{}
	for _, e := range cands {
		f := e.current()
		if l := local[f.SHA256]; l != nil && l.Path != f.Path {
			r := setRow(e)
			r.ModelID, r.VersionID, r.FileID, r.FileName = l.ModelID, l.VersionID, l.FileID, l.FileName
			r.ModelName, r.VersionName, r.ModelType, r.BaseModel = l.ModelName, l.VersionName, l.ModelType, l.BaseModel
			r.TrainedWords, r.BLAKE3 = l.TrainedWords, firstNonEmpty(r.BLAKE3, l.BLAKE3)
			if markedMissing(e, f) {
				s.overruleMarker(e, r)
			}
			r.State, r.CheckedAt = store.StateIdentified, l.CheckedAt
			continue
		}
		if markedMissing(e, f) && !s.o.Recheck {
			continue // the marker stands; only --recheck asks CivitAI
		}
		if at, ok := misses[f.SHA256]; ok && f.State == store.StateUnknown {
			r := setRow(e)
			r.State, r.CheckedAt = store.StateNotOnCivitai, at
			continue
		}
		if s.o.Client != nil && !asked[f.SHA256] {
			asked[f.SHA256] = true
			ask = append(ask, f.SHA256)
		}
	}

	found, missed, err := s.lookup(ctx, ask)
	if err != nil {
		return nil, err
	}
	for _, e := range cands {
		f := e.current()
		if !asked[f.SHA256] {
			continue
		}
		if v := found[f.SHA256]; v != nil {
			r := setRow(e)
			if markedMissing(e, f) {
				s.overruleMarker(e, r)
			}
			ApplyVersion(r, v, f.SHA256, s.now)
			versions[v.ID] = v
		} else if missed[f.SHA256] && f.State != store.StateIdentified {
			r := setRow(e)
			r.State, r.CheckedAt = store.StateNotOnCivitai, s.now
		}
	}
	var missList, foundList []string
	for h := range missed {
		missList = append(missList, h)
	}
	for h := range found {
		foundList = append(foundList, h)
	}
	if err := s.o.Store.RecordMisses(ctx, s.now, missList...); err != nil {
		return nil, err
	}
	if err := s.o.Store.ForgetMisses(ctx, foundList...); err != nil {
		return nil, err
	}
	rows := make([]*store.File, 0, len(changed))
	dup := map[*entry]bool{}
	for _, e := range changed {
		if !dup[e] {
			dup[e] = true
			rows = append(rows, e.row)
		}
	}
	return versions, s.upsert(ctx, rows)
}

// markedMissing reports whether f, e's row, is "not on CivitAI" on the
// word of Civitai Helper's empty .civitai.info (read now, or recorded so).
func markedMissing(e *entry, f *store.File) bool {
	return f.State == store.StateNotOnCivitai && (e.scMiss || f.Source == store.SourceSidecarPrefix+sidecar.SuffixInfo)
}

// overruleMarker makes r, identified despite the "not found" marker
// beside its file, no longer name the marker as its source nor count it
// among the files the sidecars identified.
func (s *scanner) overruleMarker(e *entry, r *store.File) {
	r.Source = store.SourceScanned
	if e.fromSidecar {
		e.fromSidecar = false
		s.sum.FromSidecars--
	}
}

// bulkRefused reports whether a failed bulk lookup should be retried one
// hash at a time: the server refused or does not have the bulk endpoint
// (400, 404, 405, 5xx, a web page instead of JSON, the HTML 404 of a path
// the site has no route for). A 5xx is included
// because the single GETs are cached at CivitAI's edge for an hour
// (civitai-api.md §2.4) and may be answered while the origin is
// overloaded; if they fail too, the single lookups stop after
// serverDownAfter failures in a row.
func bulkRefused(err error) bool {
	var ae *api.Error
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.Kind {
	case api.KindBadRequest, api.KindNotFound, api.KindServer, api.KindNotJSON, api.KindNotAPI:
		return true
	}
	return ae.StatusCode == 405 || ae.StatusCode == 501
}

// serverDownAfter is how many single lookups in a row may fail with a
// server error before the rest are not asked (one failing hash may be a
// broken version on CivitAI's side; several in a row are an outage).
const serverDownAfter = 3

// hashIDLookup is the cheap "which of these does CivitAI know" call;
// *api.Client has it.
type hashIDLookup interface {
	GetModelVersionIDsByHashes(ctx context.Context, sha256s []string) (map[string]int64, error)
}

// lookup asks CivitAI about hashes: in bulk (100 per call), falling back
// to one call per hash when the bulk call is refused, with at most
// LookupJobs requests in flight, paced by Limiter. Failures are counted in
// the summary; the hashes concerned are in neither map.
func (s *scanner) lookup(ctx context.Context, hashes []string) (found map[string]*api.ModelVersion, missed map[string]bool, err error) {
	found, missed = map[string]*api.ModelVersion{}, map[string]bool{}
	if len(hashes) == 0 || s.o.Client == nil {
		return found, missed, nil
	}
	// Many hashes: ask first which ones CivitAI knows (10,000 a call) and
	// look up only those in bulk; the others are misses without costing a
	// paced bulk call per 100 (8,000 files, 800 known: 9 calls, not 81). A
	// failed first call changes nothing: all go to the bulk lookups.
	if ids, ok := s.o.Client.(hashIDLookup); ok && len(hashes) > maxBulk {
		if err := s.o.Limiter.Wait(ctx); err != nil {
			return nil, nil, err
		}
		s.prg.Lookups.Add(1)
		known, err := ids.GetModelVersionIDsByHashes(ctx, hashes)
		switch {
		case err == nil:
			var ask []string
			for _, h := range hashes {
				if known[strings.ToUpper(h)] > 0 {
					ask = append(ask, h)
				} else {
					missed[h] = true
				}
			}
			hashes = ask
		case ctx.Err() != nil:
			return nil, nil, ctx.Err()
		}
	}
	var (
		mu      sync.Mutex
		single  []string
		refused atomic.Bool
		down    atomic.Bool // a bulk call failed for good: ask no more
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.o.LookupJobs)
	for start := 0; start < len(hashes); start += maxBulk {
		chunk := hashes[start:min(start+maxBulk, len(hashes))]
		g.Go(func() error {
			if down.Load() {
				return nil
			}
			if refused.Load() {
				mu.Lock()
				single = append(single, chunk...)
				mu.Unlock()
				return nil
			}
			if err := s.o.Limiter.Wait(gctx); err != nil {
				return err
			}
			s.prg.Lookups.Add(1)
			vs, err := s.o.Client.GetModelVersionsByHashes(gctx, chunk)
			if err != nil {
				if gctx.Err() != nil {
					return gctx.Err()
				}
				mu.Lock()
				defer mu.Unlock()
				if bulkRefused(err) {
					refused.Store(true)
					single = append(single, chunk...)
					return nil
				}
				// Network down, an outage, rate limited: the other chunks
				// would fail alike and are not sent. One error; a re-run
				// asks again.
				if !down.Swap(true) {
					what := fmt.Sprintf("CivitAI lookup of %d hashes", len(chunk))
					if len(chunk) == 1 {
						what = "CivitAI lookup of 1 hash"
					}
					s.fail(what, err)
				}
				return nil
			}
			want := map[string]bool{}
			for _, h := range chunk {
				want[h] = true
			}
			mu.Lock()
			defer mu.Unlock()
			for _, v := range vs {
				for _, f := range v.Files {
					if h := f.Hashes.SHA256(); want[h] && found[h] == nil {
						found[h] = v
					}
				}
			}
			for _, h := range chunk {
				if found[h] == nil {
					missed[h] = true
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	if len(single) == 0 {
		return found, missed, nil
	}
	var stop atomic.Bool
	serverErrs := 0 // in a row, guarded by mu
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(s.o.LookupJobs)
	for _, h := range single {
		g.Go(func() error {
			if stop.Load() {
				return nil
			}
			if err := s.o.Limiter.Wait(gctx); err != nil {
				return err
			}
			s.prg.Lookups.Add(1)
			v, err := s.o.Client.GetModelVersionByHash(gctx, h)
			mu.Lock()
			defer mu.Unlock()
			if err == nil || errors.Is(err, api.ErrNotFound) {
				serverErrs = 0
			}
			switch {
			case stop.Load() && err != nil:
				// Asked before the stop: its failure is the same story.
			case err == nil:
				found[h] = v
			case errors.Is(err, api.ErrNotFound):
				missed[h] = true
			case gctx.Err() != nil:
				return gctx.Err()
			case errors.Is(err, api.ErrServer) && serverErrs+1 < serverDownAfter:
				serverErrs++
				s.fail("CivitAI lookup of "+h[:10], err)
			default:
				// Network down, rate limited, refused: stop asking.
				if !stop.Swap(true) {
					s.fail("CivitAI lookups", fmt.Errorf("stopped asking: %w", err))
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	return found, missed, nil
}

// prune deletes the rows of files that no longer exist: known rows not
// seen by the walk whose path is gone, except under folders the walk could
// not read; and rows of a file recorded through a symbolic link that the
// walk found at its real path.
func (s *scanner) prune(ctx context.Context, known []*store.File, seen map[string]bool, badDirs []string) error {
	var del []string
	for _, f := range known {
		if seen[f.Path] || under(f.Path, badDirs) {
			continue
		}
		if c := Canonical(f.Path); c != f.Path && seen[c] {
			del = append(del, f.Path)
			continue
		}
		if _, err := os.Lstat(f.Path); errors.Is(err, fs.ErrNotExist) {
			del = append(del, f.Path)
		}
	}
	s.sum.Pruned = len(del)
	// Rows of files moved in from outside the roots: counted as moved.
	del = append(del, s.movedOut...)
	return s.o.Store.Delete(ctx, del...)
}

// under reports whether p is one of dirs or inside one (ignoring case on
// Windows, as the file system does).
func under(p string, dirs []string) bool {
	return slices.ContainsFunc(dirs, func(d string) bool { return store.Under(p, d) })
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// hasPreview reports whether A1111 would find a preview for the model.
func hasPreview(model string) bool {
	stem := strings.TrimSuffix(model, filepath.Ext(model))
	for _, ext := range sidecar.PreviewExts() {
		if exists(stem+"."+ext) || exists(sidecar.PreviewPath(model, ext)) {
			return true
		}
	}
	return false
}

// writeSidecars writes the missing .civitai.info, A1111 .json and preview
// of identified files. A version not fetched during the scan is fetched
// (one cached call per version).
func (s *scanner) writeSidecars(ctx context.Context, entries []*entry, versions map[int64]*api.ModelVersion) error {
	for _, e := range entries {
		f := e.current()
		if f == nil || e.gone || f.State != store.StateIdentified || f.VersionID == 0 {
			continue
		}
		needInfo := !exists(sidecar.InfoPath(f.Path))
		// The library keeps no file type: the model type decides (a VAE
		// bundled with a checkpoint is taken for the checkpoint).
		needJSON := layout.ExtraNetwork(f.ModelType, "") && !exists(sidecar.JSONPath(f.Path))
		needPreview := s.o.HTTPClient != nil && !hasPreview(f.Path)
		if !needInfo && !needJSON && !needPreview {
			continue
		}
		v := versions[f.VersionID]
		if v == nil {
			if s.o.Client == nil {
				continue
			}
			if err := s.o.Limiter.Wait(ctx); err != nil {
				return err
			}
			s.prg.Lookups.Add(1)
			got, err := s.o.Client.GetModelVersion(ctx, f.VersionID)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				s.fail(f.Path, fmt.Errorf("sidecars: %w", err))
				continue
			}
			v = got
			versions[v.ID] = v
		}
		// One line per file whatever went wrong with its sidecars; a
		// sidecar that cannot exist (the model's name is near the limit)
		// is a warning, not a failure: the file itself was scanned.
		wrote := false
		var errs []error
		var noRoom []string
		note := func(w bool, err error) {
			var long *sidecar.NameTooLongError
			switch {
			case errors.As(err, &long):
				noRoom = append(noRoom, long.Name)
			case err != nil && ctx.Err() == nil:
				errs = append(errs, err)
			}
			wrote = wrote || w
		}
		if needInfo && len(v.Raw) > 0 {
			note(sidecar.WriteInfo(sidecar.InfoPath(f.Path), v.Raw, false))
		}
		if needJSON {
			meta := sidecar.NewA1111Meta(f.ModelID, f.VersionID, f.ModelName, f.VersionName, f.BaseModel, f.TrainedWords, v.Description, f.SHA256, s.o.BaseURL)
			note(sidecar.WriteA1111(sidecar.JSONPath(f.Path), meta, false))
		}
		if needPreview {
			var imgs []sidecar.Image
			for _, im := range v.Images {
				imgs = append(imgs, sidecar.Image{URL: im.URL, Type: im.Type, NSFWLevel: int(im.NSFWLevel.Value)})
			}
			if _, w, ok, err := sidecar.WriteFirstPreview(ctx, s.o.HTTPClient, imgs, s.o.PreviewMaxNSFW, f.Path, false); ok {
				note(w, err)
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if len(errs) > 0 {
			s.fail(f.Path, fmt.Errorf("sidecars: %w", oneLine(errs)))
		}
		if len(noRoom) > 0 {
			s.sum.SidecarsSkipped = append(s.sum.SidecarsSkipped, FileError{Path: f.Path,
				Err: "no room for " + strings.Join(noRoom, ", ") + " beside it: " + sidecar.ErrNameTooLong.Error(), Cause: sidecar.ErrNameTooLong})
		}
		if wrote {
			s.sum.SidecarsWritten++
		}
	}
	return nil
}

// oneLine joins errors into one error whose message is one line, for the
// one line per file a scan prints; errors.Is and As see each of them.
func oneLine(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return joined(errs)
}

type joined []error

func (j joined) Error() string {
	msgs := make([]string, len(j))
	for i, e := range j {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

func (j joined) Unwrap() []error { return j }
