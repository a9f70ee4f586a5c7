package download

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/iostreams"
)

// miniServer answers /api/v1/model-versions/mini/{id} after a delay,
// counting the requests answered at once; the versions in needKey need an
// API key.
type miniServer struct {
	delay   time.Duration
	needKey map[string]bool

	mu            sync.Mutex
	running, peak int
	requests      int
}

// counts returns how many requests it answered, and at most at once.
func (s *miniServer) counts() (requests, peak int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, s.peak
}

func (s *miniServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	s.requests++
	s.running++
	s.peak = max(s.peak, s.running)
	s.mu.Unlock()
	time.Sleep(s.delay)
	s.mu.Lock()
	s.running--
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"versionName":"v%s","requireAuth":%v}`, id, s.needKey[id])
}

// dryRunItems runs dryRun for planned items of the given sizes (KiB; a
// negative size: failed when planned) against mini, with files named
// f00.safetensors, f01.safetensors, ... of versions 1000, 1001, ...
func dryRunItems(t *testing.T, mini http.Handler, sizesKB ...float64) (stdout, stderr string, err error) {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/api/v1/model-versions/mini/{id}", mini)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, cerr := api.New(api.Options{BaseURL: srv.URL, Retry: api.RetryPolicy{MaxAttempts: 1}})
	if cerr != nil {
		t.Fatal(cerr)
	}
	dir := t.TempDir()
	var items []*item
	for i, kb := range sizesKB {
		name := fmt.Sprintf("f%02d.safetensors", i)
		if kb < 0 {
			items = append(items, &item{Target: name, Status: "failed", Err: fmt.Errorf("no file of %s", name)})
			continue
		}
		v := &api.ModelVersion{ID: int64(1000 + i), ModelID: 7, Name: "v1", UsageControl: "Download"}
		f := &api.File{ID: int64(5000 + i), Name: name, SizeKB: kb, Type: "Model"}
		items = append(items, &item{Target: fmt.Sprint(1000 + i), ModelID: 7, Version: v, File: f, Dest: filepath.Join(dir, name), Status: "planned"})
	}
	ios, _, out, errOut := iostreams.Test()
	o := &Options{Factory: &cmdutil.Factory{IOStreams: ios}}
	err = dryRun(t.Context(), o, c, items)
	return out.String(), errOut.String(), err
}

// TestDryRunAsksConcurrently: the dry run's pre-flight requests, one per
// file, go planConcurrency at a time, not one after the other; the plan
// keeps the files' order, each with its own answer.
func TestDryRunAsksConcurrently(t *testing.T) {
	t.Parallel()
	const files = 12
	mini := &miniServer{delay: 50 * time.Millisecond, needKey: map[string]bool{"1005": true}}
	sizes := make([]float64, files)
	for i := range sizes {
		sizes[i] = 1
	}
	stdout, _, err := dryRunItems(t, mini, sizes...)
	if err == nil {
		t.Error("no error for the file that needs a key")
	}
	requests, peak := mini.counts()
	if requests != files {
		t.Errorf("%d pre-flight requests, want %d", requests, files)
	}
	if peak < 2 || peak > planConcurrency {
		t.Errorf("at most %d pre-flight requests at once, want 2 to %d", peak, planConcurrency)
	}
	rows := strings.Split(strings.TrimSpace(stdout), "\n") // not a terminal: no header
	if len(rows) != files {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), files, stdout)
	}
	for i, row := range rows {
		if !strings.HasPrefix(row, fmt.Sprintf("f%02d.safetensors (model 7, version %d,", i, 1000+i)) {
			t.Errorf("row %d = %q, want file f%02d", i, row, i)
		}
		if needsKey := strings.Contains(row, "needs API key"); needsKey != (i == 5) {
			t.Errorf("row %d = %q: the access of another file", i, row)
		}
	}
}

// TestDryRunSummaryCountsWhatWouldDownload: the summary counts the files
// that would be downloaded, with their size, and says apart how many would
// fail (a key needed, none set; a target that could not be planned).
func TestDryRunSummaryCountsWhatWouldDownload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		needKey map[string]bool
		sizesKB []float64
		want    string
	}{
		{"all ok", nil, []float64{1, 2}, "2 files, 3.0 KiB to download; nothing downloaded (--dry-run)\n"},
		{"one ok", nil, []float64{2}, "1 file, 2.0 KiB to download; nothing downloaded (--dry-run)\n"},
		{"one refused", map[string]bool{"1001": true}, []float64{1, 2, 4},
			"2 files, 5.0 KiB to download, 1 would fail; nothing downloaded (--dry-run)\n"},
		{"refused and not planned", map[string]bool{"1000": true}, []float64{1, -1, 4},
			"1 file, 4.0 KiB to download, 2 would fail; nothing downloaded (--dry-run)\n"},
		{"all refused", map[string]bool{"1000": true, "1001": true}, []float64{1, 2},
			"0 files, 0 B to download, 2 would fail; nothing downloaded (--dry-run)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, stderr, _ := dryRunItems(t, &miniServer{needKey: tt.needKey}, tt.sizesKB...)
			summary := stderr
			if i := strings.Index(stderr, "nothing downloaded"); i >= 0 {
				start := strings.LastIndex(stderr[:i], "\n") + 1
				summary = stderr[start:]
				summary = summary[:strings.Index(summary, "\n")+1]
			}
			if summary != tt.want {
				t.Errorf("summary %q, want %q\nstderr:\n%s", summary, tt.want, stderr)
			}
		})
	}
}
