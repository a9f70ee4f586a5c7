package api

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ModelsOptions are the query parameters of /api/v1/models. Zero values are
// omitted.
type ModelsOptions struct {
	Query      string
	Tag        string
	Username   string
	Types      []ModelType // repeated types=; spellings go through ParseModelType
	BaseModels []string    // repeated baseModels=; exact names (see BaseModels)
	// Sort is one of ModelSorts(): "Highest Rated", "Most Downloaded",
	// "Most Liked", "Most Discussed", "Most Collected", "Most Images",
	// "Newest" or "Oldest". Spelling is normalised when recognised.
	Sort string
	// Period is one of Periods(): AllTime, Year, Month, Week, Day.
	Period string
	// PeriodMode is one of PeriodModes(): "published" (the server's
	// default: Period filters by publication date) or "stats" (Period
	// selects the window of the counters the sort uses).
	PeriodMode      string
	NSFW            *bool // nil omits the parameter (the server then shows PG only)
	PrimaryFileOnly bool
	// CheckpointType is one of CheckpointTypes(): Trained or Merge.
	CheckpointType string
	// CommercialUse is sent as repeated allowCommercialUse= (values of
	// CommercialUses(): None, Image, RentCivit, Rent, Sell); a model
	// matches when it allows any of them.
	CommercialUse []string
	// The server coerces these with z.coerce.boolean(), so any value, even
	// "false", means true: they are sent only as true (civitai-api.md §2.1).
	SupportsGeneration bool
	EarlyAccess        bool
	Archived           bool
	// Favorites and Hidden need an API key: the mere presence of the
	// parameter without a valid session is a 401.
	Favorites bool
	Hidden    bool
	IDs       []int64 // ids=1,2,3; the server ignores it with Query
	Limit     int     // 0 omits; otherwise 1..100
	Cursor    string
	// Page is 1-based page mode. It is never sent with Query (that is a
	// *ValidationError) and is dropped when Cursor is set.
	Page int
}

// values validates o and encodes it as query parameters.
func (o *ModelsOptions) values() (url.Values, error) {
	q := url.Values{}
	if o == nil {
		return q, nil
	}
	if o.Limit < 0 || o.Limit > 100 {
		return nil, &ValidationError{Field: "limit", Value: strconv.Itoa(o.Limit), Reason: "must be between 1 and 100"}
	}
	if o.Page < 0 {
		return nil, &ValidationError{Field: "page", Value: strconv.Itoa(o.Page), Reason: "must be 1 or more"}
	}
	if o.Page > 0 && strings.TrimSpace(o.Query) != "" {
		return nil, &ValidationError{Field: "page", Value: strconv.Itoa(o.Page), Reason: "cannot be used with a query; use cursor pagination"}
	}
	setNonEmpty(q, "query", o.Query)
	setNonEmpty(q, "tag", o.Tag)
	setNonEmpty(q, "username", o.Username)
	for _, t := range o.Types {
		if t := ParseModelType(string(t)); t != "" {
			q.Add("types", string(t))
		}
	}
	for _, b := range o.BaseModels {
		if b := strings.TrimSpace(b); b != "" {
			q.Add("baseModels", b)
		}
	}
	setNonEmpty(q, "sort", normalizeOr(o.Sort, ModelSorts()))
	setNonEmpty(q, "period", normalizeOr(o.Period, Periods()))
	setNonEmpty(q, "periodMode", normalizeOr(o.PeriodMode, PeriodModes()))
	setNonEmpty(q, "checkpointType", normalizeOr(o.CheckpointType, CheckpointTypes()))
	for _, c := range o.CommercialUse {
		if c := normalizeOr(c, CommercialUses()); c != "" {
			q.Add("allowCommercialUse", c)
		}
	}
	for _, b := range []struct {
		key string
		on  bool
	}{{"supportsGeneration", o.SupportsGeneration}, {"earlyAccess", o.EarlyAccess}, {"archived", o.Archived},
		{"favorites", o.Favorites}, {"hidden", o.Hidden}} {
		if b.on {
			q.Set(b.key, "true")
		}
	}
	if o.NSFW != nil {
		q.Set("nsfw", strconv.FormatBool(*o.NSFW))
	}
	if o.PrimaryFileOnly {
		q.Set("primaryFileOnly", "true")
	}
	if len(o.IDs) > 0 {
		ids := make([]string, 0, len(o.IDs))
		for _, id := range o.IDs {
			if id <= 0 {
				return nil, &ValidationError{Field: "ids", Value: strconv.FormatInt(id, 10), Reason: "must be a positive model id"}
			}
			ids = append(ids, strconv.FormatInt(id, 10))
		}
		q.Set("ids", strings.Join(ids, ","))
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	cursor := strings.TrimSpace(o.Cursor)
	setNonEmpty(q, "cursor", cursor)
	if o.Page > 0 && cursor == "" {
		q.Set("page", strconv.Itoa(o.Page))
	}
	return q, nil
}

func setNonEmpty(q url.Values, key, v string) {
	if v = strings.TrimSpace(v); v != "" {
		q.Set(key, v)
	}
}

// ListModels fetches one page of /api/v1/models. A 429 whose body is the
// page*limit cap's message is KindPageCap, which is never retried.
func (c *Client) ListModels(ctx context.Context, opts *ModelsOptions) (*ModelsPage, error) {
	q, err := opts.values()
	if err != nil {
		return nil, err
	}
	p, err := fetch[ModelsPage](ctx, c, call{method: http.MethodGet, path: "/api/v1/models", query: q, cache: true})
	if err != nil {
		return nil, err
	}
	p.Items = validModels(p.Items)
	return p, nil
}

// validModels drops nulls and values that were not model objects.
func validModels(items []*Model) []*Model {
	out := items[:0]
	for _, m := range items {
		if m != nil && m.ID != 0 {
			out = append(out, m)
		}
	}
	return out
}

// IncompleteError ends a Models iteration that gave up after a run of
// empty pages while the server still offered a cursor (search hits are
// filtered after paging, civitai-api.md §5.3). The models yielded before it
// are valid; more may exist further on.
type IncompleteError struct {
	EmptyPages int // the length of the run of empty pages
}

// Error returns "stopped after N empty pages; results may be incomplete".
func (e *IncompleteError) Error() string {
	return fmt.Sprintf("stopped after %d empty pages; results may be incomplete", e.EmptyPages)
}

// Models iterates over all models matching opts by following
// metadata.nextCursor until it is absent or empty. It tolerates empty pages
// (as search returns while a cursor remains), skips ids already yielded,
// stops after max models (max <= 0: no cap) and when a cursor repeats. After
// a run of empty pages it stops with an *IncompleteError, and after a hard
// cap of pages with a KindPageCap *Error. It never sends page; opts.Page is
// ignored and opts.Cursor is the starting point. An error ends the
// iteration.
func (c *Client) Models(ctx context.Context, opts *ModelsOptions, max int) iter.Seq2[*Model, error] {
	return func(yield func(*Model, error) bool) {
		var o ModelsOptions
		if opts != nil {
			o = *opts
		}
		o.Page = 0
		seenIDs := map[int64]struct{}{}
		seenCursors := map[string]struct{}{}
		if o.Cursor != "" {
			seenCursors[o.Cursor] = struct{}{}
		}
		count, empty := 0, 0
		for range c.maxPages {
			page, err := c.ListModels(ctx, &o)
			if err != nil {
				yield(nil, err)
				return
			}
			fresh := 0
			for _, m := range page.Items {
				if _, dup := seenIDs[m.ID]; dup {
					continue
				}
				seenIDs[m.ID] = struct{}{}
				fresh++
				if !yield(m, nil) {
					return
				}
				count++
				if max > 0 && count >= max {
					return
				}
			}
			next := page.Metadata.NextCursor
			if next == "" {
				return
			}
			if _, again := seenCursors[next]; again {
				return
			}
			seenCursors[next] = struct{}{}
			if fresh == 0 {
				empty++
				if empty >= c.maxEmptyPages {
					yield(nil, &IncompleteError{EmptyPages: empty})
					return
				}
			} else {
				empty = 0
			}
			o.Cursor = next
		}
		yield(nil, &Error{Kind: KindPageCap, Method: http.MethodGet, URL: redactURL(c.endpoint("/api/v1/models", nil)),
			Message: "stopped after " + strconv.Itoa(c.maxPages) + " pages; narrow the search"})
	}
}

// GetModel fetches /api/v1/models/{id}. A missing model is KindNotFound
// (the server sometimes answers 404 for new models for a while).
func (c *Client) GetModel(ctx context.Context, id int64) (*Model, error) {
	if id <= 0 {
		return nil, &ValidationError{Field: "model id", Value: strconv.FormatInt(id, 10), Reason: "must be a positive integer"}
	}
	path := "/api/v1/models/" + strconv.FormatInt(id, 10)
	m, err := fetch[Model](ctx, c, call{method: http.MethodGet, path: path, cache: true})
	if err != nil {
		return nil, err
	}
	if m.ID == 0 {
		return nil, c.shapeError(path)
	}
	return m, nil
}

// shapeError reports a 200 JSON answer that was not the expected object.
func (c *Client) shapeError(path string) *Error {
	return &Error{Kind: KindUnknown, Method: http.MethodGet, URL: redactURL(c.endpoint(path, nil)), StatusCode: http.StatusOK,
		Message: "unexpected response: no object with an id"}
}
