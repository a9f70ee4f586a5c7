package search

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/config"
	"github.com/civit/civit/internal/iostreams"
)

// fakeSearch serves /api/v1/models like CivitAI's search: a fixed list of
// hits paged by a numeric offset cursor, filtered after paging (only hits
// with keep survive), so pages come back short or empty (§5.3).
type fakeSearch struct {
	t    *testing.T
	hits []fakeHit

	mu      sync.Mutex
	queries []url.Values
}

type fakeHit struct {
	id, downloads int64
	keep          bool
}

func (s *fakeSearch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	s.queries = append(s.queries, q)
	s.mu.Unlock()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit == 0 {
		limit = 100
	}
	offset, _ := strconv.Atoi(q.Get("cursor"))
	end := min(offset+limit, len(s.hits))
	var items []string
	for _, h := range s.hits[offset:end] {
		if h.keep {
			items = append(items, fmt.Sprintf(`{"id":%d,"name":"m%d","type":"VAE","stats":{"downloadCount":%d},"modelVersions":[{"id":%d,"baseModel":"SDXL 1.0"}]}`, h.id, h.id, h.downloads, h.id*10))
		}
	}
	meta := "{}"
	if end < len(s.hits) {
		meta = fmt.Sprintf(`{"nextCursor":"%d"}`, end)
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"items":[%s],"metadata":%s}`, strings.Join(items, ","), meta)
}

func (s *fakeSearch) seen() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.queries...)
}

// runSearch runs `civit search args...` against h with stdin in and no API
// key (unless key is set), and returns stdout, stderr and the error.
func runSearch(t *testing.T, h http.Handler, key, in string, args ...string) (string, string, error) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg, err := config.Load(filepath.Join(t.TempDir(), "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	ios, stdin, stdout, stderr := iostreams.Test()
	stdin.WriteString(in)
	f := &cmdutil.Factory{
		IOStreams: ios,
		Config:    func() (*config.Config, error) { return cfg, nil },
		APIClient: func(bool) (*api.Client, error) {
			return api.New(api.Options{BaseURL: srv.URL, APIKey: key, Retry: api.RetryPolicy{MaxAttempts: 1}})
		},
	}
	cmd := NewCmdSearch(f, nil)
	cmd.SetArgs(append([]string{}, args...)) // never nil: cobra would read os.Args
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	err = cmd.ExecuteContext(t.Context())
	return stdout.String(), stderr.String(), err
}

func TestSearchQueryAsksFullPages(t *testing.T) {
	t.Parallel()
	// 60 hits, only the 40th survives the filters: one candidate per page
	// (limit=1) would give up after a run of empty pages and print nothing.
	s := &fakeSearch{t: t}
	for i := range 60 {
		s.hits = append(s.hits, fakeHit{id: int64(100 + i), keep: i == 39})
	}
	out, errOut, err := runSearch(t, s, "", "", "e", "--type", "vae", "--limit", "1", "--nsfw")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "139\t") || strings.Count(out, "\n") != 1 {
		t.Errorf("stdout = %q, want the one matching model", out)
	}
	if errOut != "" {
		t.Errorf("stderr = %q", errOut)
	}
	for _, q := range s.seen() {
		if q.Get("limit") != "100" {
			t.Errorf("query page size = %q, want 100: %v", q.Get("limit"), q)
		}
	}
}

func TestSearchWithoutQueryKeepsSmallPages(t *testing.T) {
	t.Parallel()
	s := &fakeSearch{t: t, hits: []fakeHit{{id: 1, keep: true}, {id: 2, keep: true}, {id: 3, keep: true}}}
	out, _, err := runSearch(t, s, "", "", "--limit", "2")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(out, "\n") != 2 {
		t.Errorf("stdout = %q", out)
	}
	if q := s.seen(); len(q) != 1 || q[0].Get("limit") != "2" {
		t.Errorf("queries = %v, want one page of 2", q)
	}
}

func TestSearchSaysWhenItGivesUp(t *testing.T) {
	t.Parallel()
	// Thousands of hits, none surviving: civit stops after a run of empty
	// pages and must say so rather than answer nothing silently.
	s := &fakeSearch{t: t}
	for i := range 5000 {
		s.hits = append(s.hits, fakeHit{id: int64(i + 1)})
	}
	out, errOut, err := runSearch(t, s, "", "", "e", "--limit", "1")
	if err != nil {
		t.Fatal(err)
	}
	if out != "" {
		t.Errorf("stdout = %q", out)
	}
	if want := "civit: warning: stopped after 25 empty pages; results may be incomplete\n"; errOut != want {
		t.Errorf("stderr = %q, want %q", errOut, want)
	}
}

func TestSearchSortsQueryResults(t *testing.T) {
	t.Parallel()
	s := &fakeSearch{t: t, hits: []fakeHit{{id: 1, downloads: 5, keep: true}, {id: 2, downloads: 50, keep: true},
		{id: 3, downloads: 7, keep: true}, {id: 4, downloads: 500, keep: true}}}
	out, errOut, err := runSearch(t, s, "", "", "cat", "--sort", "most downloaded", "--limit", "3")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		id, _, _ := strings.Cut(line, "\t")
		ids = append(ids, id)
	}
	// The whole pool is sorted before the cut, so 4 (most downloads, last
	// by relevance) is first and 1 (fewest) is cut.
	if got := strings.Join(ids, ","); got != "4,2,3" {
		t.Errorf("ids = %s, want 4,2,3", got)
	}
	if errOut != "" {
		t.Errorf("stderr = %q", errOut)
	}
	for _, q := range s.seen() {
		if q.Has("sort") {
			t.Errorf("sort sent with a query: %v", q)
		}
	}
}

func TestSearchWarnsAboutUncomputableSort(t *testing.T) {
	t.Parallel()
	s := &fakeSearch{t: t, hits: []fakeHit{{id: 1, downloads: 5, keep: true}, {id: 2, downloads: 50, keep: true}}}
	out, errOut, err := runSearch(t, s, "", "", "cat", "--sort", "most collected")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "1\t") {
		t.Errorf("stdout = %q, want relevance order", out)
	}
	if !strings.Contains(errOut, "civit: warning: `--sort \"Most Collected\"` is ignored with a query") {
		t.Errorf("stderr = %q", errOut)
	}
	// Without a query the server sorts: no warning, sort sent.
	_, errOut, err = runSearch(t, s, "", "", "--sort", "most collected")
	if err != nil || errOut != "" {
		t.Errorf("no query: err = %v, stderr = %q", err, errOut)
	}
	if q := s.seen(); q[len(q)-1].Get("sort") != "Most Collected" {
		t.Errorf("sort not sent without a query: %v", q[len(q)-1])
	}
}

func TestSearchBatchFromStdin(t *testing.T) {
	t.Parallel()
	s := &fakeSearch{t: t, hits: []fakeHit{{id: 7, keep: true}}}
	out, _, err := runSearch(t, s, "", "# comment\nfirst query\n\nsecond\n", "--batch", "-")
	if err != nil {
		t.Fatal(err)
	}
	// The id leads each row (for `civit download -i -`), the query ends it.
	want := []string{"7\tm7\tVAE\tSDXL 1.0\t0\t\tfirst query", "7\tm7\tVAE\tSDXL 1.0\t0\t\tsecond"}
	if got := strings.Split(strings.TrimSpace(out), "\n"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("stdout =\n%s\nwant\n%s", out, strings.Join(want, "\n"))
	}
	_, _, err = runSearch(t, s, "", "\n# nothing\n", "--batch", "-")
	if err == nil || !strings.Contains(err.Error(), "batch file standard input has no queries") {
		t.Errorf("empty stdin: %v", err)
	}
}

func TestSearchFavoritesNeedKey(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"--favorites", "--hidden"} {
		s := &fakeSearch{t: t}
		_, _, err := runSearch(t, s, "", "", flag)
		if !errors.Is(err, api.ErrAuthRequired) || !strings.Contains(err.Error(), "`"+flag+"` lists your own marks and needs an API key") {
			t.Errorf("%s: err = %v, want an auth error", flag, err)
		}
		if len(s.seen()) != 0 {
			t.Errorf("%s: request sent without a key", flag)
		}
		s = &fakeSearch{t: t}
		if _, _, err := runSearch(t, s, "k-123456", "", flag); err != nil {
			t.Fatal(err)
		}
		if q := s.seen(); len(q) != 1 || q[0].Get(strings.TrimPrefix(flag, "--")) != "true" {
			t.Errorf("%s with a key: queries = %v", flag, q)
		}
	}
}

func TestSearchBaseModelSpellings(t *testing.T) {
	t.Parallel()
	s := &fakeSearch{t: t}
	if _, _, err := runSearch(t, s, "", "", "-b", "sd15", "-b", "ponyxl"); err != nil {
		t.Fatal(err)
	}
	if q := s.seen(); len(q) != 1 || strings.Join(q[0]["baseModels"], ",") != "SD 1.5,Pony" {
		t.Errorf("queries = %v", q)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/enums", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"BaseModel":["SDXL 1.0","Flux.1 D"]}`)
	})
	_, _, err := runSearch(t, mux, "", "", "-b", "flux")
	var hint *cmdutil.HintError
	if !errors.As(err, &hint) || !strings.Contains(hint.Hint, `did you mean "Flux.1 D"`) {
		t.Errorf("flux: err = %v", err)
	}
}
