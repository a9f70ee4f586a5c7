package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestListModelsQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    *ModelsOptions
		want    url.Values
		wantRaw string // substring of the raw query, when encoding matters
	}{
		{name: "nil", opts: nil, want: nil},
		{name: "everything", opts: &ModelsOptions{
			Query: "cute cat", Tag: "anime", Username: "bob",
			Types: []ModelType{"lora", ModelTypeCheckpoint, "Textual Inversion"}, BaseModels: []string{"SDXL 1.0", "Pony"},
			Sort: "most downloaded", Period: "week", NSFW: ptr(true), PrimaryFileOnly: true, IDs: []int64{1, 2, 3},
			Limit: 20, Cursor: "75363|932023|257749",
		}, want: url.Values{
			"query": {"cute cat"}, "tag": {"anime"}, "username": {"bob"},
			"types": {"LORA", "Checkpoint", "TextualInversion"}, "baseModels": {"SDXL 1.0", "Pony"},
			"sort": {"Most Downloaded"}, "period": {"Week"}, "nsfw": {"true"}, "primaryFileOnly": {"true"},
			"ids": {"1,2,3"}, "limit": {"20"}, "cursor": {"75363|932023|257749"},
		}, wantRaw: "types=LORA&types=Checkpoint&types=TextualInversion"},
		{name: "space as %20", opts: &ModelsOptions{Sort: "Highest Rated"}, want: url.Values{"sort": {"Highest Rated"}}, wantRaw: "sort=Highest%20Rated"},
		{name: "nsfw false sent", opts: &ModelsOptions{NSFW: ptr(false)}, want: url.Values{"nsfw": {"false"}}},
		{name: "page mode", opts: &ModelsOptions{Page: 3, Limit: 100}, want: url.Values{"page": {"3"}, "limit": {"100"}}},
		{name: "cursor wins over page", opts: &ModelsOptions{Page: 3, Cursor: "abc"}, want: url.Values{"cursor": {"abc"}}},
		{name: "unknown sort passed through", opts: &ModelsOptions{Sort: "Trending"}, want: url.Values{"sort": {"Trending"}}},
		{name: "plus in query", opts: &ModelsOptions{Query: "a+b"}, want: url.Values{"query": {"a+b"}}, wantRaw: "query=a%2Bb"},
		{name: "every other filter", opts: &ModelsOptions{
			CheckpointType: "merge", CommercialUse: []string{"rentcivit", "Sell"}, PeriodMode: "Stats",
			SupportsGeneration: true, EarlyAccess: true, Archived: true, Favorites: true, Hidden: true,
		}, want: url.Values{
			"checkpointType": {"Merge"}, "allowCommercialUse": {"RentCivit", "Sell"}, "periodMode": {"stats"},
			"supportsGeneration": {"true"}, "earlyAccess": {"true"}, "archived": {"true"}, "favorites": {"true"}, "hidden": {"true"},
		}, wantRaw: "allowCommercialUse=RentCivit&allowCommercialUse=Sell"},
		// z.coerce.boolean() reads "false" as true: false is never sent.
		{name: "false booleans omitted", opts: &ModelsOptions{SupportsGeneration: false, Favorites: false}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t, Options{})
			mux.HandleFunc("/api/v1/models", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, http.MethodGet)
				testQuery(t, r, tt.want)
				if !strings.Contains(r.URL.RawQuery, tt.wantRaw) {
					t.Errorf("raw query %q does not contain %q", r.URL.RawQuery, tt.wantRaw)
				}
				if strings.Contains(r.URL.RawQuery, "+") {
					t.Errorf("raw query uses '+': %q", r.URL.RawQuery)
				}
				writeJSON(w, 200, `{"items":[{"id":1,"name":"a"}],"metadata":{"nextCursor":"n"}}`)
			})
			p, err := c.ListModels(t.Context(), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) != 1 || p.Items[0].Name != "a" || p.Metadata.NextCursor != "n" {
				t.Errorf("page = %+v", p)
			}
		})
	}
}

func TestListModelsValidation(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, Options{})
	mux.HandleFunc("/api/v1/models", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request sent: %s", r.URL)
	})
	tests := []struct {
		opts  *ModelsOptions
		field string
	}{
		{&ModelsOptions{Query: "cat", Page: 2}, "page"},
		{&ModelsOptions{Page: -1}, "page"},
		{&ModelsOptions{Limit: 101}, "limit"},
		{&ModelsOptions{Limit: -1}, "limit"},
		{&ModelsOptions{IDs: []int64{1, 0}}, "ids"},
	}
	for _, tt := range tests {
		_, err := c.ListModels(t.Context(), tt.opts)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tt.field {
			t.Errorf("ListModels(%+v) err = %v, want ValidationError on %s", tt.opts, err, tt.field)
		}
	}
}

func TestGetModel(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, Options{})
	body := sample(t, "model-single-2.json")
	mux.HandleFunc("/api/v1/models/1580878", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		writeJSON(w, 200, string(body))
	})
	mux.HandleFunc("/api/v1/models/2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"items":[]}`)
	})
	m, err := c.GetModel(t.Context(), 1580878)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != 1580878 || m.Type != ModelTypeLORA || len(m.ModelVersions) == 0 {
		t.Errorf("model = %+v", m)
	}
	if _, err := c.GetModel(t.Context(), 2); err == nil {
		t.Error("object without id accepted as a model")
	}
	var ve *ValidationError
	if _, err := c.GetModel(t.Context(), 0); !errors.As(err, &ve) {
		t.Errorf("id 0: err = %v", err)
	}
}

// pagedServer serves /api/v1/models from a map of cursor -> response and
// records the queries it saw.
type pagedServer struct {
	t       *testing.T
	pages   map[string]string
	calls   atomic.Int32
	queries chan url.Values
}

func (s *pagedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.calls.Add(1)
	q := r.URL.Query()
	if q.Has("page") {
		s.t.Errorf("iterator sent page: %s", r.URL.RawQuery)
	}
	select {
	case s.queries <- q:
	default:
	}
	body, ok := s.pages[q.Get("cursor")]
	if !ok {
		s.t.Errorf("unexpected cursor %q", q.Get("cursor"))
		writeJSON(w, 404, `{"error":"no such cursor"}`)
		return
	}
	writeJSON(w, 200, body)
}

func collect(t *testing.T, c *Client, opts *ModelsOptions, max int) ([]int64, error) {
	t.Helper()
	var ids []int64
	for m, err := range c.Models(t.Context(), opts, max) {
		if err != nil {
			return ids, err
		}
		ids = append(ids, m.ID)
	}
	return ids, nil
}

func TestModelsIterator(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		pages     map[string]string
		opts      *ModelsOptions
		max       int
		wantIDs   []int64
		wantCalls int32
		wantErr   error
	}{
		{name: "follows cursors until absent", pages: map[string]string{
			"":   `{"items":[{"id":1},{"id":2}],"metadata":{"nextCursor":"c1"}}`,
			"c1": `{"items":[{"id":3}],"metadata":{"nextCursor":2}}`,
			"2":  `{"items":[{"id":4}],"metadata":{}}`,
		}, wantIDs: []int64{1, 2, 3, 4}, wantCalls: 3},
		{name: "empty string cursor ends", pages: map[string]string{
			"": `{"items":[{"id":1}],"metadata":{"nextCursor":""}}`,
		}, wantIDs: []int64{1}, wantCalls: 1},
		{name: "empty pages continue", pages: map[string]string{
			"":   `{"items":[],"metadata":{"nextCursor":"c1"}}`,
			"c1": `{"items":[],"metadata":{"nextCursor":"c2"}}`,
			"c2": `{"items":[{"id":5}],"metadata":{}}`,
		}, opts: &ModelsOptions{Query: "cat"}, wantIDs: []int64{5}, wantCalls: 3},
		{name: "dedupes ids across pages", pages: map[string]string{
			"":   `{"items":[{"id":1},{"id":2}],"metadata":{"nextCursor":"c1"}}`,
			"c1": `{"items":[{"id":2},{"id":3},null],"metadata":{}}`,
		}, wantIDs: []int64{1, 2, 3}, wantCalls: 2},
		{name: "max stops early", pages: map[string]string{
			"":   `{"items":[{"id":1},{"id":2}],"metadata":{"nextCursor":"c1"}}`,
			"c1": `{"items":[{"id":3},{"id":4}],"metadata":{"nextCursor":"c2"}}`,
		}, max: 3, wantIDs: []int64{1, 2, 3}, wantCalls: 2},
		{name: "repeated cursor stops", pages: map[string]string{
			"":   `{"items":[{"id":1}],"metadata":{"nextCursor":"c1"}}`,
			"c1": `{"items":[{"id":2}],"metadata":{"nextCursor":"c1"}}`,
		}, wantIDs: []int64{1, 2}, wantCalls: 2},
		{name: "starting cursor and page ignored", pages: map[string]string{
			"s": `{"items":[{"id":7}],"metadata":{}}`,
		}, opts: &ModelsOptions{Query: "cat", Page: 4, Cursor: "s"}, wantIDs: []int64{7}, wantCalls: 1},
		{name: "run of empty pages is bounded", pages: func() map[string]string {
			m := map[string]string{}
			for i := range 10 {
				key := ""
				if i > 0 {
					key = fmt.Sprint("e", i)
				}
				m[key] = fmt.Sprintf(`{"items":[],"metadata":{"nextCursor":"e%d"}}`, i+1)
			}
			return m
		}(), wantIDs: nil, wantCalls: 3, wantErr: &IncompleteError{}},
		{name: "empty run after results is reported", pages: func() map[string]string {
			m := map[string]string{"": `{"items":[{"id":9}],"metadata":{"nextCursor":"e1"}}`}
			for i := 1; i < 10; i++ {
				m[fmt.Sprint("e", i)] = fmt.Sprintf(`{"items":[],"metadata":{"nextCursor":"e%d"}}`, i+1)
			}
			return m
		}(), wantIDs: []int64{9}, wantCalls: 4, wantErr: &IncompleteError{}},
		{name: "hard page cap", pages: func() map[string]string {
			m := map[string]string{}
			for i := range 10 {
				key := ""
				if i > 0 {
					key = fmt.Sprint("p", i)
				}
				m[key] = fmt.Sprintf(`{"items":[{"id":%d}],"metadata":{"nextCursor":"p%d"}}`, i+1, i+1)
			}
			return m
		}(), wantIDs: []int64{1, 2, 3, 4, 5}, wantCalls: 5, wantErr: ErrPageCap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t, Options{})
			c.maxPages, c.maxEmptyPages = 5, 3
			srv := &pagedServer{t: t, pages: tt.pages}
			mux.Handle("/api/v1/models", srv)
			ids, err := collect(t, c, tt.opts, tt.max)
			var incomplete *IncompleteError
			if _, want := tt.wantErr.(*IncompleteError); want {
				if !errors.As(err, &incomplete) || incomplete.EmptyPages != 3 {
					t.Errorf("err = %v, want an IncompleteError after 3 empty pages", err)
				} else if got := err.Error(); got != "stopped after 3 empty pages; results may be incomplete" {
					t.Errorf("message = %q", got)
				}
			} else if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if got := srv.calls.Load(); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestModelsIteratorErrorAndBreak(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, Options{Retry: RetryPolicy{MaxAttempts: 1}})
	var calls atomic.Int32
	mux.HandleFunc("/api/v1/models", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			writeJSON(w, 200, `{"items":[{"id":1},{"id":2}],"metadata":{"nextCursor":"c1"}}`)
			return
		}
		writeJSON(w, 500, `{"error":"boom"}`)
	})
	ids, err := collect(t, c, nil, 0)
	if !errors.Is(err, ErrServer) || len(ids) != 2 {
		t.Errorf("ids = %v, err = %v", ids, err)
	}
	// Breaking out of the loop stops fetching.
	calls.Store(0)
	for range c.Models(t.Context(), nil, 0) {
		break
	}
	if calls.Load() != 1 {
		t.Errorf("calls after break = %d", calls.Load())
	}
	// Validation errors surface through the iterator.
	for _, err := range c.Models(t.Context(), &ModelsOptions{Limit: 500}, 0) {
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("err = %v", err)
		}
	}
}
