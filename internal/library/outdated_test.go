package library

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/time/rate"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/civitaitest"
	"github.com/civit/civit/internal/store"
)

func TestOutdatedAgainstFakeServer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	rows := []*store.File{
		{Path: "/m/ckpt_v1.safetensors", SHA256: sha64("1"), ModelID: 102, VersionID: 10203, VersionName: "v1.0", ModelName: "CK", ModelType: "Checkpoint", State: store.StateIdentified},
		{Path: "/m/vae/vae_v1.safetensors", SHA256: sha64("6"), ModelID: 102, VersionID: 10203, FileID: 1020304, VersionName: "v1.0", ModelName: "CK", ModelType: "Checkpoint", State: store.StateIdentified},
		{Path: "/m/ea_v1.safetensors", SHA256: sha64("2"), ModelID: 104, VersionID: 10402, VersionName: "v1.0", ModelType: "LORA", State: store.StateIdentified},
		{Path: "/m/lora.safetensors", SHA256: sha64("3"), ModelID: 101, VersionID: 10101, ModelType: "LORA", State: store.StateIdentified},
		{Path: "/m/gone.safetensors", SHA256: sha64("4"), ModelID: 111, VersionID: 11101, ModelName: "Gone", State: store.StateIdentified},
		{Path: "/m/unknown.safetensors", SHA256: sha64("5")},
	}
	if err := e.st.Upsert(ctx, rows...); err != nil {
		t.Fatal(err)
	}
	o := OutdatedOptions{Store: e.st, Client: e.c, MaxAge: time.Hour, Limiter: rate.NewLimiter(rate.Inf, 1),
		OnDisk: func(string) bool { return true }}
	res, err := Outdated(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	// One list request for the four models, one more for the one the list
	// does not return, and a by-hash lookup that tells it gone, not hidden.
	if res.Checked != 3 || res.Requests != 3 || len(res.Outdated) != 2 || len(res.Errors) != 1 || !res.Errors[0].Gone || res.Errors[0].ModelID != 111 {
		t.Fatalf("result %+v, errors %+v", res, res.Errors)
	}
	ck, ea := res.Outdated[0], res.Outdated[1]
	if ck.ModelID != 102 || ck.Latest == nil || ck.Latest.ID != 10201 || ck.EarlyAccess != nil || ck.Current.ID != 10203 ||
		ck.Dir != filepath.FromSlash("/m") || ck.Command != "civit update 102" || ck.Latest.PublishedAt.IsZero() {
		t.Errorf("checkpoint: %+v", ck)
	}
	// Each file on disk with the file of v3.0 that replaces it: the VAE
	// (known by its file id) with v3.0's VAE; a file whose hash CivitAI
	// does not list for v1.0 with none, and a note.
	wantFiles := []*FileUpdate{
		{Path: "/m/ckpt_v1.safetensors", Note: "it is none of the files CivitAI lists for v1.0, so civit cannot tell which file of v3.0 replaces it"},
		{Path: "/m/vae/vae_v1.safetensors", Old: &FileRef{ID: 1020304, Type: "VAE"}, New: &FileRef{ID: 1020104, Type: "VAE"}},
	}
	if diff := cmp.Diff(wantFiles, ck.Files, cmpopts.IgnoreFields(FileRef{}, "Name", "Format", "FP", "Size", "QuantType", "SHA256")); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	// Only an early-access version is newer: no command, `civit update`
	// has nothing to download.
	if ea.ModelID != 104 || ea.Latest != nil || ea.EarlyAccess == nil || ea.EarlyAccess.ID != 10401 || ea.EarlyAccess.EarlyAccessEndsAt.IsZero() || ea.Command != "" {
		t.Errorf("early access: %+v", ea)
	}
	// Cached for an hour: the gone model is asked again (with its by-hash
	// check), and the outdated one once for its files (the cached version
	// list does not have them). Offline works from the cache, without the
	// files.
	if res, err := Outdated(ctx, o); err != nil || res.Requests != 3 || len(res.Outdated) != 2 || len(res.Outdated[0].Files) != 2 {
		t.Errorf("cached: %+v %v", res, err)
	}
	o.Client = nil
	if res, err := Outdated(ctx, o); err != nil || res.Requests != 0 || len(res.Outdated) != 2 || len(res.Errors) != 1 || res.Outdated[0].Files != nil {
		t.Errorf("offline: %+v %v", res, err)
	}
	// Filters.
	o.Client, o.ModelIDs = e.c, []int64{101}
	if res, err := Outdated(ctx, o); err != nil || res.Checked != 1 || len(res.Outdated) != 0 {
		t.Errorf("model filter: %+v %v", res, err)
	}
	// Types, ignoring case.
	o.ModelIDs, o.ModelTypes = nil, []string{"lora"}
	if res, err := Outdated(ctx, o); err != nil || len(res.Outdated) != 1 || res.Outdated[0].ModelID != 104 {
		t.Errorf("type filter: %+v %v", res, err)
	}
	o.ModelTypes = []string{"LORA", "Checkpoint"}
	if res, err := Outdated(ctx, o); err != nil || len(res.Outdated) != 2 {
		t.Errorf("types filter: %+v %v", res, err)
	}
	o.ModelTypes, o.ModelIDs = nil, []int64{101}
	// A server error is an error of that model.
	e.srv.AddFault(civitaitest.FaultRule{Host: "api", PathPrefix: "/api/v1/models/101", Status: 500})
	o.MaxAge = 0
	if res, err := Outdated(ctx, o); err != nil || len(res.Errors) != 1 || res.Errors[0].Gone {
		t.Errorf("server error: %+v %v", res, err)
	}
}

// A file deleted since it was recorded (or on a drive not mounted) is not
// the version the user has: it is left out, and its folder is not where an
// update goes.
func TestOutdatedLeavesOutMissingFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	kept := e.randomFile("ui1/ckpt_v1.safetensors", 10)
	gone := filepath.Join(e.dir, "ui2", "ckpt_v1.safetensors")
	goneLora := filepath.Join(e.dir, "ui2", "lora.safetensors")
	rows := []*store.File{
		{Path: kept, SHA256: sha64("1"), ModelID: 102, VersionID: 10203, VersionName: "v1.0", ModelName: "CK", ModelType: "Checkpoint", State: store.StateIdentified},
		{Path: gone, SHA256: sha64("1"), ModelID: 102, VersionID: 10203, VersionName: "v1.0", ModelName: "CK", ModelType: "Checkpoint", State: store.StateIdentified},
		{Path: goneLora, SHA256: sha64("3"), ModelID: 104, VersionID: 10402, ModelType: "LORA", State: store.StateIdentified},
	}
	if err := e.st.Upsert(ctx, rows...); err != nil {
		t.Fatal(err)
	}
	res, err := Outdated(ctx, OutdatedOptions{Store: e.st, Client: e.c, Limiter: rate.NewLimiter(rate.Inf, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Checked != 1 || len(res.Outdated) != 1 {
		t.Fatalf("checked %d, outdated %+v; want 1 and model 102 only", res.Checked, res.Outdated)
	}
	u := res.Outdated[0]
	if diff := cmp.Diff([]string{kept}, u.Paths); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{filepath.Dir(kept)}, u.Dirs); diff != "" {
		t.Errorf("dirs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{gone, goneLora}, res.Missing, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
}

// The versions cached in the library only spare a request: a library that
// cannot be written does not fail the check.
func TestOutdatedWithReadOnlyLibrary(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	p := e.randomFile("ckpt_v1.safetensors", 10)
	if err := e.st.Upsert(ctx, &store.File{Path: p, SHA256: sha64("1"), ModelID: 102, VersionID: 10203, VersionName: "v1.0", ModelName: "CK", ModelType: "Checkpoint", State: store.StateIdentified}); err != nil {
		t.Fatal(err)
	}
	// As a read-only file would (root ignores file modes): writes fail.
	db, err := sql.Open("sqlite", e.st.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TRIGGER readonly BEFORE INSERT ON latest_versions BEGIN SELECT RAISE(FAIL, 'attempt to write a readonly database'); END`); err != nil {
		t.Fatal(err)
	}
	res, err := Outdated(ctx, OutdatedOptions{Store: e.st, Client: e.c, Limiter: rate.NewLimiter(rate.Inf, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 0 || res.Checked != 1 || len(res.Outdated) != 1 {
		t.Fatalf("checked %d, outdated %d, errors %+v; want 1, 1, none", res.Checked, len(res.Outdated), res.Errors)
	}
}

// The models to check are asked for 100 at a time in one list request, not
// one request each; when the list fails, one request per model still
// answers.
func TestOutdatedAsksForModelsInBulk(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	rows := []*store.File{
		{Path: "/m/ckpt_v1.safetensors", SHA256: sha64("1"), ModelID: 102, VersionID: 10203, VersionName: "v1.0", ModelName: "CK", ModelType: "Checkpoint", State: store.StateIdentified},
		{Path: "/m/ea_v1.safetensors", SHA256: sha64("2"), ModelID: 104, VersionID: 10402, VersionName: "v1.0", ModelType: "LORA", State: store.StateIdentified},
		{Path: "/m/lora.safetensors", SHA256: sha64("3"), ModelID: 101, VersionID: 10101, ModelType: "LORA", State: store.StateIdentified},
	}
	if err := e.st.Upsert(ctx, rows...); err != nil {
		t.Fatal(err)
	}
	o := OutdatedOptions{Store: e.st, Client: e.c, Limiter: rate.NewLimiter(rate.Inf, 1), OnDisk: func(string) bool { return true }}
	check := func(name string, wantRequests int) {
		t.Helper()
		res, err := Outdated(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if res.Checked != 3 || len(res.Errors) != 0 || len(res.Outdated) != 2 || res.Requests != wantRequests {
			t.Fatalf("%s: checked %d, outdated %d, errors %+v, requests %d; want 3, 2, none, %d", name, res.Checked, len(res.Outdated), res.Errors, res.Requests, wantRequests)
		}
		if ck := res.Outdated[0]; ck.ModelID != 102 || ck.Latest == nil || ck.Latest.ID != 10201 || len(ck.Files) != 1 {
			t.Errorf("%s: checkpoint %+v", name, ck)
		}
	}
	check("bulk", 1)
	e.srv.AddFault(civitaitest.FaultRule{Host: "api", PathPrefix: "/api/v1/models", Status: 400, Times: 1})
	o.MaxAge = 0
	check("list refused", 4)
}

func sha64(c string) string {
	s := ""
	for range 64 {
		s += c
	}
	return s
}

func TestCompare(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	vs := []store.VersionInfo{
		{ID: 14, Name: "v4", EarlyAccess: true, EarlyAccessEndsAt: now.Add(24 * time.Hour)},
		{ID: 13, Name: "v3", EarlyAccess: true}, // early access without an end date
		{ID: 12, Name: "v2"},
		{ID: 11, Name: "v1"},
	}
	file := func(path string, v int64) *store.File { return &store.File{Path: path, ModelID: 1, VersionID: v} }
	tests := []struct {
		name      string
		versions  []store.VersionInfo
		files     []*store.File
		wantNil   bool
		latest    int64
		ea        int64
		current   int64
		wantPaths []string
	}{
		{name: "newest on disk", versions: vs, files: []*store.File{file("/a", 14)}, wantNil: true},
		{name: "older", versions: vs, files: []*store.File{file("/a/x", 11)}, latest: 12, ea: 14, current: 11, wantPaths: []string{"/a/x"}},
		{name: "only early access newer", versions: vs, files: []*store.File{file("/a", 12)}, ea: 14, current: 12, wantPaths: []string{"/a"}},
		{name: "the newest on disk counts", versions: vs, files: []*store.File{file("/a", 11), file("/b", 12), file("/c", 12)}, ea: 14, current: 12, wantPaths: []string{"/b", "/c"}},
		{name: "unlisted current, only early access newer", versions: vs[:1], files: []*store.File{file("/a", 11)}, ea: 14, current: 11, wantPaths: []string{"/a"}},
		{name: "unlisted version ranks by id", versions: vs[2:], files: []*store.File{file("/a", 5)}, latest: 12, current: 5, wantPaths: []string{"/a"}},
		{name: "unlisted newer version", versions: vs[2:], files: []*store.File{file("/a", 99)}, wantNil: true},
		{name: "no versions", versions: nil, files: []*store.File{file("/a", 1)}, wantNil: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := compare(&store.ModelVersions{ModelID: 1, Versions: tt.versions}, tt.files, now, false)
			if (u == nil) != tt.wantNil {
				t.Fatalf("got %+v, want nil %v", u, tt.wantNil)
			}
			if u == nil {
				return
			}
			var latest, ea int64
			if u.Latest != nil {
				latest = u.Latest.ID
			}
			if u.EarlyAccess != nil {
				ea = u.EarlyAccess.ID
			}
			if latest != tt.latest || ea != tt.ea || u.Current.ID != tt.current {
				t.Errorf("latest %d ea %d current %d, want %d %d %d", latest, ea, u.Current.ID, tt.latest, tt.ea, tt.current)
			}
			if diff := cmp.Diff(tt.wantPaths, u.Paths); diff != "" {
				t.Errorf("paths (-want +got):\n%s", diff)
			}
		})
	}
}

// A newer version on another base model is not an update of the one on
// disk (a LoRA's SDXL version does not replace its SD 1.5 one) unless
// anyBase; it is reported as OtherBase.
func TestCompareBaseModels(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	vs := []store.VersionInfo{
		{ID: 24, Name: "v4 Pony", BaseModel: "Pony"},
		{ID: 23, Name: "v3 SDXL", BaseModel: "SDXL 1.0"},
		{ID: 22, Name: "v2 SD", BaseModel: "SD 1.5"},
		{ID: 21, Name: "v1 SD", BaseModel: "SD 1.5"},
	}
	file := func(v int64) *store.File { return &store.File{Path: "/a", ModelID: 2, VersionID: v} }
	tests := []struct {
		name          string
		version       int64
		anyBase       bool
		wantNil       bool
		latest, other int64
		wantBase      string
		wantNoCommand bool
	}{
		{name: "same base newer, other base newer still", version: 21, latest: 22, other: 24, wantBase: "SD 1.5"},
		{name: "only other bases newer", version: 22, other: 24, wantBase: "SD 1.5", wantNoCommand: true},
		{name: "any base", version: 22, anyBase: true, latest: 24, wantBase: "SD 1.5"},
		{name: "SDXL: Pony is another line", version: 23, other: 24, wantBase: "SDXL 1.0", wantNoCommand: true},
		{name: "newest on disk", version: 24, wantNil: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := compare(&store.ModelVersions{ModelID: 2, Versions: vs}, []*store.File{file(tt.version)}, now, tt.anyBase)
			if (u == nil) != tt.wantNil {
				t.Fatalf("got %+v, want nil %v", u, tt.wantNil)
			}
			if u == nil {
				return
			}
			var latest, other int64
			if u.Latest != nil {
				latest = u.Latest.ID
			}
			if u.OtherBase != nil {
				other = u.OtherBase.ID
			}
			if latest != tt.latest || other != tt.other || u.BaseModel != tt.wantBase || (u.Command == "") != tt.wantNoCommand {
				t.Errorf("latest %d other %d base %q command %q; want %d %d %q, no command %v", latest, other, u.BaseModel, u.Command, tt.latest, tt.other, tt.wantBase, tt.wantNoCommand)
			}
		})
	}
}

// A second check within MaxAge finds the outdated models from the cached
// version lists, and still needs each one's files to plan the update: they
// are asked for 100 at a time in list requests too, not one request per
// outdated model (600 outdated models took 600 paced requests, 5 minutes).
func TestOutdatedCachedRunAsksForFilesInBulk(t *testing.T) {
	t.Parallel()
	srv := civitaitest.NewTestServer(t, civitaitest.Options{Seed: 1, Models: 300})
	c, err := api.New(api.Options{BaseURL: srv.URL, Retry: api.RetryPolicy{MaxAttempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "library.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := t.Context()
	var rows []*store.File
	for _, m := range srv.Catalog.Models() {
		if m.Status != "Published" || m.Mode != "" || len(m.Versions) < 2 || m.ID < 1000 {
			continue
		}
		old := m.Versions[len(m.Versions)-1]
		rows = append(rows, &store.File{Path: fmt.Sprintf("/m/%d.safetensors", m.ID), SHA256: fmt.Sprintf("%064x", m.ID),
			ModelID: m.ID, VersionID: old.ID, VersionName: old.Name, ModelName: m.Name, ModelType: m.Type, BaseModel: old.BaseModel,
			State: store.StateIdentified})
	}
	if err := st.Upsert(ctx, rows...); err != nil {
		t.Fatal(err)
	}
	o := OutdatedOptions{Store: st, Client: c, MaxAge: time.Hour, Limiter: rate.NewLimiter(rate.Inf, 1), OnDisk: func(string) bool { return true }}
	first, err := Outdated(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	withFiles := 0
	for _, u := range first.Outdated {
		if u.Latest != nil {
			withFiles++
		}
	}
	if withFiles < 100 {
		t.Fatalf("only %d of %d models outdated; the test needs more than 100", withFiles, len(rows))
	}
	second, err := Outdated(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	// ceil(withFiles/100) list requests, plus one each for the models the
	// list does not return (as in the first run).
	listed := first.Requests - (len(rows)+maxIDs-1)/maxIDs
	if want := (withFiles+maxIDs-1)/maxIDs + listed; second.Requests > want {
		t.Errorf("cached run: %d requests for %d outdated models, want at most %d", second.Requests, withFiles, want)
	}
	if len(second.Outdated) != len(first.Outdated) {
		t.Errorf("cached run: %d outdated, first run %d", len(second.Outdated), len(first.Outdated))
	}
	for _, u := range second.Outdated {
		if u.Latest != nil && u.Files == nil {
			t.Errorf("cached run: model %d has no files planned", u.ModelID)
			break
		}
	}
}

// When CivitAI rate limits beyond what the client's retries wait, the
// models not asked yet are not asked: each fails with that error at once,
// instead of waiting its turn of the Limiter to be refused (871 models at
// 2 a second took 7 minutes).
func TestOutdatedStopsAskingWhenRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	rows := e.everyModelInLibrary()
	e.srv.AddFault(civitaitest.FaultRule{Host: "api", PathPrefix: "/api/v1/models", Status: 429, RetryAfter: "600"})
	o := OutdatedOptions{Store: e.st, Client: e.c, Limiter: rate.NewLimiter(2, 1), OnDisk: func(string) bool { return true }}
	start := time.Now()
	res, err := Outdated(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != len(rows) || res.Checked != 0 {
		t.Fatalf("%d errors, %d checked; want %d errors", len(res.Errors), res.Checked, len(rows))
	}
	if !strings.Contains(res.Errors[len(rows)-1].Err, "429") {
		t.Errorf("error %q, want the 429", res.Errors[len(rows)-1].Err)
	}
	if d := time.Since(start); d > 2*time.Second || res.Requests > 1 {
		t.Errorf("%d requests in %v for %d models, want 1 at once", res.Requests, d, len(rows))
	}
}

// With a base URL that is not the API (its answers are the site's HTML
// 404), the first answer stops the check: every other model would get the
// same page. The models not asked say so (*NotAskedError) and keep the
// answer's error for its hint.
func TestOutdatedStopsAskingWhenNotTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	rows := e.everyModelInLibrary()
	c, err := api.New(api.Options{BaseURL: e.srv.URL + "/wrongpath", Retry: api.RetryPolicy{MaxAttempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	o := OutdatedOptions{Store: e.st, Client: c, Limiter: rate.NewLimiter(rate.Inf, 1), OnDisk: func(string) bool { return true }}
	res, err := Outdated(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != len(rows) || res.Checked != 0 {
		t.Fatalf("%d errors, %d checked; want %d errors", len(res.Errors), res.Checked, len(rows))
	}
	if res.Requests != 1 {
		t.Errorf("%d requests for %d models, want 1", res.Requests, len(rows))
	}
	for _, me := range res.Errors {
		var na *NotAskedError
		if !errors.As(me.Cause, &na) || !errors.Is(me.Cause, api.ErrNotAPI) {
			t.Errorf("model %d: %v, want not asked, not the API", me.ModelID, me.Cause)
		}
	}
}

// During an outage (every /models request 500 after the client's retries)
// the check stops asking after serverDownAfter failures in a row: each
// model fails with the error at once, instead of one retried request per
// model (34 models took 46 s and 175 requests).
func TestOutdatedStopsAskingDuringAnOutage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	rows := e.everyModelInLibrary()
	e.srv.AddFault(civitaitest.FaultRule{Host: "api", PathPrefix: "/api/v1/models", Status: 500})
	o := OutdatedOptions{Store: e.st, Client: e.c, Limiter: rate.NewLimiter(rate.Inf, 1), OnDisk: func(string) bool { return true }}
	res, err := Outdated(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != len(rows) || res.Checked != 0 {
		t.Fatalf("%d errors, %d checked; want %d errors", len(res.Errors), res.Checked, len(rows))
	}
	if !strings.Contains(res.Errors[len(rows)-1].Err, "500") {
		t.Errorf("error %q, want the 500", res.Errors[len(rows)-1].Err)
	}
	// The list call, then single calls, 3 in flight when the stop comes.
	if most := 1 + serverDownAfter + 2; res.Requests > most || len(rows) <= most {
		t.Errorf("%d requests for %d models, want at most %d", res.Requests, len(rows), most)
	}
}

// A model CivitAI hides for now (404, but a file of it is still found by
// hash: civitai-api.md §2.2) is not reported gone: it fails this check,
// with a hint to try later.
func TestOutdatedHiddenModelIsNotGone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	ff, _ := e.srv.Catalog.File(1010101)
	rows := []*store.File{
		{Path: "/m/lora.safetensors", SHA256: strings.ToUpper(ff.SHA256()), ModelID: 101, VersionID: 10101, ModelName: "L", ModelType: "LORA", State: store.StateIdentified},
	}
	if err := e.st.Upsert(ctx, rows...); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.HideModel(101, true); err != nil {
		t.Fatal(err)
	}
	o := OutdatedOptions{Store: e.st, Client: e.c, Limiter: rate.NewLimiter(rate.Inf, 1), OnDisk: func(string) bool { return true }}
	res, err := Outdated(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	var hidden *HiddenError
	if len(res.Errors) != 1 || res.Errors[0].Gone || !errors.As(res.Errors[0].Cause, &hidden) || hidden.Hint() == "" {
		t.Fatalf("errors %+v, want one hidden, not gone", res.Errors)
	}
}

// everyModelInLibrary records a file of the newest version of every
// published model of the catalog, and returns the rows.
func (e *env) everyModelInLibrary() []*store.File {
	e.t.Helper()
	var rows []*store.File
	for _, m := range e.srv.Catalog.Models() {
		if m.Status == "Published" && len(m.Versions) > 0 {
			rows = append(rows, &store.File{Path: fmt.Sprintf("/m/%d.safetensors", m.ID), SHA256: fmt.Sprintf("%064x", m.ID),
				ModelID: m.ID, VersionID: m.Versions[0].ID, ModelName: m.Name, ModelType: m.Type, State: store.StateIdentified})
		}
	}
	if err := e.st.Upsert(e.t.Context(), rows...); err != nil {
		e.t.Fatal(err)
	}
	return rows
}
