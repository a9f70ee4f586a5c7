package library

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/civitaitest"
	"github.com/civit/civit/internal/store"
)

// Fixture ids of the fake server (see civitaitest).
const (
	loraFile       = 1010101 // FixturePublicLoRA's only file
	loraVersion    = 10101
	loraModel      = 101
	checkpointFile = 1020101
)

type env struct {
	t   *testing.T
	srv *civitaitest.Server
	c   *api.Client
	st  *store.Store
	dir string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := civitaitest.NewTestServer(t, civitaitest.Options{Seed: 1, Models: 10})
	c, err := api.New(api.Options{BaseURL: srv.URL, Retry: api.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxElapsed: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "library.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &env{t: t, srv: srv, c: c, st: st, dir: t.TempDir()}
}

// catalogFile writes the bytes of a catalog file to rel under e.dir.
func (e *env) catalogFile(id int64, rel string) string {
	e.t.Helper()
	ff, ok := e.srv.Catalog.File(id)
	if !ok {
		e.t.Fatalf("no catalog file %d", id)
	}
	p := filepath.Join(e.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		e.t.Fatal(err)
	}
	f, err := os.Create(p)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, io.NewSectionReader(ff.Body(), 0, ff.Size)); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) sha(id int64) string {
	ff, _ := e.srv.Catalog.File(id)
	return strings.ToUpper(ff.SHA256())
}

// randomFile writes n random bytes (a file CivitAI does not know).
func (e *env) randomFile(rel string, n int) string {
	e.t.Helper()
	p := filepath.Join(e.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		e.t.Fatal(err)
	}
	b := make([]byte, n)
	rand.Read(b)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) scan(mod ...func(*ScanOptions)) *Summary {
	e.t.Helper()
	o := ScanOptions{Roots: []string{e.dir}, Store: e.st, Client: e.c, Limiter: rate.NewLimiter(rate.Inf, 1)}
	for _, m := range mod {
		m(&o)
	}
	sum, err := Scan(e.t.Context(), o)
	if err != nil {
		e.t.Fatalf("scan: %v", err)
	}
	return sum
}

func (e *env) row(p string) *store.File {
	e.t.Helper()
	f, err := e.st.Get(e.t.Context(), p)
	if err != nil {
		e.t.Fatalf("get %s: %v", p, err)
	}
	return f
}

// requests counts the API requests to a path prefix with a method.
func (e *env) requests(method, prefix string) int {
	n := 0
	for _, r := range e.srv.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

type counts struct{ Scanned, Hashed, Identified, NotOnCivitai, Unknown, Pruned, Renamed, Errors, Lookups int }

func countsOf(s *Summary) counts {
	return counts{s.Scanned, s.Hashed, s.Identified, s.NotOnCivitai, s.Unknown, s.Pruned, s.Renamed, s.Errors, s.Lookups}
}

func checkCounts(t *testing.T, step string, s *Summary, want counts) {
	t.Helper()
	if got := countsOf(s); got != want {
		t.Errorf("%s: summary %+v, want %+v (errors: %v)", step, got, want, s.ErrorDetails)
	}
}

func TestScanHashIdentifyRescan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lora := e.catalogFile(loraFile, "loras/lora.safetensors")
	unknown := e.randomFile("loras/mine.safetensors", 3000)
	e.randomFile("loras/notes.txt", 10)                  // not a model
	e.randomFile("loras/big.safetensors.part", 10)       // partial download
	e.randomFile(".hidden/x.safetensors", 10)            // hidden folder
	e.randomFile("loras/.x.safetensors.123.tmp", 10)     // temporary file
	e.randomFile("checkpoints/other.ckpt.part.civit", 5) // control file

	sum := e.scan()
	checkCounts(t, "first scan", sum, counts{Scanned: 2, Hashed: 2, Identified: 1, NotOnCivitai: 1, Lookups: 1})
	if sum.NewlyIdentified != 1 || sum.New != 2 {
		t.Errorf("new %d, newly identified %d, want 2, 1", sum.New, sum.NewlyIdentified)
	}
	r := e.row(lora)
	if r.State != store.StateIdentified || r.ModelID != loraModel || r.VersionID != loraVersion || r.FileID != loraFile ||
		r.ModelType != "LORA" || r.BaseModel != "SDXL 1.0" || r.ModelName == "" || r.VersionName == "" || r.SHA256 != e.sha(loraFile) ||
		r.AutoV2 != r.SHA256[:10] || r.Source != store.SourceScanned || len(r.TrainedWords) == 0 || r.CheckedAt.IsZero() {
		t.Errorf("lora row: %+v", r)
	}
	if u := e.row(unknown); u.State != store.StateNotOnCivitai || u.SHA256 == "" {
		t.Errorf("unknown row: %+v", u)
	}
	if n := e.requests("POST", "/api/v1/model-versions/by-hash"); n != 1 {
		t.Errorf("%d bulk calls, want 1", n)
	}

	// Nothing changed: nothing hashed, nobody asked (the miss is remembered).
	checkCounts(t, "rescan", e.scan(), counts{Scanned: 2, Identified: 1, NotOnCivitai: 1})

	// --recheck asks again about the miss only.
	checkCounts(t, "recheck", e.scan(func(o *ScanOptions) { o.Recheck = true }), counts{Scanned: 2, Identified: 1, NotOnCivitai: 1, Lookups: 1})

	// No client: unknown files stay as they are, nothing is asked.
	checkCounts(t, "no lookup", e.scan(func(o *ScanOptions) { o.Client = nil }), counts{Scanned: 2, Identified: 1, NotOnCivitai: 1})

	// --rehash reads everything again.
	checkCounts(t, "rehash", e.scan(func(o *ScanOptions) { o.Rehash = true }), counts{Scanned: 2, Hashed: 2, Identified: 1, NotOnCivitai: 1})
}

func TestScanTouchRenameModifyDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var paths []string
	for i := range 15 {
		paths = append(paths, e.randomFile(fmt.Sprintf("m/f%02d.safetensors", i), 1000+i))
	}
	lora := e.catalogFile(loraFile, "loras/lora.safetensors")
	checkCounts(t, "first", e.scan(), counts{Scanned: 16, Hashed: 16, Identified: 1, NotOnCivitai: 15, Lookups: 1})

	// Touching 10 files rehashes exactly those 10; same content, so no lookup.
	later := time.Now().Add(time.Hour)
	for _, p := range paths[:10] {
		if err := os.Chtimes(p, later, later); err != nil {
			t.Fatal(err)
		}
	}
	checkCounts(t, "touched", e.scan(), counts{Scanned: 16, Hashed: 10, Identified: 1, NotOnCivitai: 15})

	// A renamed file is recognised by its inode: no rehash, same identity.
	moved := filepath.Join(e.dir, "loras/renamed.safetensors")
	if err := os.Rename(lora, moved); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, "renamed", e.scan(), counts{Scanned: 16, Identified: 1, NotOnCivitai: 15, Pruned: 1, Renamed: 1})
	if r := e.row(moved); r.VersionID != loraVersion || r.State != store.StateIdentified {
		t.Errorf("renamed row: %+v", r)
	}
	if _, err := e.st.Get(t.Context(), lora); err == nil {
		t.Errorf("the old path is still in the library")
	}

	// A modified file is rehashed and identified anew.
	e.catalogFile(checkpointFile, "m/f00.safetensors")
	checkCounts(t, "modified", e.scan(), counts{Scanned: 16, Hashed: 1, Identified: 2, NotOnCivitai: 14, Lookups: 1})
	if r := e.row(paths[0]); r.FileID != checkpointFile || r.ModelType != "Checkpoint" {
		t.Errorf("modified row: %+v", r)
	}

	// Deleted files are pruned.
	for _, p := range paths[10:] {
		os.Remove(p)
	}
	checkCounts(t, "deleted", e.scan(), counts{Scanned: 11, Identified: 2, NotOnCivitai: 9, Pruned: 5})
	if n, _ := e.st.Count(t.Context()); n != 11 {
		t.Errorf("%d rows, want 11", n)
	}
}

// A row recorded without the file's identity (by civit on Windows before
// it learnt file ids) is kept when its size and mtime still describe the
// file: not hashed again, and it learns the identity; renaming the file
// afterwards is then known as a rename. A row without identity whose file
// changed is hashed again.
func TestScanRowWithoutIdentityLearnsIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lora := e.catalogFile(loraFile, "loras/lora.safetensors")
	mine := e.randomFile("loras/mine.safetensors", 3000)
	checkCounts(t, "first", e.scan(), counts{Scanned: 2, Hashed: 2, Identified: 1, NotOnCivitai: 1, Lookups: 1})
	want := map[string]store.File{}
	for _, p := range []string{lora, mine} {
		r := e.row(p)
		want[p] = *r
		r.Inode, r.Dev = 0, 0
		if err := e.st.Upsert(t.Context(), r); err != nil {
			t.Fatal(err)
		}
		if r := e.row(p); r.Inode != 0 {
			t.Fatalf("the row of %s kept its inode %d", p, r.Inode)
		}
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(mine, later, later); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, "without identity", e.scan(), counts{Scanned: 2, Hashed: 1, Identified: 1, NotOnCivitai: 1})
	for _, p := range []string{lora, mine} {
		r := e.row(p)
		if r.Inode == 0 || r.Inode != want[p].Inode || r.Dev != want[p].Dev || r.SHA256 != want[p].SHA256 || r.State != want[p].State {
			t.Errorf("%s: row %+v, want the identity %d/%d and state %s back", p, r, want[p].Inode, want[p].Dev, want[p].State)
		}
	}
	moved := filepath.Join(e.dir, "loras/renamed.safetensors")
	if err := os.Rename(lora, moved); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, "renamed", e.scan(), counts{Scanned: 2, Identified: 1, NotOnCivitai: 1, Pruned: 1, Renamed: 1})
}

// A file moved from one scanned folder to another (one UI's folder to
// another's) is recognised by its inode even when only the new folder is
// scanned: not hashed again, and the row of its old path goes. A hard
// link made there is known the same way and leaves the original's row.
func TestScanMoveBetweenRoots(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lora := e.catalogFile(loraFile, "a1111/Lora/lora.safetensors")
	other := e.randomFile("a1111/Lora/other.safetensors", 1000)
	comfy := filepath.Join(e.dir, "comfy")
	if err := os.MkdirAll(comfy, 0o755); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, "first", e.scan(), counts{Scanned: 2, Hashed: 2, Identified: 1, NotOnCivitai: 1, Lookups: 1})

	moved := filepath.Join(comfy, "lora.safetensors")
	if err := os.Rename(lora, moved); err != nil {
		t.Fatal(err)
	}
	linked := filepath.Join(comfy, "other.safetensors")
	if err := os.Link(other, linked); err != nil {
		t.Fatal(err)
	}
	onlyComfy := func(o *ScanOptions) { o.Roots = []string{comfy} }
	checkCounts(t, "moved", e.scan(onlyComfy), counts{Scanned: 2, Identified: 1, NotOnCivitai: 1, Renamed: 2})
	if r := e.row(moved); r.VersionID != loraVersion || r.State != store.StateIdentified {
		t.Errorf("moved row: %+v", r)
	}
	if _, err := e.st.Get(t.Context(), lora); err == nil {
		t.Errorf("the old path of the moved file is still in the library")
	}
	if _, err := e.st.Get(t.Context(), other); err != nil {
		t.Errorf("the hard link's original: %v", err)
	}
}

func TestScanMissingRootKeepsRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.catalogFile(loraFile, "lora.safetensors")
	e.scan()
	gone := e.dir + "-unmounted"
	if err := os.Rename(e.dir, gone); err != nil {
		t.Fatal(err)
	}
	sum := e.scan()
	if sum.Errors != 1 || sum.Pruned != 0 || !strings.Contains(sum.ErrorDetails[0].Err, "no such file or folder") {
		t.Errorf("summary %+v", sum)
	}
	if n, _ := e.st.Count(t.Context()); n != 1 {
		t.Errorf("%d rows, want 1 (rows of a missing root are kept)", n)
	}
}

func TestScanBulkRefusedFallsBackToSingleLookups(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 404, 405, 503} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			// Every bulk POST fails; the prefix also matches the single
			// GETs, so let the POST attempts (2 with retries) fail only.
			times := 1
			if status == 503 {
				times = 2
			}
			e.srv.AddFault(civitaitest.FaultRule{Host: "api", PathPrefix: "/api/v1/model-versions/by-hash", Status: status, Times: times})
			e.catalogFile(loraFile, "a.safetensors")
			e.catalogFile(checkpointFile, "b.safetensors")
			e.randomFile("c.safetensors", 100)
			sum := e.scan()
			checkCounts(t, "fallback", sum, counts{Scanned: 3, Hashed: 3, Identified: 2, NotOnCivitai: 1, Lookups: 4})
			if n := e.requests("GET", "/api/v1/model-versions/by-hash/"); n != 3 {
				t.Errorf("%d single lookups, want 3", n)
			}
		})
	}
}

// A CivitAI outage (every by-hash call 500, bulk and single) costs a few
// calls and one error per kind of call, not a single lookup per file each
// retried: a library of 150 unknown files took 500 requests and two minutes.
func TestScanOutageStopsAsking(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.AddFault(civitaitest.FaultRule{Host: "api", PathPrefix: "/api/v1/model-versions/by-hash", Status: 500})
	for i := range 150 {
		e.randomFile(fmt.Sprintf("m%03d.safetensors", i), 64)
	}
	sum := e.scan()
	if sum.Unknown != 150 || sum.Identified != 0 || sum.NotOnCivitai != 0 {
		t.Errorf("summary %+v: every file stays unknown, none is taken for a miss", countsOf(sum))
	}
	// Requests: each lookup is tried twice by this test's client, and up
	// to 3 are in flight when the stop comes.
	if n, most := e.requests("GET", "/api/v1/model-versions/by-hash/"), (serverDownAfter+3)*2; n > most {
		t.Errorf("%d single lookup requests during an outage, want at most %d", n, most)
	}
	if sum.Errors > serverDownAfter+3+1 {
		t.Errorf("%d errors: %+v", sum.Errors, sum.ErrorDetails)
	}
}

func TestScanLookupFailureIsNotAMiss(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.AddFault(civitaitest.FaultRule{Host: "api", ResetConnection: true})
	e.catalogFile(loraFile, "a.safetensors")
	sum := e.scan()
	checkCounts(t, "network down", sum, counts{Scanned: 1, Hashed: 1, Unknown: 1, Errors: 1, Lookups: 1})
	e.srv.ClearFaults()
	checkCounts(t, "back", e.scan(), counts{Scanned: 1, Identified: 1, Lookups: 1})
}

// sidecars writes each sidecar format for a LoRA file.
func TestScanSidecars(t *testing.T) {
	t.Parallel()
	probe := newEnv(t)
	v, err := probe.c.GetModelVersion(t.Context(), loraVersion)
	if err != nil {
		t.Fatal(err)
	}
	sha := probe.sha(loraFile)
	lower := strings.ToLower(sha)
	modelName := v.Model.Name
	mustJSON := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name, suffix, content string
		// stale: the sidecar is older than the model file. copied: the
		// model file was put in place after the sidecar was written,
		// keeping an older mtime (cp -p, mv, rsync -a, a restore).
		stale, copied           bool
		wantHashed, wantLookups int
		wantSource              string
		wantState               store.State
	}{
		{name: "civitai.info", suffix: ".civitai.info", content: string(v.Raw),
			wantSource: "sidecar:.civitai.info", wantState: store.StateIdentified},
		{name: "stability matrix", suffix: ".cm-info.json",
			content:    mustJSON(map[string]any{"ModelId": loraModel, "VersionId": loraVersion, "ModelName": modelName, "VersionName": v.Name, "ModelType": "LORA", "BaseModel": "SDXL 1.0", "Hashes": map[string]any{"SHA256": sha}}),
			wantSource: "sidecar:.cm-info.json", wantState: store.StateIdentified},
		{name: "lora manager", suffix: ".metadata.json",
			content:    mustJSON(map[string]any{"sha256": lower, "model_name": modelName, "civitai": json.RawMessage(v.Raw)}),
			wantSource: "sidecar:.metadata.json", wantState: store.StateIdentified},
		{name: "civicomfy", suffix: ".cminfo.json",
			content:    mustJSON(map[string]any{"ModelId": loraModel, "VersionId": loraVersion, "ModelName": modelName, "ModelType": "LORA", "Hashes": map[string]any{"SHA256": sha}}),
			wantSource: "sidecar:.cminfo.json", wantState: store.StateIdentified},
		// A1111's .json names ids but not the model: the names are filled
		// from CivitAI. Its hash is not trusted: A1111 rewrites the .json
		// whenever a card is edited, so a fresh one says nothing of the
		// file beside it (which may have been replaced or cut short).
		{name: "a1111 json", suffix: ".json",
			content:    mustJSON(map[string]any{"description": "", "activation text": "x", "modelId": loraModel, "modelVersionId": loraVersion, "sha256": lower}),
			wantHashed: 1, wantLookups: 1, wantSource: "sidecar:.json", wantState: store.StateIdentified},
		{name: "sha256", suffix: ".sha256", content: lower + "  lora.safetensors\n",
			wantLookups: 1, wantSource: store.SourceScanned, wantState: store.StateIdentified},
		{name: "stale sha256", suffix: ".sha256", content: lower + "  lora.safetensors\n", stale: true,
			wantHashed: 1, wantLookups: 1, wantSource: store.SourceScanned, wantState: store.StateIdentified},
		{name: "stale info without matching hash", suffix: ".cm-info.json", stale: true,
			content:    mustJSON(map[string]any{"ModelId": 5, "VersionId": 6, "ModelName": "wrong", "Hashes": map[string]any{"SHA256": strings.Repeat("A", 64)}}),
			wantHashed: 1, wantLookups: 1, wantSource: store.SourceScanned, wantState: store.StateIdentified},
		// Another model's sidecar, newer than the file's mtime, but the file
		// was copied in (cp -p) after it was written: hashed, not trusted.
		{name: "file copied in after another's sidecar", suffix: ".cm-info.json", copied: true,
			content:    mustJSON(map[string]any{"ModelId": 5, "VersionId": 6, "ModelName": "wrong", "Hashes": map[string]any{"SHA256": strings.Repeat("A", 64)}}),
			wantHashed: 1, wantLookups: 1, wantSource: store.SourceScanned, wantState: store.StateIdentified},
		{name: "file copied in after another's sha256", suffix: ".sha256", copied: true, content: strings.Repeat("b", 64) + "  lora.safetensors\n",
			wantHashed: 1, wantLookups: 1, wantSource: store.SourceScanned, wantState: store.StateIdentified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			side := filepath.Join(e.dir, "lora"+tt.suffix)
			old := time.Now().Add(-time.Hour)
			if tt.copied && !changeTimeKept(t) {
				t.Skip("this system reports no change or creation time apart from the mtime (Wine gives the mtime for both)")
			}
			if tt.copied {
				// The sidecar first, written 30 minutes ago; then the
				// file, with an mtime of an hour ago but its inode
				// changed now.
				if err := os.WriteFile(side, []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
				os.Chtimes(side, old.Add(30*time.Minute), old.Add(30*time.Minute))
				time.Sleep(1100 * time.Millisecond) // past the second the sidecar was written in
			}
			model := e.catalogFile(loraFile, "lora.safetensors")
			if !tt.copied && !tt.stale {
				// The file an hour old, its sidecar written since (the
				// sidecar last: the file's times changed its inode now).
				os.Chtimes(model, old, old)
			}
			if !tt.copied {
				if err := os.WriteFile(side, []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tt.stale {
				os.Chtimes(side, old, old)
			}
			if tt.copied {
				os.Chtimes(model, old, old)
			}
			sum := e.scan()
			if sum.Hashed != tt.wantHashed || sum.Lookups != tt.wantLookups || sum.Identified != 1 || sum.Errors != 0 {
				t.Errorf("summary %+v", countsOf(sum))
			}
			r := e.row(model)
			if r.Source != tt.wantSource || r.State != tt.wantState || r.VersionID != loraVersion || r.ModelID != loraModel || r.SHA256 != sha || r.ModelName != modelName {
				t.Errorf("row %+v", r)
			}
		})
	}
}

func TestScanHelperMissMarker(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.randomFile("x.safetensors", 500)
	// Civitai Helper writes an empty .civitai.info when CivitAI does not
	// know the file.
	os.WriteFile(strings.TrimSuffix(p, ".safetensors")+".civitai.info", []byte("{}"), 0o644)
	sum := e.scan()
	checkCounts(t, "marker", sum, counts{Scanned: 1, Hashed: 1, NotOnCivitai: 1})
	if r := e.row(p); r.Source != "sidecar:.civitai.info" {
		t.Errorf("source %q", r.Source)
	}
	checkCounts(t, "recheck", e.scan(func(o *ScanOptions) { o.Recheck = true }), counts{Scanned: 1, NotOnCivitai: 1, Lookups: 1})
}

func TestScanSameContentIdentifiedLocally(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.catalogFile(loraFile, "a/lora.safetensors")
	e.scan()
	copyPath := e.catalogFile(loraFile, "b/copy.safetensors")
	sum := e.scan()
	checkCounts(t, "copy", sum, counts{Scanned: 2, Hashed: 1, Identified: 2})
	if r := e.row(copyPath); r.VersionID != loraVersion {
		t.Errorf("copy row %+v", r)
	}
}

func TestScanWriteSidecars(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.catalogFile(loraFile, "lora.safetensors")
	e.scan()
	sum := e.scan(func(o *ScanOptions) { o.WriteSidecars = true; o.BaseURL = e.srv.URL })
	if sum.SidecarsWritten != 1 || sum.Lookups != 1 {
		t.Errorf("summary %+v, written %d", countsOf(sum), sum.SidecarsWritten)
	}
	stem := strings.TrimSuffix(p, ".safetensors")
	for _, s := range []string{".civitai.info", ".json"} {
		if _, err := os.Stat(stem + s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	// Written already: nothing to do.
	if sum := e.scan(func(o *ScanOptions) { o.WriteSidecars = true }); sum.SidecarsWritten != 0 || sum.Lookups != 0 {
		t.Errorf("second: written %d, lookups %d", sum.SidecarsWritten, sum.Lookups)
	}
}

// TestScanWhileAnotherProcessWrites runs a scan while another Store on the
// same database records downloads, as `civit download` does.
func TestScanWhileAnotherStoreWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 40 {
		e.randomFile(fmt.Sprintf("m/%02d.safetensors", i), 64<<10)
	}
	other, err := store.Open(t.Context(), e.st.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	done := make(chan error, 1)
	go func() {
		for i := range 100 {
			err := other.Upsert(context.Background(), &store.File{Path: fmt.Sprintf("/downloads/%03d.safetensors", i), Size: 1, MTime: time.Now(),
				SHA256: strings.Repeat("B", 63) + fmt.Sprint(i%10), ModelID: 1, VersionID: 2, State: store.StateIdentified, Source: store.SourceDownloaded})
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	sum := e.scan(func(o *ScanOptions) { o.Jobs = 2 })
	if err := <-done; err != nil {
		t.Fatalf("download records: %v", err)
	}
	if sum.Errors != 0 || sum.Hashed != 40 {
		t.Errorf("summary %+v", countsOf(sum))
	}
	if n, _ := e.st.Count(t.Context()); n != 140 {
		t.Errorf("%d rows, want 140", n)
	}
}

func TestIsModelFile(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"a.safetensors": true, "A.SafeTensors": true, "b.ckpt": true, "c.gguf": true, "d.pt": true, "e.pth": true,
		"f.bin": true, "g.onnx": true, "h.sft": true,
		"a.safetensors.part": false, "a.part.civit": false, ".a.safetensors": false, "a.json": false,
		"a.civitai.info": false, "a.preview.png": false, "a.zip": false, "a.txt": false,
	} {
		if got := IsModelFile(name); got != want {
			t.Errorf("IsModelFile(%q) = %v, want %v", name, got, want)
		}
	}
}

// An error about a file names it once: the path is the message's subject.
func TestScanFailNamesThePathOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		path string
		err  error
		want string
	}{
		{name: "open", path: "/m/x.safetensors", err: &fs.PathError{Op: "open", Path: "/m/x.safetensors", Err: syscall.EACCES}, want: "permission denied"},
		{name: "read wrapped", path: "/m/x.safetensors", err: fmt.Errorf("read /m/x.safetensors: %w", &fs.PathError{Op: "read", Path: "/m/x.safetensors", Err: syscall.EIO}), want: "input/output error"},
		{name: "another path", path: "/m", err: &fs.PathError{Op: "open", Path: "/m/y", Err: syscall.EACCES}, want: "open /m/y: permission denied"},
		{name: "plain", path: "CivitAI lookups", err: errors.New("stopped asking"), want: "stopped asking"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &scanner{}
			s.fail(tt.path, tt.err)
			if got := s.sum.ErrorDetails[0]; got.Path != tt.path || got.Err != tt.want {
				t.Errorf("got %+v, want error %q", got, tt.want)
			}
		})
	}
}

// Scanning a whole UI install skips its Python environment and package
// folders: their .bin and .pt files are software, not models.
func TestScanSkipsSoftwareFolders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.randomFile("models/Lora/mine.safetensors", 100)
	e.randomFile("venv/pyvenv.cfg", 10)
	e.randomFile("venv/lib/python3.10/torch/x.bin", 10)
	e.randomFile("system/python/Lib/site-packages/y.pt", 10)
	e.randomFile("web/node_modules/z.bin", 10)
	e.randomFile("custom_nodes/comfyui_controlnet_aux/ckpts/kept.pth", 10) // a custom node's model is a model (not "aux": a device name on Windows)
	sum := e.scan(func(o *ScanOptions) { o.Client = nil })
	if sum.Scanned != 2 {
		t.Errorf("scanned %d files, want 2 (mine.safetensors, kept.pth)", sum.Scanned)
	}
}

// Many unknown files: CivitAI is first asked which hashes it knows (one
// /by-hash/ids call for up to 10,000), and only those go to the bulk
// lookup, instead of one paced bulk call per 100 files.
func TestScanAsksWhichHashesAreKnownFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lora := e.catalogFile(loraFile, "loras/lora.safetensors")
	for i := range 250 {
		e.randomFile(fmt.Sprintf("mine/m%03d.safetensors", i), 64+i)
	}
	sum := e.scan()
	checkCounts(t, "scan", sum, counts{Scanned: 251, Hashed: 251, Identified: 1, NotOnCivitai: 250, Lookups: 2})
	if n := e.requests("POST", "/api/v1/model-versions/by-hash/ids"); n != 1 {
		t.Errorf("%d by-hash/ids calls, want 1", n)
	}
	if n := e.requests("POST", "/api/v1/model-versions/by-hash"); n != 2 {
		t.Errorf("%d by-hash calls in all, want 2 (ids, then one bulk lookup of the known hash)", n)
	}
	if r := e.row(lora); r.ModelID != loraModel {
		t.Errorf("lora row: %+v", r)
	}
}

// A .civitai.info of a version of several files beside a renamed file
// (my_merge.safetensors) names no file by its name: the file's hash tells
// which of them it is, or that it is none of them, and then the sidecar
// identifies nothing (it did: the row said "Fixture Checkpoint XL" for
// another model's bytes).
func TestScanRenamedBesideInfoOfSeveralFiles(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name                     string
		bytesOf                  int64
		wantVersion, wantFile    int64
		wantSource, wantFileName string
	}{
		{"one of its files", 1020302, 10203, 1020302, "sidecar:.civitai.info", "fixtureCheckpointXL_v10.safetensors"},
		{"none of its files", loraFile, loraVersion, loraFile, store.SourceScanned, "fixture_public_lora.safetensors"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			v, err := e.c.GetModelVersion(t.Context(), 10203)
			if err != nil {
				t.Fatal(err)
			}
			model := e.catalogFile(tt.bytesOf, "my_merge.safetensors")
			old := time.Now().Add(-time.Hour)
			os.Chtimes(model, old, old)
			if err := os.WriteFile(filepath.Join(e.dir, "my_merge.civitai.info"), v.Raw, 0o644); err != nil {
				t.Fatal(err)
			}
			e.scan()
			r := e.row(model)
			if r.VersionID != tt.wantVersion || r.FileID != tt.wantFile || r.Source != tt.wantSource || r.FileName != tt.wantFileName {
				t.Errorf("row: version %d, file %d %q, source %q; want %d, %d %q, %q",
					r.VersionID, r.FileID, r.FileName, r.Source, tt.wantVersion, tt.wantFile, tt.wantFileName, tt.wantSource)
			}
		})
	}
}

// Civitai Helper's "not found" marker beside a file whose bytes the
// library knows, identified at another path: the library wins (free), and
// the row does not claim the marker as its source.
func TestScanHelperMissMarkerLosesToLibrary(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.catalogFile(loraFile, "a/lora.safetensors")
	e.scan()
	p := e.catalogFile(loraFile, "b/copy.safetensors")
	os.WriteFile(filepath.Join(e.dir, "b", "copy.civitai.info"), []byte("{}"), 0o644)
	sum := e.scan()
	checkCounts(t, "copy", sum, counts{Scanned: 2, Hashed: 1, Identified: 2})
	if r := e.row(p); r.State != store.StateIdentified || r.VersionID != loraVersion || r.Source != store.SourceScanned {
		t.Errorf("row: state %s, version %d, source %q", r.State, r.VersionID, r.Source)
	}
}

// changeTimeKept reports whether ChangeTime here tells a file made now
// from its mtime set an hour back, as cp -p leaves it.
func changeTimeKept(t *testing.T) bool {
	p := filepath.Join(t.TempDir(), "probe")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return ChangeTime(fi).After(fi.ModTime().Add(time.Minute))
}

// The marker's file is unchanged when the library learns its bytes later
// (another folder, a download): the rescan still identifies it.
func TestScanHelperMissMarkerLosesToLibraryLater(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.catalogFile(loraFile, "b/copy.safetensors")
	os.WriteFile(filepath.Join(e.dir, "b", "copy.civitai.info"), []byte("{}"), 0o644)
	checkCounts(t, "marker", e.scan(), counts{Scanned: 1, Hashed: 1, NotOnCivitai: 1})
	e.catalogFile(loraFile, "a/lora.safetensors")
	sum := e.scan()
	if sum.Identified != 2 || sum.NotOnCivitai != 0 || sum.FromSidecars != 0 {
		t.Errorf("summary %+v, from sidecars %d", countsOf(sum), sum.FromSidecars)
	}
	if r := e.row(p); r.State != store.StateIdentified || r.VersionID != loraVersion || r.Source != store.SourceScanned {
		t.Errorf("row: state %s, version %d, source %q", r.State, r.VersionID, r.Source)
	}
}
