package civitaitest

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// walk follows nextCursor from first until it disappears (bounded).
func walk(t *testing.T, s *Server, first string) (pages []listResp) {
	t.Helper()
	u := s.URL + first
	for i := 0; i < 500; i++ {
		r := get(t, u)
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", u, r.status, r.body)
		}
		l := decode[listResp](t, r.body)
		pages = append(pages, l)
		if l.Metadata.NextCursor == "" {
			if l.Metadata.NextPage != "" {
				t.Errorf("nextPage without nextCursor: %s", l.Metadata.NextPage)
			}
			return pages
		}
		u = l.Metadata.NextPage
	}
	t.Fatal("pagination did not end")
	return nil
}

func allIDs(pages []listResp) []int64 {
	var out []int64
	for _, p := range pages {
		out = append(out, p.ids()...)
	}
	return out
}

// visibleIDs lists what /models must return for a browsing level.
func visibleIDs(s *Server, nsfw bool, keep func(*FakeModel) bool) []int64 {
	var out []int64
	for _, m := range s.Catalog.Models() {
		if !m.Visible() || m.Latest() == nil || (!nsfw && m.NSFWLevel&nsfwPG == 0) {
			continue
		}
		if keep == nil || keep(m) {
			out = append(out, m.ID)
		}
	}
	return out
}

func sorted(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func TestModelsCursorPagination(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 4, Models: 120})
	for _, sortName := range modelSorts {
		t.Run(sortName, func(t *testing.T) {
			t.Parallel()
			pages := walk(t, s, "/api/v1/models?limit=7&nsfw=true&sort="+url.QueryEscape(sortName))
			got := allIDs(pages)
			if diff := cmp.Diff(sorted(visibleIDs(s, true, nil)), sorted(got)); diff != "" {
				t.Errorf("ids over all pages (-want +got):\n%s", diff)
			}
			// Really sorted: keys never increase across pages.
			var prev []int64
			for _, id := range got {
				m, _ := s.Catalog.Model(id)
				k := sortKey(m, sortName)
				if prev != nil && cmpKeys(prev, k) > 0 {
					t.Fatalf("model %d out of order for %s", id, sortName)
				}
				prev = k
			}
			for i, p := range pages[:len(pages)-1] {
				if len(p.Items) != 7 || p.Metadata.CurrentPage != 0 {
					t.Errorf("page %d: %d items, currentPage %d", i, len(p.Items), p.Metadata.CurrentPage)
				}
			}
		})
	}
	t.Run("observable order", func(t *testing.T) {
		t.Parallel()
		l := decode[listResp](t, get(t, s.URL+"/api/v1/models?limit=100&nsfw=true&sort=Most%20Downloaded").body)
		for i := 1; i < len(l.Items); i++ {
			a, b := l.Items[i-1].Stats.DownloadCount, l.Items[i].Stats.DownloadCount
			if a != nil && b != nil && *a < *b {
				t.Errorf("Most Downloaded: %d before %d", *a, *b)
			}
		}
		l = decode[listResp](t, get(t, s.URL+"/api/v1/models?limit=100&nsfw=true&sort=Newest").body)
		last := ""
		for _, it := range l.Items {
			// Versions may be [] and publishedAt null (§3): skip what
			// cannot be observed.
			p := ""
			for _, v := range it.ModelVersions {
				p = max(p, v.PublishedAt)
			}
			if p == "" {
				continue
			}
			if last != "" && p > last {
				t.Errorf("Newest: %s after %s", p, last)
			}
			last = p
		}
	})
}

func TestModelsNextPageEchoesParams(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 4, Models: 40})
	r := get(t, s.URL+"/api/v1/models?limit=3&types=LORA&types=Checkpoint&token=test-key&nsfw=true")
	l := decode[listResp](t, r.body)
	want := s.URL + "/api/v1/models?limit=3&types=LORA&types=Checkpoint&token=test-key&nsfw=true&cursor=" + url.QueryEscape(l.Metadata.NextCursor)
	want = strings.ReplaceAll(want, "%7C", "%7C")
	if l.Metadata.NextPage != want {
		t.Errorf("nextPage\n got %s\nwant %s", l.Metadata.NextPage, want)
	}
	if r.header.Get("Cache-Control") != "" {
		t.Errorf("authenticated mixed response has Cache-Control %q", r.header.Get("Cache-Control"))
	}
	if cc := get(t, s.URL+"/api/v1/models?limit=1").header.Get("Cache-Control"); cc != publicCache {
		t.Errorf("anonymous Cache-Control %q", cc)
	}
}

func TestModelsPageMode(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 4, Models: 30})
	want := visibleIDs(s, false, nil)
	var got []int64
	for page := 1; page < 50; page++ {
		l := decode[listResp](t, get(t, fmt.Sprintf("%s/api/v1/models?limit=10&page=%d", s.URL, page)).body)
		if l.Metadata.CurrentPage != page || l.Metadata.PageSize != 10 {
			t.Fatalf("page %d metadata %+v", page, l.Metadata)
		}
		got = append(got, l.ids()...)
		if len(l.Items) < 10 {
			if l.Metadata.NextCursor != "" {
				t.Errorf("last page has nextCursor")
			}
			break
		}
	}
	if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestModelsErrors(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 4, Models: 10})
	tests := []struct {
		name, path string
		hdr        []string
		status     int
		body       string // exact, or "" to check only that error is present
		contains   string
	}{
		{name: "page cap", path: "/api/v1/models?limit=100&page=11", status: 429, body: `{"error":"You've requested too many pages, please use cursors instead"}`},
		{name: "page cap before query check", path: "/api/v1/models?query=x&limit=100&page=20", status: 429},
		{name: "query with page", path: "/api/v1/models?query=fixture&page=1", status: 400, body: `{"error":"Cannot use page param with query search. Use cursor-based pagination."}`},
		{name: "lower-case type", path: "/api/v1/models?types=lora", status: 400, contains: `"name":"ZodError"`},
		{name: "one bad type of two", path: "/api/v1/models?types=LORA&types=Embedding", status: 400, contains: `"path":["types",1]`},
		{name: "bad sort", path: "/api/v1/models?sort=Popular", status: 400, contains: `"code":"invalid_enum_value"`},
		{name: "limit too big", path: "/api/v1/models?limit=101", status: 400, contains: `"code":"too_big"`},
		{name: "limit not a number", path: "/api/v1/models?limit=ten", status: 400, contains: `"received":"nan"`},
		{name: "z.boolean from query", path: "/api/v1/models?allowNoCredit=true", status: 400},
		// ids: commaDelimitedNumberArray refined by every(val => val &&
		// !isNaN(val)): 0 fails the refinement, a negative id passes.
		{name: "ids zero", path: "/api/v1/models?ids=0", status: 400, contains: `{"code":"custom","path":["ids"],"message":"Invalid input"}`},
		{name: "ids with a zero", path: "/api/v1/models?ids=101,0", status: 400, contains: `"code":"custom"`},
		{name: "ids not a number", path: "/api/v1/models?ids=101,x", status: 400, contains: `"received":"nan"`},
		{name: "ids negative", path: "/api/v1/models?ids=-1", status: 200, contains: `"items":[]`},
		{name: "favorites anonymous", path: "/api/v1/models?favorites=false", status: 401, body: `{"error":"Unauthorized"}`},
		{name: "hidden bad key", path: "/api/v1/models?hidden=true", hdr: []string{"Authorization: Bearer bad"}, status: 401},
		{name: "favorites with key", path: "/api/v1/models?favorites=true&limit=1", hdr: []string{"Authorization: Bearer test-key"}, status: 200},
		{name: "bad cursor", path: "/api/v1/models?cursor=abc", status: 500, contains: `"message":"An unexpected error occurred"`},
		{name: "model bad id", path: "/api/v1/models/abc", status: 400, contains: "✖"},
		{name: "model too big id", path: "/api/v1/models/99999999999", status: 400},
		{name: "model missing", path: "/api/v1/models/999999", status: 404, body: `{"error":"No model with id 999999"}`},
		{name: "model deleted", path: fmt.Sprintf("/api/v1/models/%d", FixtureDeleted), status: 404},
		{name: "version missing", path: "/api/v1/model-versions/999999", status: 404, body: `{"error":"Model not found"}`},
		{name: "version of deleted model", path: fmt.Sprintf("/api/v1/model-versions/%d", vid(FixtureDeleted, 1)), status: 404},
		{name: "version bad id", path: "/api/v1/model-versions/x1", status: 400},
		{name: "model id is not a version id", path: fmt.Sprintf("/api/v1/model-versions/%d", FixturePublicLoRA), status: 404},
		{name: "mixed wrong verb", path: "/api/v1/models", hdr: []string{"X-Method: POST"}, status: 405, body: `{"error":"Method not allowed"}`},
		{name: "version wrong verb", path: "/api/v1/model-versions/10101", hdr: []string{"X-Method: DELETE"}, status: 405, body: `{"error":"Method not allowed"}`},
		{name: "public endpoint ignores the verb", path: "/api/v1/models/999999", hdr: []string{"X-Method: PUT"}, status: 404, body: `{"error":"No model with id 999999"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			method := "GET"
			var hdr []string
			for _, h := range tt.hdr {
				if m, ok := strings.CutPrefix(h, "X-Method: "); ok {
					method = m
				} else {
					hdr = append(hdr, h)
				}
			}
			r := call(t, method, s.URL+tt.path, nil, hdr...)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.body != "" && string(r.body) != tt.body {
				t.Errorf("body %s, want %s", r.body, tt.body)
			}
			if !bytes.Contains(r.body, []byte(tt.contains)) {
				t.Errorf("body %s lacks %s", r.body, tt.contains)
			}
			if ct := r.header.Get("Content-Type"); ct != jsonContentType {
				t.Errorf("Content-Type %q", ct)
			}
			if r.status == 429 && r.header.Get("Retry-After") != "" {
				t.Errorf("page cap 429 has Retry-After")
			}
		})
	}
}

func TestModelsFilters(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 8, Models: 150})
	has := func(list []string, v string) bool { return slices.Contains(list, v) }
	tests := []struct {
		name  string
		query string
		nsfw  bool
		keep  func(*FakeModel) bool
	}{
		{"types repeated", "types=LORA&types=Checkpoint", false, func(m *FakeModel) bool { return m.Type == "LORA" || m.Type == "Checkpoint" }},
		{"tag", "tag=Anime", true, func(m *FakeModel) bool { return has(m.Tags, "anime") }},
		{"username", "username=fixture_creator", true, func(m *FakeModel) bool { return m.Username == "fixture_creator" }},
		{"baseModels", "baseModels=Pony&baseModels=Illustrious", true, func(m *FakeModel) bool {
			for _, v := range m.PublishedVersions() {
				if v.BaseModel == "Pony" || v.BaseModel == "Illustrious" {
					return true
				}
			}
			return false
		}},
		{"ids", "ids=101,112,110,111,999999", false, func(m *FakeModel) bool { return m.ID == 101 || m.ID == 110 }},
		{"ids nsfw", "ids=101,112", true, func(m *FakeModel) bool { return m.ID == 101 || m.ID == 112 }},
		// checkpointType filters checkpoints only; the other types pass,
		// and with types lacking Checkpoint it is ignored (getModelsRaw).
		{"checkpointType", "checkpointType=Merge", true, func(m *FakeModel) bool { return m.Type != "Checkpoint" || m.CheckpointType == "Merge" }},
		{"checkpointType with types=Checkpoint", "types=Checkpoint&checkpointType=Merge", true, func(m *FakeModel) bool { return m.Type == "Checkpoint" && m.CheckpointType == "Merge" }},
		{"checkpointType with other types", "types=Checkpoint&types=LORA&checkpointType=Trained", true, func(m *FakeModel) bool {
			return m.Type == "LORA" || m.Type == "Checkpoint" && m.CheckpointType == "Trained"
		}},
		{"checkpointType ignored without Checkpoint in types", "types=LORA&checkpointType=Merge", true, func(m *FakeModel) bool { return m.Type == "LORA" }},
		{"periodMode=stats does not filter by date", "period=Year&periodMode=stats", true, func(m *FakeModel) bool { return true }},
		{"period", "period=Year", true, func(m *FakeModel) bool { return !latestPublished(m).Before(catalogEpoch().AddDate(-1, 0, 0)) }},
		{"pg only by default", "", false, nil},
		{"nsfw=false is pg only", "nsfw=false", false, nil},
		{"nsfw=true all", "", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := "/api/v1/models?limit=100&" + tt.query
			if tt.nsfw {
				q += "&nsfw=true"
			}
			got := allIDs(walk(t, s, q))
			want := visibleIDs(s, tt.nsfw, tt.keep)
			if len(want) == 0 {
				t.Fatal("test catalog has no matching model")
			}
			if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	t.Run("mature only needs nsfw", func(t *testing.T) {
		t.Parallel()
		if ids := decode[listResp](t, get(t, s.URL+"/api/v1/models?ids=112").body).ids(); len(ids) != 0 {
			t.Errorf("mature-only listed without nsfw: %v", ids)
		}
		if r := get(t, s.URL+"/api/v1/models/112"); r.status != 200 {
			t.Errorf("mature-only detail: %d", r.status)
		}
	})
	t.Run("primaryFileOnly", func(t *testing.T) {
		t.Parallel()
		l := decode[listResp](t, get(t, s.URL+"/api/v1/models?ids=102&primaryFileOnly=true").body)
		for _, v := range l.Items[0].ModelVersions {
			if len(v.Files) != 1 || !v.Files[0].Primary {
				t.Errorf("version %d files %+v", v.ID, v.Files)
			}
		}
	})
	t.Run("list images are PG without nsfw", func(t *testing.T) {
		t.Parallel()
		r := get(t, s.URL+"/api/v1/models?limit=100")
		var body struct {
			Items []struct {
				ModelVersions []struct{ Images []struct{ NSFWLevel int } }
			}
		}
		body = decode[struct {
			Items []struct {
				ModelVersions []struct{ Images []struct{ NSFWLevel int } }
			}
		}](t, r.body)
		n := 0
		for _, it := range body.Items {
			for _, v := range it.ModelVersions {
				for _, im := range v.Images {
					n++
					if im.NSFWLevel&nsfwPG == 0 {
						t.Fatalf("non-PG image %d listed without nsfw", im.NSFWLevel)
					}
				}
			}
		}
		if n == 0 {
			t.Error("no images")
		}
	})
}

// TestModelsQueryPagination checks the #1848 quirk: with query, pages can
// be short or empty while nextCursor is present, and the cursor is an
// offset.
func TestModelsQueryPagination(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 4, Models: 200})
	// Hits are ordered by relevance then id: 112 (mature, filtered without
	// nsfw) and 111 (deleted) come first, so limit=2 starts with an empty
	// page and limit=3 with a short one.
	counts := func(limit int) (pages []listResp, short, empty int) {
		pages = walk(t, s, fmt.Sprintf("/api/v1/models?query=fixture&limit=%d", limit))
		for i, p := range pages {
			if p.Metadata.NextCursor == "" {
				continue
			}
			if want := fmt.Sprint(limit * (i + 1)); p.Metadata.NextCursor != want {
				t.Errorf("page %d nextCursor %q, want offset %s", i, p.Metadata.NextCursor, want)
			}
			switch {
			case len(p.Items) == 0:
				empty++
			case len(p.Items) < limit:
				short++
			}
		}
		return pages, short, empty
	}
	pages, _, empty := counts(2)
	if empty == 0 {
		t.Error("limit=2: no empty page with a nextCursor")
	}
	if _, short, _ := counts(3); short == 0 {
		t.Error("limit=3: no short page with a nextCursor")
	}
	got := allIDs(pages)
	want := visibleIDs(s, false, func(m *FakeModel) bool {
		return strings.Contains(strings.ToLower(m.Name+" "+strings.Join(m.Tags, " ")), "fixture")
	})
	if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Relevance order ignores sort; types are post-filtered.
	l := decode[listResp](t, get(t, s.URL+"/api/v1/models?query=fixture&limit=100&types=Checkpoint&nsfw=true").body)
	for _, it := range l.Items {
		if it.Type != "Checkpoint" {
			t.Errorf("query with types returned %s", it.Type)
		}
	}
}

func TestModelDetailShape(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 4, Models: -1})
	r := get(t, "http://localhost"+strings.TrimPrefix(s.URL, "http://127.0.0.1")+"/api/v1/models/110")
	if r.status != 200 {
		t.Fatalf("%d", r.status)
	}
	body := string(r.body)
	for _, want := range []string{
		`"allowCommercialUse":"{Image,RentCivit}"`,
		`"downloadCount":null`,
		// downloadUrl from the configured base, not the request host (§1).
		`"downloadUrl":"` + s.URL + `/api/download/models/11001"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s in %s", want, body)
		}
	}
	if strings.Contains(body, `"creator"`) {
		t.Error("civitai-owned model has a creator")
	}
	type ver struct {
		ID     int64
		Images *[]any
	}
	d := decode[struct{ ModelVersions []map[string]any }](t, r.body)
	if _, ok := d.ModelVersions[0]["images"]; ok {
		t.Error("version without images has an images key")
	}
	if _, ok := d.ModelVersions[0]["description"]; ok {
		t.Error("null description not removed")
	}
	// Archived: no files key (removeEmpty), no downloadUrl.
	d = decode[struct{ ModelVersions []map[string]any }](t, get(t, s.URL+"/api/v1/models/105").body)
	for _, k := range []string{"files", "downloadUrl"} {
		if _, ok := d.ModelVersions[0][k]; ok {
			t.Errorf("archived version has %s", k)
		}
	}
	// The list shows archived models with files [] and uses the request host.
	lr := get(t, "http://localhost"+strings.TrimPrefix(s.URL, "http://127.0.0.1")+"/api/v1/models?ids=105,101")
	if !bytes.Contains(lr.body, []byte(`"files":[]`)) || !bytes.Contains(lr.body, []byte(`"downloadUrl":"http://localhost:`)) {
		t.Errorf("list: %s", lr.body)
	}
}

func TestVersionDetailQuirks(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 4, Models: -1})
	v2 := string(get(t, fmt.Sprintf("%s/api/v1/model-versions/%d", s.URL, vid(FixtureQuirks, 1))).body)
	v1 := string(get(t, fmt.Sprintf("%s/api/v1/model-versions/%d", s.URL, vid(FixtureQuirks, 2))).body)
	if !strings.Contains(v2, `"scannedAt":"2025-07-02T19:16:12.81"`) || !strings.Contains(v1, `"scannedAt":"2024-09-09T10:00:00"`) {
		t.Errorf("Postgres-style scannedAt missing:\n%s\n%s", v2, v1)
	}
	bh := string(get(t, s.URL+"/api/v1/model-versions/by-hash/"+mustFile(t, s, fid(vid(FixtureQuirks, 1), 1)).SHA256()).body)
	if !strings.Contains(bh, `"scannedAt":"2025-07-02T19:16:12.810Z"`) {
		t.Errorf("by-hash scannedAt not ISO: %s", bh)
	}
	for _, want := range []string{`"air":"urn:air:pony:lora:civitai:110@11001"`, `"primary":true,"downloadUrl"`, `"model":{"name":"Fixture Quirks","type":"LORA","nsfw":false,"poi":false}`} {
		if !strings.Contains(v2, want) {
			t.Errorf("missing %s", want)
		}
	}
	// earlyAccessEndsAt/earlyAccessConfig: by-hash only, not in the §2.3
	// field list of /model-versions/{id}.
	ea := string(get(t, fmt.Sprintf("%s/api/v1/model-versions/%d", s.URL, vid(FixtureEarlyAccess, 1))).body)
	if strings.Contains(ea, `"earlyAccessEndsAt"`) || strings.Contains(ea, `"earlyAccessConfig"`) || !strings.Contains(ea, `"paidAccess":{"permanent":false,"endsAt":"20`) {
		t.Errorf("early access version: %s", ea)
	}
	if v2 := string(get(t, fmt.Sprintf("%s/api/v1/model-versions/%d", s.URL, vid(FixtureQuirks, 1))).body); strings.Contains(v2, `"earlyAccess`) {
		t.Errorf("version with early access fields: %s", v2)
	}
	eaHash := string(get(t, s.URL+"/api/v1/model-versions/by-hash/"+mustFile(t, s, fid(vid(FixtureEarlyAccess, 1), 1)).SHA256()).body)
	if !strings.Contains(eaHash, `"earlyAccessEndsAt":"20`) || !strings.Contains(eaHash, `"earlyAccessConfig":{`) {
		t.Errorf("early access by-hash: %s", eaHash)
	}
	if !strings.Contains(bh, `"earlyAccessEndsAt":null,"earlyAccessConfig":null`) {
		t.Errorf("by-hash without early access: %s", bh)
	}
	list := string(get(t, s.URL+"/api/v1/models?ids=104").body)
	if !strings.Contains(list, `"availability":"EarlyAccess"`) || !strings.Contains(list, `"earlyAccessDeadline":"`) {
		t.Errorf("early access list item: %s", list)
	}
	_ = time.Second
}

func mustFile(t *testing.T, s *Server, id int64) *FakeFile {
	t.Helper()
	f, ok := s.Catalog.File(id)
	if !ok {
		t.Fatalf("no file %d", id)
	}
	return f
}
