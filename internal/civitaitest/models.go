package civitaitest

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// listParams are the parsed /api/v1/models parameters (§2.1).
type listParams struct {
	limit           int
	page            int // 0 = absent
	cursor          string
	query           string
	ids             []int64
	tag             string
	username        string
	types           []string
	baseModels      []string
	checkpointType  string
	sort            string
	period          string
	periodMode      string
	nsfw            bool
	primaryFileOnly bool
	supportsGen     bool
	earlyAccess     bool
	archived        bool
	commercial      []string
}

// booleanString is the server's booleanString() [S-zod] on a query
// parameter: z.preprocess(v => typeof v === 'string' ? v === 'true' : ...,
// z.boolean()). Query values are strings, so only the exact string "true"
// is true and anything else ("1", "TRUE", "yes", "") is false. A repeated
// key reaches it as an array, which the preprocess turns into undefined:
// z.boolean() then fails with a "Required" issue. present reports whether
// the key was given at all.
func booleanString(q query, key string, issues *[]zodIssue) (v, present bool) {
	s, ok, multi := q.one(key)
	if !ok {
		return false, false
	}
	if multi {
		*issues = append(*issues, requiredBoolIssue(key))
		return false, true
	}
	return s == "true", true
}

// requiredBoolIssue is z.boolean()'s issue for undefined input.
func requiredBoolIssue(key string) zodIssue {
	return zodIssue{code: "invalid_type", path: []any{key}, message: "Required",
		extra: obj{{"expected", "boolean"}, {"received", "undefined"}}}
}

// parseListParams validates like modelsEndpointSchema; issues are the
// 400 ZodError issues.
func parseListParams(q query) (listParams, []zodIssue) {
	p := listParams{limit: 100, sort: "Highest Rated", period: "AllTime"}
	var issues []zodIssue
	num := func(key string, lo, hi float64) (int, bool) {
		f, ok := numericParam(q, key, lo, hi, &issues)
		return int(f), ok
	}
	if n, ok := num("limit", 0, 100); ok && n > 0 {
		p.limit = n
	}
	if n, ok := num("page", 1, math.MaxInt32); ok {
		p.page = n
	}
	p.cursor, _, _ = q.one("cursor")
	p.query, _, _ = q.one("query")
	p.tag, _, _ = q.one("tag")
	p.username, _, _ = q.one("username")
	enumList := func(key string, options []string) []string {
		vals := q.all(key)
		for i, v := range vals {
			if !contains(options, v) {
				path := []any{key}
				if len(vals) > 1 {
					path = append(path, i)
				}
				issues = append(issues, enumIssue(path, v, options))
			}
		}
		return vals
	}
	enumOne := func(key string, options []string, def string) string {
		return enumParam(q, key, options, def, &issues)
	}
	p.types = enumList("types", modelTypes)
	p.baseModels = q.all("baseModels")
	p.commercial = enumList("allowCommercialUse", commercialUses)
	p.checkpointType = enumOne("checkpointType", checkpointTypes, "")
	p.sort = enumOne("sort", modelSorts, "Highest Rated")
	p.period = enumOne("period", periods, "AllTime")
	p.periodMode = enumOne("periodMode", []string{"stats", "published"}, "published")
	// ids is commaDelimitedNumberArray(), refined with
	// arr.every(val => val && !isNaN(val)): an element 0 passes z.number()
	// but fails the refinement (a custom issue). Empty elements are
	// skipped (the real stringToArray is unknown).
	if v, ok, _ := q.one("ids"); ok {
		zero := false
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				issues = append(issues, nanIssue([]any{"ids"}))
				zero = false
				break
			}
			zero = zero || n == 0
			p.ids = append(p.ids, n)
		}
		if zero {
			issues = append(issues, zodIssue{code: "custom", path: []any{"ids"}, message: "Invalid input"})
		}
	}
	p.nsfw, _ = booleanString(q, "nsfw", &issues)
	p.primaryFileOnly, _ = booleanString(q, "primaryFileOnly", &issues)
	// z.coerce.boolean(): any non-empty string (even "false") is true (§2.1).
	coerce := func(key string) bool { v, ok, _ := q.one(key); return ok && v != "" }
	p.supportsGen = coerce("supportsGeneration")
	p.earlyAccess = coerce("earlyAccess")
	p.archived = coerce("archived")
	// z.boolean() on a query string never parses (§2.1).
	for _, key := range []string{"allowNoCredit", "allowDerivatives", "allowDifferentLicense"} {
		if q.has(key) {
			issues = append(issues, zodIssue{code: "invalid_type", path: []any{key},
				message: "Expected boolean, received string", extra: obj{{"expected", "boolean"}, {"received", "string"}}})
		}
	}
	return p, issues
}

// sortKey returns the descending-order key tuple of a model for the sort;
// the id (descending) breaks ties. Oldest negates the time.
func sortKey(m *FakeModel, sortName string) []int64 {
	dl := int64(0)
	if m.Stats.DownloadCount != nil {
		dl = *m.Stats.DownloadCount
	}
	latest := latestPublished(m).UnixMilli()
	switch sortName {
	case "Most Downloaded":
		return []int64{dl, m.ID}
	case "Most Liked":
		return []int64{m.Stats.ThumbsUpCount, m.ID}
	case "Most Discussed":
		return []int64{m.Stats.CommentCount, m.ID}
	case "Most Collected":
		return []int64{m.CollectedCount, m.ID}
	case "Most Images":
		n := int64(0)
		for _, v := range m.PublishedVersions() {
			n += int64(len(v.Images))
		}
		return []int64{n, m.ID}
	case "Newest":
		return []int64{latest, m.ID}
	case "Oldest":
		return []int64{-latest, -m.ID}
	}
	// Highest Rated.
	return []int64{m.Stats.ThumbsUpCount - m.Stats.ThumbsDownCount, dl, m.ID}
}

func latestPublished(m *FakeModel) time.Time {
	var t time.Time
	for _, v := range m.PublishedVersions() {
		if v.PublishedAt.After(t) {
			t = v.PublishedAt
		}
	}
	return t
}

// cmpKeys orders descending.
func cmpKeys(a, b []int64) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] > b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func encodeCursor(k []int64) string {
	parts := make([]string, len(k))
	for i, v := range k {
		parts[i] = strconv.FormatInt(v, 10)
	}
	return strings.Join(parts, "|")
}

func decodeCursor(s string, n int) ([]int64, bool) {
	parts := strings.Split(s, "|")
	if len(parts) != n {
		return nil, false
	}
	k := make([]int64, n)
	for i, p := range parts {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, false
		}
		k[i] = v
	}
	return k, true
}

// postgresSlugify approximates the server's username normalisation.
func postgresSlugify(s string) string {
	return strings.ToLower(strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}), "-"))
}

// periodStart is the cut-off of a MetricTimeframe relative to the catalog
// epoch (periodMode "published" filters by publication date).
func periodStart(period string) time.Time {
	e := catalogEpoch()
	switch period {
	case "Day":
		return e.AddDate(0, 0, -1)
	case "Week":
		return e.AddDate(0, 0, -7)
	case "Month":
		return e.AddDate(0, -1, 0)
	case "Year":
		return e.AddDate(-1, 0, 0)
	}
	return time.Time{}
}

// matchesFilters applies the database-side filters (also used to
// post-filter search hits).
func (s *Server) matchesFilters(m *FakeModel, p listParams, browsing int) bool {
	if !m.Visible() || m.nsfwLevel()&browsing == 0 {
		return false
	}
	if len(m.PublishedVersions()) == 0 {
		return false
	}
	if p.tag != "" {
		found := false
		for _, t := range m.Tags {
			if strings.EqualFold(t, p.tag) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	if p.username != "" && (m.Username == "civitai" && !strings.EqualFold(p.username, "civitai") ||
		postgresSlugify(m.Username) != postgresSlugify(p.username)) {
		return false
	}
	if len(p.types) > 0 && !contains(p.types, m.Type) {
		return false
	}
	if len(p.baseModels) > 0 {
		found := false
		for _, v := range m.PublishedVersions() {
			if contains(p.baseModels, v.BaseModel) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	// getModelsRaw applies checkpointType only when types is empty or
	// names Checkpoint, and to checkpoints only: the other types listed
	// (or, with no types, every other type) pass.
	if p.checkpointType != "" && (len(p.types) == 0 || contains(p.types, "Checkpoint")) &&
		m.Type == "Checkpoint" && m.CheckpointType != p.checkpointType {
		return false
	}
	if len(p.commercial) > 0 {
		found := false
		for _, c := range p.commercial {
			if contains(m.AllowCommercialUse, c) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	if p.supportsGen && !m.SupportsGeneration {
		return false
	}
	if p.earlyAccess {
		found := false
		for _, v := range m.PublishedVersions() {
			if v.earlyAccess(s.now()) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	if p.archived && m.Mode != "Archived" {
		return false
	}
	// periodMode=stats: the period does not filter by date (getModelsRaw).
	if start := periodStart(p.period); p.periodMode != "stats" && !start.IsZero() && latestPublished(m).Before(start) {
		return false
	}
	return true
}

// searchHits is the fake Meilisearch: every query word must occur in the
// model's name, tags, creator or type (case-insensitive). The index holds
// unpublished and deleted models too and is filtered by browsing level
// only afterwards, so pages of hits can shrink to nothing (#1848).
// Hits are ordered by relevance: name matches first, then id descending.
func (s *Server) searchHits(text string) []*FakeModel {
	words := strings.Fields(strings.ToLower(text))
	type hit struct {
		m     *FakeModel
		score int
	}
	var hits []hit
	for _, m := range s.Catalog.models {
		hay := strings.ToLower(m.Name + " " + strings.Join(m.Tags, " ") + " " + m.Username + " " + m.Type)
		name := strings.ToLower(m.Name)
		score := 0
		ok := true
		for _, w := range words {
			if !strings.Contains(hay, w) {
				ok = false
				break
			}
			if strings.Contains(name, w) {
				score++
			}
		}
		if ok {
			hits = append(hits, hit{m, score})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		if a.score != b.score {
			return b.score - a.score
		}
		return cmp.Compare(b.m.ID, a.m.ID)
	})
	out := make([]*FakeModel, len(hits))
	for i, h := range hits {
		out[i] = h.m
	}
	return out
}

// handleModels is GET /api/v1/models (§2.1, §5).
func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	if !s.headers(w, r, classMixed, publicCache) {
		return
	}
	q := parseQuery(r.URL.RawQuery)
	session := s.session(r)
	if (q.has("favorites") || q.has("hidden")) && session == "" {
		s.respond(w, r, http.StatusUnauthorized, errBody("Unauthorized"))
		return
	}
	p, issues := parseListParams(q)
	if len(issues) > 0 {
		s.respond(w, r, http.StatusBadRequest, obj{{"error", zodError(issues)}})
		return
	}
	browsing := nsfwPG
	if p.nsfw {
		browsing = browsingAll
	}
	usingPaging := p.page > 0 && p.cursor == ""
	if usingPaging && p.page*p.limit > 1000 {
		s.respond(w, r, http.StatusTooManyRequests, errBody("You've requested too many pages, please use cursors instead"))
		return
	}
	if p.query != "" && p.page > 0 {
		s.respond(w, r, http.StatusBadRequest, errBody("Cannot use page param with query search. Use cursor-based pagination."))
		return
	}
	rc := renderCtx{origin: origin(r), browsing: browsing, nsfwParam: p.nsfw, primaryFileOnly: p.primaryFileOnly,
		supportsGenOnly: p.supportsGen, now: s.now(), imageBase: s.imageBase()}
	var page []*FakeModel
	var nextCursor string
	if p.query != "" {
		// Cursor = numeric offset into the hit list (§2.1, 2026-06+).
		offset := 0
		if p.cursor != "" {
			n, err := strconv.Atoi(p.cursor)
			if err != nil || n < 0 {
				s.respond(w, r, http.StatusInternalServerError, obj{{"message", "An unexpected error occurred"}, {"error", "invalid cursor"}})
				return
			}
			offset = n
		}
		hits := s.searchHits(p.query)
		end := min(offset+p.limit, len(hits))
		if offset < end {
			// With query, ids come from the search and ?ids= is ignored (§2.1).
			for _, m := range hits[offset:end] {
				if s.matchesFilters(m, p, browsing) {
					page = append(page, m)
				}
			}
		}
		if end < len(hits) {
			nextCursor = strconv.Itoa(end)
		}
	} else {
		var all []*FakeModel
		for _, m := range s.Catalog.models {
			if len(p.ids) > 0 && !slices.Contains(p.ids, m.ID) {
				continue
			}
			if s.matchesFilters(m, p, browsing) {
				all = append(all, m)
			}
		}
		keys := make(map[*FakeModel][]int64, len(all))
		for _, m := range all {
			keys[m] = sortKey(m, p.sort)
		}
		slices.SortFunc(all, func(a, b *FakeModel) int { return cmpKeys(keys[a], keys[b]) })
		start := 0
		switch {
		case p.cursor != "":
			ck, ok := decodeCursor(p.cursor, len(sortKey(&FakeModel{}, p.sort)))
			if !ok {
				s.respond(w, r, http.StatusInternalServerError, obj{{"message", "An unexpected error occurred"}, {"error", "URI malformed"}})
				return
			}
			start = len(all)
			for i, m := range all {
				if cmpKeys(keys[m], ck) >= 0 {
					start = i
					break
				}
			}
		case usingPaging:
			start = (p.page - 1) * p.limit
		}
		end := min(start+p.limit, len(all))
		if start < end {
			page = all[start:end]
		}
		if end < len(all) {
			nextCursor = encodeCursor(keys[all[end]])
		}
	}
	var files []*FakeFile
	for _, m := range page {
		for _, v := range m.PublishedVersions() {
			files = append(files, v.Files...)
		}
	}
	warmHashes(files)
	items := []obj{}
	for _, m := range page {
		items = append(items, renderModel(m, viewList, rc))
	}
	meta := obj{}
	if nextCursor != "" {
		meta.set("nextCursor", nextCursor)
		next := q
		next.vals = make(map[string][]string, len(q.vals))
		for k, v := range q.vals {
			next.vals[k] = v
		}
		next.keys = append([]string(nil), q.keys...)
		next.set("cursor", nextCursor)
		meta.set("nextPage", origin(r)+r.URL.Path+"?"+next.stringify())
	}
	if usingPaging {
		meta.set("currentPage", p.page)
		meta.set("pageSize", p.limit)
	}
	s.respond(w, r, http.StatusOK, obj{{"items", items}, {"metadata", meta}})
}

// handleModel is GET /api/v1/models/{id} (§2.2). downloadUrl uses the
// server's configured base URL (s.URL), not the request host.
func (s *Server) handleModel(w http.ResponseWriter, r *http.Request, idStr string) {
	if !s.headers(w, r, classPublic, publicCache) {
		return
	}
	id, ok := parseID(idStr)
	if !ok {
		msg := "Invalid input: expected number, received NaN"
		if _, err := strconv.ParseFloat(idStr, 64); err == nil {
			msg = "Too small: expected number to be >0"
			if n, _ := strconv.ParseFloat(idStr, 64); n > 2147483647 {
				msg = "Too big: expected number to be <=2147483647"
			} else if n > 0 {
				msg = "Invalid input: expected int, received number"
			}
		}
		s.respond(w, r, http.StatusBadRequest, errBody(prettyZod(msg, "id")))
		return
	}
	m, ok := s.Catalog.Model(id)
	if !ok || !m.Visible() || m.nsfwLevel()&browsingAll == 0 || len(m.PublishedVersions()) == 0 {
		s.respond(w, r, http.StatusNotFound, errBody(fmt.Sprintf("No model with id %d", id)))
		return
	}
	rc := renderCtx{origin: s.URL, browsing: browsingAll, nsfwParam: true, now: s.now(), imageBase: s.imageBase()}
	s.respond(w, r, http.StatusOK, renderModel(m, viewModel, rc))
}
