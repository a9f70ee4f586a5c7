package library

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
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/store"
)

// ModelClient is what Outdated needs of the CivitAI client; *api.Client
// has it.
type ModelClient interface {
	GetModel(ctx context.Context, id int64) (*api.Model, error)
}

// versionClient is what Outdated also uses, when the client has it, to
// find a version the model no longer lists; *api.Client has it.
type versionClient interface {
	GetModelVersion(ctx context.Context, id int64) (*api.ModelVersion, error)
}

// hashClient is what Outdated also uses, when the client has it, to tell
// a model CivitAI removed from one it hides for now; *api.Client has it.
type hashClient interface {
	GetModelVersionByHash(ctx context.Context, hash string) (*api.ModelVersion, error)
}

// HiddenError: CivitAI answers 404 for the model, but still knows a file
// of it by hash. It hides brand-new and just-edited models for hours or
// days (civitai-api.md §2.2): the model is not gone.
type HiddenError struct {
	ModelID int64
	Err     error // the 404
}

func (e *HiddenError) Error() string {
	return fmt.Sprintf("CivitAI does not show model %d right now, but still knows its file by hash", e.ModelID)
}

func (e *HiddenError) Unwrap() error { return e.Err }

// Hint says what to do.
func (e *HiddenError) Hint() string {
	return "CivitAI hides new and just-edited models for hours or days; check again later"
}

// stillKnown reports whether CivitAI finds one of files by hash although
// the model answered 404 (one request, for the first file with a hash).
func stillKnown(ctx context.Context, o OutdatedOptions, files []*store.File) (bool, int) {
	hc, ok := o.Client.(hashClient)
	if !ok {
		return false, 0
	}
	for _, f := range files {
		if f.SHA256 == "" {
			continue
		}
		if o.limited.wait(ctx, o.Limiter) != nil {
			return false, 0
		}
		v, err := hc.GetModelVersionByHash(ctx, f.SHA256)
		o.limited.note(err)
		return err == nil && v != nil && v.ModelID == f.ModelID, 1
	}
	return false, 0
}

// modelLister is what Outdated uses, when the client has it, to fetch up
// to 100 models in one request (/api/v1/models?ids=...); *api.Client has
// it.
type modelLister interface {
	ListModels(ctx context.Context, opts *api.ModelsOptions) (*api.ModelsPage, error)
}

// maxIDs is how many models one list request asks for (the API's page
// size limit).
const maxIDs = 100

// DefaultVersionsMaxAge is how long a model's cached version list is used
// before CivitAI is asked again.
const DefaultVersionsMaxAge = time.Hour

// OutdatedOptions configure Outdated.
type OutdatedOptions struct {
	Store *store.Store
	// Client fetches models; nil uses the cached version lists only.
	Client ModelClient
	// ModelTypes keeps only models of these types (matched ignoring
	// case); ModelIDs only these models (both optional).
	ModelTypes []string
	ModelIDs   []int64
	// MaxAge is how long cached version lists are trusted (0: always ask
	// CivitAI when there is a Client).
	MaxAge time.Duration
	// Jobs bounds the requests in flight (default and maximum 3); Limiter
	// paces them (nil: DefaultLimiter()).
	Jobs    int
	Limiter *rate.Limiter
	// Now is the clock (default time.Now).
	Now func() time.Time
	// OnDisk reports whether a file of the library is still on disk
	// (default OnDisk). A file that is not is left out: it is not the
	// version the user has, and an update must not recreate its folder
	// (deleted, or on a drive that is not mounted).
	OnDisk func(path string) bool
	// AnyBase offers newer versions on any base model. By default a newer
	// version counts only when it has the base model of the version on
	// disk: a LoRA's SDXL version does not replace its SD 1.5 one.
	AnyBase bool

	limited *rateStop // set by Outdated
	// noCache is set when the library was busy (another process writing
	// it): the versions are not kept for the rest of the run.
	noCache *atomic.Bool // set by Outdated
}

// cacheWait is how long keeping a model's versions waits for another
// writer of the library: they only spare the next run a request, and
// `outdated` only reads otherwise.
const cacheWait = time.Second

// rateStop remembers that CivitAI refused a request of this check for rate
// limiting beyond what the client's retries wait, that the server is not
// the API, or failed serverDownAfter requests in a row with server or
// network errors (an outage): the models
// after it are not asked about (each would wait its turn of the Limiter to
// be refused, 871 models 7 minutes; during an outage each request is also
// retried), they fail with that error.
type rateStop struct {
	mu     sync.Mutex
	err    error
	inARow int // server and network failures since the last answer
}

// wait waits for the limiter, or returns the error that stopped the
// check as a *NotAskedError.
func (r *rateStop) wait(ctx context.Context, lim *rate.Limiter) error {
	r.mu.Lock()
	err := r.err
	r.mu.Unlock()
	if err != nil {
		return &NotAskedError{Err: err}
	}
	return lim.Wait(ctx)
}

// NotAskedError is the error of a model the check did not ask CivitAI
// about: an earlier answer (rate limiting, an outage, a server that is not
// the API) stopped it asking. Err is that answer's error.
type NotAskedError struct{ Err error }

func (e *NotAskedError) Error() string { return "not asked: " + e.Err.Error() }

// Unwrap returns the answer's error (its kind gives the hint).
func (e *NotAskedError) Unwrap() error { return e.Err }

// note keeps err when it is rate limiting or ends an outage's run of
// failures; an answer (nil, or any other error) ends the run.
func (r *rateStop) note(err error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case errors.Is(err, api.ErrRateLimited):
	case errors.Is(err, api.ErrNotAPI):
		// A web page, not the API (a wrong base URL, a proxy): every
		// other request would get it too.
	case errors.Is(err, api.ErrServer), errors.Is(err, api.ErrNetwork):
		if r.inARow++; r.inARow < serverDownAfter {
			return err
		}
	default:
		r.inARow = 0
		return err
	}
	if r.err == nil {
		r.err = err
	}
	return err
}

// SameBase reports whether two versions' base models are the same line of
// a model ("" is unknown and matches any).
func SameBase(a, b string) bool {
	return a == "" || b == "" || strings.EqualFold(a, b)
}

// OnDisk reports whether path still exists (a file deleted, or on a drive
// not mounted, since it was recorded does not).
func OnDisk(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// VersionRef names a version.
type VersionRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Update is a model of the library with a newer version than the one on
// disk.
type Update struct {
	ModelID   int64  `json:"modelId"`
	Model     string `json:"model"`
	ModelType string `json:"modelType"`
	// Current is the newest version on disk; Paths are its files, Dir the
	// folder of the first one and Dirs every folder that holds one (an
	// update goes into each: users keep a model for two UIs).
	Current VersionRef `json:"current"`
	Paths   []string   `json:"paths"`
	Dir     string     `json:"dir"`
	Dirs    []string   `json:"dirs,omitempty"`
	// Latest is the newest version newer than Current that can be
	// downloaded (not in early access); nil when only early-access
	// versions are newer.
	Latest *store.VersionInfo `json:"latest"`
	// EarlyAccess is the newest version when it is newer than Latest and
	// still in early access.
	EarlyAccess *store.VersionInfo `json:"earlyAccess,omitempty"`
	// OtherBase is the newest version newer than Latest on another base
	// model than Current's (not offered without AnyBase); BaseModel is
	// Current's base model.
	OtherBase *store.VersionInfo `json:"otherBase,omitempty"`
	BaseModel string             `json:"baseModel,omitempty"`
	// Command updates the model; "" when Latest is nil (only an
	// early-access version is newer: `civit update` has nothing to do).
	Command string `json:"command,omitempty"`
	// Files pairs each of Paths with the file of Latest that replaces it
	// (see PlanFiles). It is filled when CivitAI was asked (not offline)
	// and Latest is set; nil otherwise.
	Files []*FileUpdate `json:"files,omitempty"`
}

// ModelError is a model Outdated could not check.
type ModelError struct {
	ModelID int64  `json:"modelId"`
	Model   string `json:"model"`
	Err     string `json:"error"`
	// Gone is true when CivitAI no longer has the model.
	Gone bool `json:"gone,omitempty"`
	// Cause is the error itself, for its hint and exit code.
	Cause error `json:"-"`
}

// OutdatedResult is what Outdated found.
type OutdatedResult struct {
	Checked  int          `json:"checked"`  // models compared
	Requests int          `json:"requests"` // CivitAI requests sent
	Outdated []*Update    `json:"outdated"`
	Errors   []ModelError `json:"errors,omitempty"`
	// Missing are the files of the library left out because they are no
	// longer on disk.
	Missing []string `json:"missing,omitempty"`
}

// VersionsOf turns an API model into its published versions, in the API's
// order (newest first).
func VersionsOf(m *api.Model, now time.Time) *store.ModelVersions {
	mv := &store.ModelVersions{ModelID: m.ID, ModelName: m.Name, ModelType: string(m.Type), CheckedAt: now}
	for _, v := range m.ModelVersions {
		if v.Status != "" && v.Status != "Published" {
			continue
		}
		vi := store.VersionInfo{ID: v.ID, Name: v.Name, BaseModel: v.BaseModel, PublishedAt: v.PublishedAt.Time}
		if d := v.EarlyAccessDeadline.Time; !d.IsZero() {
			vi.EarlyAccessEndsAt = d
		} else if d := v.EarlyAccessEndsAt.Time; !d.IsZero() {
			vi.EarlyAccessEndsAt = d
		}
		vi.EarlyAccess = v.Availability == "EarlyAccess" || vi.EarlyAccessEndsAt.After(now)
		mv.Versions = append(mv.Versions, vi)
	}
	return mv
}

// Outdated compares each identified model of the library with its
// versions on CivitAI: one request per model (or the cached list), at
// most Jobs at once, paced by Limiter.
func Outdated(ctx context.Context, o OutdatedOptions) (*OutdatedResult, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Jobs <= 0 || o.Jobs > 3 {
		o.Jobs = 3
	}
	if o.Limiter == nil {
		o.Limiter = DefaultLimiter()
	}
	if o.OnDisk == nil {
		o.OnDisk = OnDisk
	}
	o.limited = &rateStop{}
	o.noCache = new(atomic.Bool)
	now := o.Now()
	rows, err := o.Store.List(ctx, store.Filter{State: store.StateIdentified, ModelIDs: o.ModelIDs})
	if err != nil {
		return nil, err
	}
	res := &OutdatedResult{Outdated: []*Update{}}
	byModel := map[int64][]*store.File{}
	var ids []int64
	for _, f := range rows {
		if f.ModelID == 0 || f.VersionID == 0 || !typeIn(f.ModelType, o.ModelTypes) {
			continue
		}
		if !o.OnDisk(f.Path) {
			res.Missing = append(res.Missing, f.Path)
			continue
		}
		if byModel[f.ModelID] == nil {
			ids = append(ids, f.ModelID)
		}
		byModel[f.ModelID] = append(byModel[f.ModelID], f)
	}
	prefetched, err := prefetch(ctx, o, ids, byModel, now, res)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.Jobs)
	for _, id := range ids {
		files := byModel[id]
		g.Go(func() error {
			mv, m, requests, err := versionsFor(gctx, o, id, now, prefetched[id])
			if errors.Is(err, api.ErrNotFound) {
				known, n := stillKnown(gctx, o, files)
				requests += n
				if known {
					err = &HiddenError{ModelID: id, Err: err}
				}
			}
			var us []*Update
			if err == nil {
				us = compareLines(mv, files, now, o.AnyBase)
				for _, u := range us {
					if u.Latest == nil || o.Client == nil {
						continue
					}
					n, ferr := planFiles(gctx, o, m, u, files)
					requests += n
					if ferr != nil && gctx.Err() != nil {
						return gctx.Err()
					}
					// Another error leaves Files nil: `civit update` asks
					// again for what it needs.
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.Requests += requests
			if err != nil {
				if gctx.Err() != nil {
					return gctx.Err()
				}
				var hidden *HiddenError
				gone := errors.Is(err, api.ErrNotFound) && !errors.As(err, &hidden)
				res.Errors = append(res.Errors, ModelError{ModelID: id, Model: files[0].ModelName, Err: err.Error(), Gone: gone, Cause: err})
				return nil
			}
			res.Checked++
			res.Outdated = append(res.Outdated, us...)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	sort.Slice(res.Outdated, func(i, j int) bool {
		a, b := res.Outdated[i], res.Outdated[j]
		if c := strings.Compare(strings.ToLower(a.Model), strings.ToLower(b.Model)); c != 0 {
			return c < 0
		}
		if a.ModelID != b.ModelID {
			return a.ModelID < b.ModelID
		}
		return a.BaseModel < b.BaseModel
	})
	sort.Slice(res.Errors, func(i, j int) bool { return res.Errors[i].ModelID < res.Errors[j].ModelID })
	return res, nil
}

// typeIn reports whether t is one of types, ignoring case; no types
// matches everything.
func typeIn(t string, types []string) bool {
	if len(types) == 0 {
		return true
	}
	for _, w := range types {
		if strings.EqualFold(t, w) {
			return true
		}
	}
	return false
}

// fresh returns a model's cached versions when they are recent enough to
// be used without asking CivitAI.
func fresh(ctx context.Context, o OutdatedOptions, id int64, now time.Time) (*store.ModelVersions, bool) {
	cached, err := o.Store.GetModelVersions(ctx, id)
	if err == nil && (o.Client == nil || (o.MaxAge > 0 && now.Sub(cached.CheckedAt) < o.MaxAge)) {
		return cached, true
	}
	return nil, false
}

// prefetch fetches the models to ask CivitAI about 100 at a time, when the
// client can: a library of 500 models is 5 requests, not 500. Those are
// the models whose cached versions are stale, and those the cached
// versions show outdated (planning their update needs the files, which the
// cache does not keep). A model the list does not return (deleted, or
// hidden from lists), or a failed list request, is left to one request per
// model, which tells why.
func prefetch(ctx context.Context, o OutdatedOptions, ids []int64, byModel map[int64][]*store.File, now time.Time, res *OutdatedResult) (map[int64]*api.Model, error) {
	out := map[int64]*api.Model{}
	lister, ok := o.Client.(modelLister)
	if !ok {
		return out, nil
	}
	var ask []int64
	for _, id := range ids {
		cached, ok := fresh(ctx, o, id, now)
		if !ok || slices.ContainsFunc(compareLines(cached, byModel[id], now, o.AnyBase), func(u *Update) bool { return u.Latest != nil }) {
			ask = append(ask, id)
		}
	}
	if len(ask) < 2 {
		return out, nil
	}
	all := true // every maturity level: a list shows PG only by default
	for start := 0; start < len(ask); start += maxIDs {
		chunk := ask[start:min(start+maxIDs, len(ask))]
		if err := o.limited.wait(ctx, o.Limiter); err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			break // rate limited: each model fails with it
		}
		res.Requests++
		page, err := lister.ListModels(ctx, &api.ModelsOptions{IDs: chunk, Limit: maxIDs, NSFW: &all})
		if o.limited.note(err) != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			continue
		}
		for _, m := range page.Items {
			if slices.Contains(chunk, m.ID) {
				out[m.ID] = m
			}
		}
	}
	return out, nil
}

// versionsFor returns a model's versions from the cache when fresh, else
// from pre (the model prefetched in a list) or CivitAI, caching them; m is
// then the model CivitAI sent (pre also when the cache was fresh).
func versionsFor(ctx context.Context, o OutdatedOptions, id int64, now time.Time, pre *api.Model) (mv *store.ModelVersions, m *api.Model, requests int, err error) {
	if cached, ok := fresh(ctx, o, id, now); ok {
		return cached, pre, 0, nil
	}
	if o.Client == nil {
		return nil, nil, 0, fmt.Errorf("model %d has not been checked yet (run without `--offline`)", id)
	}
	if m = pre; m == nil {
		if err := o.limited.wait(ctx, o.Limiter); err != nil {
			return nil, nil, 0, err
		}
		requests = 1
		if m, err = o.Client.GetModel(ctx, id); o.limited.note(err) != nil {
			return nil, nil, requests, err
		}
	}
	mv = VersionsOf(m, now)
	// The versions are kept only to spare the next run a request: a
	// library that cannot be written (read-only, owned by another user)
	// must not fail the check.
	// A busy library (another civit scanning) is not waited for: said
	// nothing of, and not tried again this run.
	if o.noCache == nil || !o.noCache.Load() {
		pctx, cancel := context.WithTimeout(store.WithBusyNotice(ctx, nil), cacheWait)
		err := o.Store.PutModelVersions(pctx, mv)
		cancel()
		if err != nil && ctx.Err() != nil {
			return nil, nil, requests, ctx.Err()
		}
		if store.IsBusy(err) && o.noCache != nil {
			o.noCache.Store(true)
		}
	}
	return mv, m, requests, nil
}

// planFiles fills u.Files from the files CivitAI lists for the current and
// the latest version: from m when versionsFor just fetched it, else from
// the model fetched again (the version lists kept in the library do not
// have the files; the response cache usually answers). It returns the
// requests it sent.
func planFiles(ctx context.Context, o OutdatedOptions, m *api.Model, u *Update, files []*store.File) (requests int, err error) {
	if m == nil {
		if err := o.limited.wait(ctx, o.Limiter); err != nil {
			return 0, err
		}
		requests++
		if m, err = o.Client.GetModel(ctx, u.ModelID); o.limited.note(err) != nil {
			return requests, err
		}
	}
	version := func(id int64) *api.ModelVersion {
		for _, v := range m.ModelVersions {
			if v.ID == id {
				return v
			}
		}
		return nil
	}
	latest, cur := version(u.Latest.ID), version(u.Current.ID)
	if latest == nil {
		return requests, fmt.Errorf("model %d no longer lists version %d", u.ModelID, u.Latest.ID)
	}
	if vc, ok := o.Client.(versionClient); ok && cur == nil {
		// A version the model no longer lists may still be there by id.
		if err := o.limited.wait(ctx, o.Limiter); err != nil {
			return requests, err
		}
		requests++
		if v, err := vc.GetModelVersion(ctx, u.Current.ID); o.limited.note(err) == nil {
			cur = v
		} else if ctx.Err() != nil {
			return requests, ctx.Err()
		}
	}
	u.Files = PlanFiles(CurrentRows(u, files), cur, latest)
	return requests, nil
}

// CurrentRows returns the rows among files that are u's Paths, in that
// order.
func CurrentRows(u *Update, files []*store.File) []*store.File {
	byPath := map[string]*store.File{}
	for _, f := range files {
		byPath[f.Path] = f
	}
	var out []*store.File
	for _, p := range u.Paths {
		if f := byPath[p]; f != nil {
			out = append(out, f)
		}
	}
	return out
}

// compare finds what is newer than the newest version on disk.
// compareLines is compare for each base model the files on disk are for:
// a model kept as its SD 1.5 and its SDXL versions is two lines, each
// updated within itself (and a newer version for a base model the user has
// a line of is not news for the other line). With anyBase, all the files
// are one line.
func compareLines(mv *store.ModelVersions, files []*store.File, now time.Time, anyBase bool) []*Update {
	var out []*Update
	if anyBase {
		if u := compare(mv, files, now, true); u != nil {
			out = append(out, u)
		}
		return out
	}
	baseOf := map[int64]string{}
	for _, v := range mv.Versions {
		baseOf[v.ID] = v.BaseModel
	}
	var keys []string
	lines := map[string][]*store.File{}
	for _, f := range files {
		k := strings.ToLower(firstNonEmpty(baseOf[f.VersionID], f.BaseModel))
		if lines[k] == nil {
			keys = append(keys, k)
		}
		lines[k] = append(lines[k], f)
	}
	for _, k := range keys {
		u := compare(mv, lines[k], now, false)
		if u == nil {
			continue
		}
		if u.OtherBase != nil && lines[strings.ToLower(u.OtherBase.BaseModel)] != nil {
			if u.OtherBase = nil; u.Latest == nil && u.EarlyAccess == nil {
				continue
			}
		}
		out = append(out, u)
	}
	return out
}

func compare(mv *store.ModelVersions, files []*store.File, now time.Time, anyBase bool) *Update {
	if len(mv.Versions) == 0 {
		return nil
	}
	index := map[int64]int{}
	for i, v := range mv.Versions {
		index[v.ID] = i
	}
	// The newest version on disk: the lowest index; versions CivitAI no
	// longer lists rank by id.
	var cur *store.File
	curIdx := len(mv.Versions)
	for _, f := range files {
		i, ok := index[f.VersionID]
		if !ok {
			i = len(mv.Versions)
		}
		if cur == nil || i < curIdx || (i == curIdx && f.VersionID > cur.VersionID) {
			cur, curIdx = f, i
		}
	}
	var newer []store.VersionInfo
	if curIdx < len(mv.Versions) {
		newer = mv.Versions[:curIdx]
	} else {
		for _, v := range mv.Versions {
			if v.ID > cur.VersionID {
				newer = append(newer, v)
			}
		}
	}
	base := cur.BaseModel
	if curIdx < len(mv.Versions) {
		base = firstNonEmpty(mv.Versions[curIdx].BaseModel, base)
	}
	var other *store.VersionInfo
	if !anyBase {
		var same []store.VersionInfo
		for _, v := range newer {
			switch {
			case SameBase(v.BaseModel, base):
				same = append(same, v)
			case other == nil && len(same) == 0 && !v.InEarlyAccess(now):
				v := v
				other = &v
			}
		}
		newer = same
	}
	if len(newer) == 0 && other == nil {
		return nil
	}
	u := &Update{ModelID: mv.ModelID, Model: firstNonEmpty(mv.ModelName, cur.ModelName), ModelType: firstNonEmpty(mv.ModelType, cur.ModelType),
		Current: VersionRef{ID: cur.VersionID, Name: cur.VersionName}, Dir: filepath.Dir(cur.Path), BaseModel: base, OtherBase: other}
	u.Dirs = []string{u.Dir}
	for _, f := range files {
		if f.VersionID == cur.VersionID {
			u.Paths = append(u.Paths, f.Path)
			if d := filepath.Dir(f.Path); !slices.Contains(u.Dirs, d) {
				u.Dirs = append(u.Dirs, d)
			}
		}
	}
	if len(newer) > 0 && newer[0].InEarlyAccess(now) {
		ea := newer[0]
		u.EarlyAccess = &ea
	}
	for _, v := range newer {
		if !v.InEarlyAccess(now) {
			v := v
			u.Latest = &v
			u.Command = fmt.Sprintf("civit update %d", mv.ModelID)
			break
		}
	}
	return u
}
