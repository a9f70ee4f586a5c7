package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The test binary doubles as a writer process for the concurrency test.
func TestMain(m *testing.M) {
	if path := os.Getenv("CIVIT_STORE_TEST_WRITER"); path != "" {
		os.Exit(writerProcess(path))
	}
	os.Exit(m.Run())
}

func writerProcess(path string) int {
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	for i := range 100 {
		if err := s.Upsert(ctx, row(fmt.Sprintf("/proc/%03d.safetensors", i), sha(i))); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

func open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "sub", "library.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sha(i int) string { return fmt.Sprintf("%064X", i) }

func row(path, sha string) *File {
	return &File{Path: path, Size: 1000, MTime: time.Unix(1700000000, 123456789), Inode: 42, Dev: 7, SHA256: sha, Source: SourceScanned, State: StateUnknown}
}

func TestOpenMigrates(t *testing.T) {
	t.Parallel()
	s := open(t)
	v, err := s.UserVersion(t.Context())
	if err != nil || v != SchemaVersion() || v < 1 {
		t.Fatalf("user_version %d (%v), want %d", v, err, SchemaVersion())
	}
	var mode string
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q (%v), want wal", mode, err)
	}
	var fk int
	if err := s.db.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys %d (%v)", fk, err)
	}
	// Reopening applies nothing and keeps the rows.
	if err := s.Upsert(t.Context(), row("/a.safetensors", sha(1))); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(t.Context(), s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if n, _ := s2.Count(t.Context()); n != 1 {
		t.Errorf("%d rows after reopen", n)
	}
	// A database from a newer civit is refused.
	if _, err := s2.db.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(t.Context(), s.Path()); !errors.Is(err, ErrTooNew) {
		t.Errorf("open newer db: %v, want ErrTooNew", err)
	}
}

func TestMigrationsAreNumbered(t *testing.T) {
	t.Parallel()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.version != i+1 || strings.TrimSpace(m.sql) == "" {
			t.Errorf("migration %d: %+v", i, m.name)
		}
	}
}

func TestUpsertRoundTrip(t *testing.T) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	want := &File{
		Path: "/m/lora.safetensors", Size: 123456, MTime: time.Unix(1700000000, 5), Inode: 1 << 63, Dev: 66306,
		SHA256: strings.Repeat("ab", 32), BLAKE3: strings.Repeat("CD", 32),
		ModelID: 101, VersionID: 10101, FileID: 1010101, ModelType: "LORA", BaseModel: "SDXL 1.0",
		ModelName: "Pixel", VersionName: "v1", FileName: "pixel.safetensors", TrainedWords: []string{"pixel art", "8bit"},
		Source: SourceDownloaded, State: StateIdentified, CheckedAt: time.Unix(1700000100, 0),
	}
	if err := s.Upsert(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, want.Path)
	if err != nil {
		t.Fatal(err)
	}
	exp := *want
	exp.SHA256, exp.AutoV2 = strings.ToUpper(want.SHA256), strings.ToUpper(want.SHA256[:10])
	if diff := cmp.Diff(&exp, got, cmp.FilterPath(func(p cmp.Path) bool {
		n := p.Last().String()
		return n == ".AddedAt" || n == ".UpdatedAt"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if got.AddedAt.IsZero() || got.UpdatedAt.IsZero() {
		t.Errorf("added %v updated %v", got.AddedAt, got.UpdatedAt)
	}
	if _, err := s.Get(ctx, "/nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get missing: %v", err)
	}
	if err := s.Upsert(ctx, &File{}); err == nil {
		t.Errorf("empty path accepted")
	}
}

func TestUpsertKeepsIdentityOfSameContent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		newSHA    string
		wantState State
		wantModel int64
	}{
		{"same content keeps identity", sha(1), StateIdentified, 101},
		{"new content drops it", sha(2), StateUnknown, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			ctx := t.Context()
			id := row("/a.safetensors", sha(1))
			id.State, id.ModelID, id.VersionID, id.Source = StateIdentified, 101, 10101, SourceDownloaded
			if err := s.Upsert(ctx, id); err != nil {
				t.Fatal(err)
			}
			first, _ := s.Get(ctx, id.Path)
			time.Sleep(time.Millisecond)
			if err := s.Upsert(ctx, row("/a.safetensors", tt.newSHA)); err != nil {
				t.Fatal(err)
			}
			got, _ := s.Get(ctx, id.Path)
			if got.State != tt.wantState || got.ModelID != tt.wantModel || got.SHA256 != tt.newSHA {
				t.Errorf("got %+v", got)
			}
			if !got.AddedAt.Equal(first.AddedAt) {
				t.Errorf("added_at changed: %v -> %v", first.AddedAt, got.AddedAt)
			}
			if n, _ := s.Count(ctx); n != 1 {
				t.Errorf("%d rows", n)
			}
		})
	}
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	abs := platformAbs
	rows := []*File{
		{Path: abs("/lib/loras/a.safetensors"), SHA256: sha(1), ModelType: "LORA", BaseModel: "SDXL 1.0", ModelID: 1, State: StateIdentified},
		{Path: abs("/lib/loras/b.safetensors"), SHA256: sha(2), ModelType: "LORA", BaseModel: "SD 1.5", ModelID: 2, State: StateIdentified},
		{Path: abs("/lib/ckpt/c.safetensors"), SHA256: sha(3), ModelType: "Checkpoint", BaseModel: "SDXL 1.0", ModelID: 3, State: StateIdentified},
		{Path: abs("/lib/ckpt/d.safetensors"), SHA256: sha(4), State: StateNotOnCivitai},
		{Path: abs("/lib_other/e.safetensors"), SHA256: sha(5)},
		{Path: abs("/lib/100%_x/f.safetensors"), SHA256: sha(6)},
		{Path: abs("/lib/Loras/g.safetensors"), SHA256: sha(7)},
	}
	if err := s.Upsert(ctx, rows...); err != nil {
		t.Fatal(err)
	}
	// On Unix /lib/Loras is not /lib/loras; on Windows it is.
	underCase := []string{abs("/lib/Loras/g.safetensors")}
	if FoldPathCase {
		underCase = []string{abs("/lib/Loras/g.safetensors"), abs("/lib/loras/a.safetensors"), abs("/lib/loras/b.safetensors")}
	}
	tests := []struct {
		name string
		f    Filter
		want []string
	}{
		{"all", Filter{}, []string{abs("/lib/100%_x/f.safetensors"), abs("/lib/Loras/g.safetensors"), abs("/lib/ckpt/c.safetensors"), abs("/lib/ckpt/d.safetensors"), abs("/lib/loras/a.safetensors"), abs("/lib/loras/b.safetensors"), abs("/lib_other/e.safetensors")}},
		{"under is a folder, not a prefix", Filter{Under: []string{abs("/lib")}}, []string{abs("/lib/100%_x/f.safetensors"), abs("/lib/Loras/g.safetensors"), abs("/lib/ckpt/c.safetensors"), abs("/lib/ckpt/d.safetensors"), abs("/lib/loras/a.safetensors"), abs("/lib/loras/b.safetensors")}},
		{"under with wildcards", Filter{Under: []string{abs("/lib/100%_x")}}, []string{abs("/lib/100%_x/f.safetensors")}},
		{"under a folder's case", Filter{Under: []string{abs("/lib/Loras")}}, underCase},
		{"under a file", Filter{Under: []string{abs("/lib_other/e.safetensors")}}, []string{abs("/lib_other/e.safetensors")}},
		{"type ignores case", Filter{ModelType: "lora"}, []string{abs("/lib/loras/a.safetensors"), abs("/lib/loras/b.safetensors")}},
		{"base model", Filter{BaseModel: "sdxl 1.0"}, []string{abs("/lib/ckpt/c.safetensors"), abs("/lib/loras/a.safetensors")}},
		{"state", Filter{State: StateNotOnCivitai}, []string{abs("/lib/ckpt/d.safetensors")}},
		{"models", Filter{ModelIDs: []int64{1, 3}}, []string{abs("/lib/ckpt/c.safetensors"), abs("/lib/loras/a.safetensors")}},
		{"hashes", Filter{SHA256s: []string{strings.ToLower(sha(5))}}, []string{abs("/lib_other/e.safetensors")}},
		{"combined", Filter{Under: []string{abs("/lib/loras")}, BaseModel: "SD 1.5"}, []string{abs("/lib/loras/b.safetensors")}},
	}
	if runtime.GOOS == "windows" {
		// `civit ls --under` as Windows users type it: forward slashes, a
		// trailing separator, the drive letter in either case.
		loras := []string{abs("/lib/Loras/g.safetensors"), abs("/lib/loras/a.safetensors"), abs("/lib/loras/b.safetensors")}
		for _, dir := range []string{`C:\lib\loras`, `c:\lib\loras`, `C:/lib/loras`, `c:/lib/loras/`, `C:\lib\loras\`, `C:\LIB\LORAS`} {
			tests = append(tests, struct {
				name string
				f    Filter
				want []string
			}{"under " + dir, Filter{Under: []string{dir}}, loras})
		}
		tests = append(tests, struct {
			name string
			f    Filter
			want []string
		}{"under the drive", Filter{Under: []string{`c:\`}}, tests[0].want})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.List(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, f := range got {
				paths = append(paths, f.Path)
			}
			if diff := cmp.Diff(tt.want, paths); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// platformAbs turns a slash path rooted at / into an absolute path of the
// platform: /lib/x is C:\lib\x on Windows.
func platformAbs(p string) string {
	if runtime.GOOS == "windows" {
		return `C:` + filepath.FromSlash(p)
	}
	return p
}

// Where case does not matter (Windows), Under finds a folder's files
// whatever the case of the path given and of the paths recorded; where
// it does, not. Run with both on every platform.
func TestListUnderFoldsCase(t *testing.T) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	abs := platformAbs
	rows := []*File{
		{Path: abs("/M/Models/Loras/a.safetensors"), SHA256: sha(1)},
		{Path: abs("/m/models/loras/b.safetensors"), SHA256: sha(2)},
		{Path: abs("/m/models/lorasX/c.safetensors"), SHA256: sha(3)},
		{Path: abs("/m/models/loras_/d.safetensors"), SHA256: sha(4)},
		{Path: abs("/m/models/loras[/e.safetensors"), SHA256: sha(5)},
		{Path: abs("/m/models/Loras.safetensors"), SHA256: sha(6)},
		{Path: abs("/m/Études/Модели/f.safetensors"), SHA256: sha(7)},
		{Path: abs("/m/études/модели/g.safetensors"), SHA256: sha(8)},
	}
	if err := s.Upsert(ctx, rows...); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		fold bool
		dir  string
		want []string
	}{
		{true, "/m/models/loras", []string{"/M/Models/Loras/a.safetensors", "/m/models/loras/b.safetensors"}},
		{true, "/M/MODELS/LORAS/", []string{"/M/Models/Loras/a.safetensors", "/m/models/loras/b.safetensors"}},
		{true, "/m/models/loras.safetensors", []string{"/m/models/Loras.safetensors"}},
		{false, "/m/models/loras", []string{"/m/models/loras/b.safetensors"}},
		{false, "/M/Models/Loras", []string{"/M/Models/Loras/a.safetensors"}},
		// Beyond ASCII, as NTFS compares names (SQLite's NOCASE did not).
		{true, "/m/ÉTUDES/МОДЕЛИ", []string{"/m/Études/Модели/f.safetensors", "/m/études/модели/g.safetensors"}},
		{false, "/m/études/модели", []string{"/m/études/модели/g.safetensors"}},
	} {
		got, err := s.list(ctx, Filter{Under: []string{abs(tt.dir)}}, tt.fold)
		if err != nil {
			t.Fatal(err)
		}
		var paths, want []string
		for _, f := range got {
			paths = append(paths, f.Path)
			if !under(f.Path, filepath.Clean(abs(tt.dir)), tt.fold) {
				t.Errorf("fold %v: List under %s gave %s, which under() says is not under it", tt.fold, tt.dir, f.Path)
			}
		}
		for _, w := range tt.want {
			want = append(want, abs(w))
		}
		if diff := cmp.Diff(want, paths); diff != "" {
			t.Errorf("fold %v, under %s (-want +got):\n%s", tt.fold, tt.dir, diff)
		}
	}
}

func TestUnder(t *testing.T) {
	t.Parallel()
	abs := platformAbs
	for _, tt := range []struct {
		path, dir  string
		fold, want bool
	}{
		{"/m/loras/a.safetensors", "/m/loras", false, true},
		{"/m/loras", "/m/loras", false, true},
		{"/m/loras/a.safetensors", "/", false, true},
		{"/m/lorasX/a.safetensors", "/m/loras", false, false},
		{"/m/Loras/a.safetensors", "/m/loras", false, false},
		{"/m/Loras/a.safetensors", "/m/loras", true, true},
		{"/M/LORAS", "/m/loras", true, true},
		{"/m/lorasX/a.safetensors", "/m/loras", true, false},
		{"/m", "/m/loras", true, false},
	} {
		if got := under(abs(tt.path), abs(tt.dir), tt.fold); got != tt.want {
			t.Errorf("under(%s, %s, fold %v) = %v, want %v", abs(tt.path), abs(tt.dir), tt.fold, got, tt.want)
		}
	}
}

func TestDuplicatesAndDelete(t *testing.T) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	small := func(p string) *File { f := row(p, sha(1)); f.Size = 10; return f }
	big := func(p string) *File { f := row(p, sha(2)); f.Size = 1000; return f }
	if err := s.Upsert(ctx, small("/a"), small("/b"), small("/c"), big("/x"), big("/y"), row("/solo", sha(3))); err != nil {
		t.Fatal(err)
	}
	groups, err := s.Duplicates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, g := range groups {
		var ps []string
		for _, f := range g {
			ps = append(ps, f.Path)
		}
		got = append(got, ps)
	}
	// Largest waste first: 1000 bytes beats 2x10.
	if diff := cmp.Diff([][]string{{"/x", "/y"}, {"/a", "/b", "/c"}}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if err := s.Delete(ctx, "/x", "/nope"); err != nil {
		t.Fatal(err)
	}
	groups, _ = s.Duplicates(ctx)
	if len(groups) != 1 {
		t.Errorf("%d groups after delete", len(groups))
	}
}

func TestMisses(t *testing.T) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	at := time.Unix(1700000000, 0)
	if err := s.RecordMisses(ctx, at, strings.ToLower(sha(1)), sha(2)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Misses(ctx, []string{sha(1), sha(2), sha(3)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]time.Time{sha(1): at, sha(2): at}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if err := s.ForgetMisses(ctx, sha(1)); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Misses(ctx, []string{sha(1), sha(2)})
	if len(got) != 1 {
		t.Errorf("after forget: %v", got)
	}
}

func TestModelVersionsCache(t *testing.T) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	want := &ModelVersions{ModelID: 7, ModelName: "M", ModelType: "LORA", CheckedAt: time.Unix(1700000000, 0),
		Versions: []VersionInfo{{ID: 72, Name: "v2", PublishedAt: time.Unix(1690000000, 0).UTC(), EarlyAccessEndsAt: time.Unix(1800000000, 0).UTC()}, {ID: 71, Name: "v1"}}}
	if _, err := s.GetModelVersions(ctx, 7); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty cache: %v", err)
	}
	if err := s.PutModelVersions(ctx, want); err != nil {
		t.Fatal(err)
	}
	want.Versions[0].Name = "v2b"
	if err := s.PutModelVersions(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetModelVersions(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestConcurrentWriters has two Stores in this process and a third civit
// process write to one database at once: nobody fails with "database is
// locked" and every row lands once.
func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	a := open(t)
	b, err := Open(t.Context(), a.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CIVIT_STORE_TEST_WRITER="+a.Path())
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w, s := range []*Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				// Batches and single rows, reads in between.
				p := fmt.Sprintf("/w%d/%03d.safetensors", w, i)
				if err := s.Upsert(t.Context(), row(p, sha(w*1000+i)), row(p+".2", sha(w*1000+i))); err != nil {
					errs <- err
					return
				}
				if _, err := s.Get(t.Context(), p); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("writer: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("writer process: %v\n%s", err, out)
	}
	n, err := a.Count(t.Context())
	if err != nil || n != 4*100+100 {
		t.Errorf("%d rows (%v), want 500", n, err)
	}
	if err := a.IntegrityCheck(t.Context()); err != nil {
		t.Error(err)
	}
}

func TestWriteRollsBackOnError(t *testing.T) {
	t.Parallel()
	s := open(t)
	ctx := t.Context()
	// The second row is invalid: the whole transaction is undone.
	err := s.Upsert(ctx, row("/ok", sha(1)), &File{Path: "/bad", State: "bogus"})
	if err == nil {
		t.Fatal("invalid state accepted")
	}
	if _, err := s.Get(ctx, "/ok"); !errors.Is(err, ErrNotFound) {
		t.Errorf("half a batch was written: %v", err)
	}
	// A cancelled context writes nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Upsert(cctx, row("/c", sha(3))); err == nil {
		t.Errorf("cancelled upsert succeeded")
	}
	var n int
	if err := s.db.QueryRow("SELECT COUNT(*) FROM files").Scan(&n); err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d rows", n)
	}
}

func TestDefaultPath(t *testing.T) {
	t.Parallel()
	abs := platformAbs
	tests := []struct {
		name string
		goos string
		env  map[string]string
		want string
	}{
		{"xdg", "linux", map[string]string{"XDG_DATA_HOME": abs("/data"), "HOME": abs("/home/u")}, abs("/data/civit/library.db")},
		{"home", "linux", map[string]string{"HOME": abs("/home/u")}, abs("/home/u/.local/share/civit/library.db")},
		{"relative xdg is ignored", "linux", map[string]string{"XDG_DATA_HOME": "rel", "HOME": abs("/home/u")}, abs("/home/u/.local/share/civit/library.db")},
		{"LocalAppData is not read outside Windows", "darwin", map[string]string{"LocalAppData": abs("/l"), "HOME": abs("/home/u")}, abs("/home/u/.local/share/civit/library.db")},
		{"windows: LocalAppData", "windows", map[string]string{"LocalAppData": abs("/Users/u/AppData/Local"), "HOME": abs("/home/u")}, abs("/Users/u/AppData/Local/civit/library.db")},
		{"windows: xdg first", "windows", map[string]string{"XDG_DATA_HOME": abs("/data"), "LocalAppData": abs("/l")}, abs("/data/civit/library.db")},
		{"windows: relative LocalAppData is ignored", "windows", map[string]string{"LocalAppData": "rel", "HOME": abs("/home/u")}, abs("/home/u/.local/share/civit/library.db")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := defaultPath(func(k string) string { return tt.env[k] }, tt.goos)
			if err != nil || got != tt.want {
				t.Errorf("got %q (%v), want %q", got, err, tt.want)
			}
		})
	}
}

// A library file that is not a database fails to open with a *DBError whose
// hint says how to rebuild it.
func TestOpenNotADatabase(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "library.db")
	if err := os.WriteFile(path, []byte("this is not sqlite, just some text long enough to be a header"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path)
	var dbe *DBError
	if !errors.As(err, &dbe) {
		t.Fatalf("Open: %v (%T), want a *DBError", err, err)
	}
	if dbe.ReadOnly || !strings.Contains(dbe.Hint(), "civit scan") || !strings.Contains(dbe.Hint(), path) {
		t.Errorf("DBError %+v, hint %q", dbe, dbe.Hint())
	}
}

func TestLinks(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "lib.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	root, other := filepath.FromSlash("/ui/models"), filepath.FromSlash("/other")
	a := Link{Path: filepath.Join(root, "a.safetensors"), Target: filepath.FromSlash("/store/a.safetensors")}
	b := Link{Path: filepath.Join(root, "sub", "b.safetensors"), Target: a.Target}
	c := Link{Path: filepath.Join(other, "c.safetensors"), Target: a.Target}
	if err := s.ReplaceLinks(ctx, []string{root, other}, []Link{a, b, c}); err != nil {
		t.Fatal(err)
	}
	got, err := s.LinksTo(ctx, a.Target)
	if err != nil || len(got) != 3 {
		t.Fatalf("LinksTo = %v, %v; want 3", got, err)
	}
	// A rescan of root that no longer finds b forgets it; other's link
	// stays (it was not scanned).
	if err := s.ReplaceLinks(ctx, []string{root}, []Link{a}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.LinksTo(ctx, a.Target)
	if diff := cmp.Diff([]Link{c, a}, got); diff != "" { // sorted by path
		t.Errorf("after the rescan (-want +got):\n%s", diff)
	}
	if err := s.DeleteLinks(ctx, a.Path); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.LinksTo(ctx, a.Target); len(got) != 1 || got[0] != c {
		t.Errorf("after DeleteLinks: %v", got)
	}
}
