package civitaitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestByHashAllKinds(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 2 << 20, Seed: 6, Models: 20})
	f := mustFile(t, s, fid(vid(FixturePublicLoRA, 1), 1))
	h := f.Hashes()
	if h.AutoV3 == "" {
		t.Fatal("safetensors file without AutoV3")
	}
	tests := []struct{ name, hash string }{
		{"SHA256", h.SHA256},
		{"SHA256 lower-case", strings.ToLower(h.SHA256)},
		{"AutoV2", h.AutoV2},
		{"AutoV3", h.AutoV3},
		{"CRC32", h.CRC32},
		{"BLAKE3", strings.ToLower(h.BLAKE3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := get(t, s.URL+"/api/v1/model-versions/by-hash/"+tt.hash)
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if got := decode[struct{ ID int64 }](t, r.body).ID; got != f.VersionID {
				t.Errorf("version %d, want %d", got, f.VersionID)
			}
			if cc := r.header.Get("Cache-Control"); cc != hashCache {
				t.Errorf("Cache-Control %q", cc)
			}
		})
	}
	// AutoV1 of a small file is the hash of nothing, shared by many files:
	// the earliest published version wins (§2.4).
	t.Run("AutoV1", func(t *testing.T) {
		t.Parallel()
		big := mustFile(t, s, fid(vid(FixtureBig, 1), 1))
		r := get(t, s.URL+"/api/v1/model-versions/by-hash/"+big.Hashes().AutoV1)
		if got := decode[struct{ ID int64 }](t, r.body).ID; r.status != 200 || got != big.VersionID {
			t.Errorf("AutoV1 of the big file: %d version %d", r.status, got)
		}
	})
	misses := []struct{ name, hash string }{
		{"unknown", strings.Repeat("AB", 32)},
		{"wrong-hash file's real hash", mustFile(t, s, fid(vid(FixtureWrongHash, 1), 1)).SHA256()},
		{"deleted model", mustFile(t, s, fid(vid(FixtureDeleted, 1), 1)).SHA256()},
		// Upper-cased then matched exactly (§2.4): surrounding spaces miss.
		{"leading space", "%20" + h.SHA256},
		{"trailing space", h.SHA256 + "%20"},
		{"trailing tab", h.AutoV2 + "%09"},
	}
	for _, tt := range misses {
		if r := get(t, s.URL+"/api/v1/model-versions/by-hash/"+tt.hash); r.status != 404 || string(r.body) != `{"error":"Model not found"}` {
			t.Errorf("%s: %d %s", tt.name, r.status, r.body)
		}
	}
	if r := get(t, s.URL+"/api/v1/model-versions/by-hash/"+mustFile(t, s, fid(vid(FixtureWrongHash, 1), 1)).PublishedHashes()["SHA256"]); r.status != 200 {
		t.Errorf("wrong-hash file by its published hash: %d", r.status)
	}
}

func TestByHashBulk(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 6, Models: 5})
	a := mustFile(t, s, fid(vid(FixturePublicLoRA, 1), 1)).SHA256()
	b := strings.ToLower(mustFile(t, s, fid(vid(FixtureCheckpoint, 2), 1)).SHA256())
	// A BLAKE3 is 64 hex digits too, but the bulk call matches SHA-256s.
	b3 := mustFile(t, s, fid(vid(FixtureCheckpoint, 1), 1)).BLAKE3()
	body, _ := json.Marshal([]string{a, strings.Repeat("0", 64), b, b3})
	r := call(t, "POST", s.URL+"/api/v1/model-versions/by-hash", body, "Content-Type: application/json")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var got []int64
	for _, v := range decode[[]struct{ ID int64 }](t, r.body) {
		got = append(got, v.ID)
	}
	if diff := cmp.Diff([]int64{vid(FixturePublicLoRA, 1), vid(FixtureCheckpoint, 2)}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	r = call(t, "POST", s.URL+"/api/v1/model-versions/by-hash/ids", body)
	if r.status != 200 || !bytes.Contains(r.body, []byte(fmt.Sprintf(`{"modelVersionId":%d,"hash":"%s"}`, vid(FixturePublicLoRA, 1), a))) {
		t.Errorf("ids: %d %s", r.status, r.body)
	}
	many := make([]string, 101)
	for i := range many {
		many[i] = strings.Repeat("a", 64)
	}
	tooMany, _ := json.Marshal(many)
	bad := []struct {
		name string
		body []byte
	}{
		{"over 100", tooMany},
		{"not an array", []byte(`{"hashes":[]}`)},
		{"not json", []byte(`nope`)},
		{"short hash", []byte(`["ABCDEF0123"]`)},
	}
	for _, tt := range bad {
		if r := call(t, "POST", s.URL+"/api/v1/model-versions/by-hash", tt.body); r.status != 400 || !bytes.Contains(r.body, []byte(`"error"`)) {
			t.Errorf("%s: %d %s", tt.name, r.status, r.body)
		}
	}
	if r := get(t, s.URL+"/api/v1/model-versions/by-hash"); r.status != 405 {
		t.Errorf("GET bulk: %d", r.status)
	}
}

func TestImagesTagsCreatorsEnums(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 6, Models: 40})
	t.Run("images default", func(t *testing.T) {
		t.Parallel()
		type img struct {
			ID            int64
			NSFWLevel     string `json:"nsfwLevel"`
			BrowsingLevel int    `json:"browsingLevel"`
			Meta          json.RawMessage
		}
		type page struct {
			Items    []img
			Metadata struct{ NextCursor, NextPage string }
		}
		p := decode[page](t, get(t, s.URL+"/api/v1/images?limit=20").body)
		if len(p.Items) != 20 || p.Metadata.NextCursor == "" {
			t.Fatalf("%d items, cursor %q", len(p.Items), p.Metadata.NextCursor)
		}
		for _, it := range p.Items {
			if it.NSFWLevel != "None" || string(it.Meta) != "null" {
				t.Errorf("default image %+v", it)
			}
		}
		// Walk all PG images with the cursor and compare with the catalog.
		seen := map[int64]bool{}
		u := s.URL + "/api/v1/images?limit=50"
		for i := 0; u != "" && i < 100; i++ {
			p := decode[page](t, get(t, u).body)
			for _, it := range p.Items {
				if seen[it.ID] {
					t.Fatalf("image %d twice", it.ID)
				}
				seen[it.ID] = true
			}
			u = p.Metadata.NextPage
		}
		want := 0
		for _, im := range s.Catalog.images {
			if im.version.Status == "Published" && im.version.model.Visible() && im.version.model.Mode != "TakenDown" && im.NSFWLevel == nsfwPG {
				want++
			}
		}
		if len(seen) != want {
			t.Errorf("walked %d images, want %d", len(seen), want)
		}
	})
	t.Run("images filters", func(t *testing.T) {
		t.Parallel()
		r := get(t, fmt.Sprintf("%s/api/v1/images?modelVersionId=%d&withMeta=true&nsfw=X", s.URL, vid(FixtureMatureOnly, 1)))
		type img struct {
			NSFWLevel       string `json:"nsfwLevel"`
			Meta            map[string]any
			ModelVersionIDs []int64 `json:"modelVersionIds"`
		}
		items := decode[struct{ Items []img }](t, r.body).Items
		if len(items) != 3 {
			t.Fatalf("%d items: %s", len(items), r.body)
		}
		for _, it := range items {
			if it.Meta["prompt"] == nil || it.ModelVersionIDs[0] != vid(FixtureMatureOnly, 1) || it.NSFWLevel == "None" {
				t.Errorf("item %+v", it)
			}
		}
		if r := get(t, s.URL+"/api/v1/images?limit=201"); r.status != 400 {
			t.Errorf("limit 201: %d", r.status)
		}
		if r := get(t, s.URL+"/api/v1/images?limit=200&page=6"); r.status != 429 {
			t.Errorf("page cap: %d", r.status)
		}
		if r := get(t, s.URL+"/api/v1/images?sort=Best"); r.status != 400 {
			t.Errorf("bad sort: %d", r.status)
		}
	})
	type paged struct {
		Items    []map[string]any
		Metadata struct {
			TotalItems, CurrentPage, PageSize, TotalPages int
			NextPage, PrevPage                            string
		}
	}
	t.Run("tags", func(t *testing.T) {
		t.Parallel()
		p := decode[paged](t, get(t, s.URL+"/api/v1/tags?limit=3&page=2").body)
		m := p.Metadata
		if len(p.Items) != 3 || m.CurrentPage != 2 || m.PageSize != 3 || m.TotalItems != 0 || m.TotalPages != 0 ||
			m.NextPage != s.URL+"/api/v1/tags?limit=3&page=3" || m.PrevPage != s.URL+"/api/v1/tags?limit=3&page=1" {
			t.Errorf("%+v", p)
		}
		p = decode[paged](t, get(t, s.URL+"/api/v1/tags?query=fixture").body)
		if len(p.Items) != 1 || p.Items[0]["name"] != "fixture" || p.Metadata.NextPage != "" {
			t.Errorf("query: %+v", p)
		}
	})
	t.Run("creators", func(t *testing.T) {
		t.Parallel()
		p := decode[paged](t, get(t, s.URL+"/api/v1/creators?query=fixture").body)
		if len(p.Items) != 1 || p.Items[0]["username"] != "fixture_creator" || p.Items[0]["modelCount"].(float64) < 10 {
			t.Errorf("%+v", p)
		}
		// Creators report their totals (§2.7); only tags may say 0 (§2.8).
		p = decode[paged](t, get(t, s.URL+"/api/v1/creators?limit=2").body)
		if n := len(s.Catalog.creators); p.Metadata.TotalItems != n || p.Metadata.TotalPages != (n+1)/2 || p.Metadata.NextPage == "" {
			t.Errorf("%+v, want %d items", p.Metadata, n)
		}
	})
	// §2.7/§2.8: limit is 1..200 (0 is a 400, not the default); the tags'
	// totals are 0 unless CountPageTotals, and nextPage walks every item.
	counted := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 6, Models: 40, CountPageTotals: true})
	for _, ep := range []struct {
		path string
		want int
	}{{"/api/v1/tags", len(s.Catalog.tags)}, {"/api/v1/creators", len(s.Catalog.creators)}} {
		t.Run(ep.path, func(t *testing.T) {
			t.Parallel()
			for _, q := range []string{"limit=0", "limit=201", "limit=-1", "limit=x", "page=0"} {
				if r := get(t, s.URL+ep.path+"?"+q); r.status != 400 || !strings.Contains(string(r.body), `"ZodError"`) {
					t.Errorf("%s: %d %s", q, r.status, r.body)
				}
			}
			seen := 0
			for u, i := s.URL+ep.path+"?limit=7", 0; u != ""; i++ {
				p := decode[paged](t, get(t, u).body)
				zero := ep.path == "/api/v1/tags"
				if zero && (p.Metadata.TotalItems != 0 || p.Metadata.TotalPages != 0) || !zero && p.Metadata.TotalItems != ep.want || i > 100 {
					t.Fatalf("page %d: %+v", i, p.Metadata)
				}
				seen += len(p.Items)
				u = p.Metadata.NextPage
			}
			if seen != ep.want {
				t.Errorf("walked %d items by nextPage, want %d", seen, ep.want)
			}
			p := decode[paged](t, get(t, counted.URL+ep.path+"?limit=7&page=2").body)
			if m := p.Metadata; m.TotalItems != ep.want || m.TotalPages != (ep.want+6)/7 || m.PrevPage == "" {
				t.Errorf("CountPageTotals: %+v", m)
			}
		})
	}
	t.Run("enums", func(t *testing.T) {
		t.Parallel()
		e := decode[map[string][]string](t, get(t, s.URL+"/api/v1/enums").body)
		if len(e["ModelType"]) != len(modelTypes) || len(e["BaseModel"]) != 99 || !contains(e["ModelFileType"], "Training Data") {
			t.Errorf("%v", e)
		}
	})
}

func TestHTMLPagesAndRedirects(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 1, Models: -1})
	tests := []struct {
		path     string
		status   int
		ctype    string
		location string
	}{
		{"/api/v1/models-versions/by-hash/abc", 404, htmlContentType, ""},
		{"/api/v2/models", 404, htmlContentType, ""},
		{"/api/v1/models/101/extra", 404, htmlContentType, ""},
		{"/api/v1/models/?limit=1", 308, "", "/api/v1/models?limit=1"},
		{"/login?returnUrl=/model-versions/10301&reason=download-auth", 200, htmlContentType, ""},
	}
	for _, tt := range tests {
		r := get(t, s.URL+tt.path)
		if r.status != tt.status || r.header.Get("Content-Type") != tt.ctype || r.header.Get("Location") != tt.location {
			t.Errorf("%s: %d %q %q", tt.path, r.status, r.header.Get("Content-Type"), r.header.Get("Location"))
		}
	}
	if r := get(t, s.URL+"/api/nope"); !bytes.Contains(r.body, []byte("This page could not be found")) {
		t.Errorf("404 page: %s", r.body)
	}
}

func TestMini(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 1, Models: -1})
	r := get(t, fmt.Sprintf("%s/api/v1/model-versions/mini/%d", s.URL, vid(FixtureAuthRequired, 1)))
	m := decode[map[string]any](t, r.body)
	if r.status != 200 || m["requireAuth"] != true || m["fileName"] != "fixture_auth_required.safetensors" {
		t.Errorf("%d %v", r.status, m)
	}
}

// A hidden model (§2.2: CivitAI hides new and just-edited models for a
// while) is 404 on /models/{id} and /model-versions/{id} and left out of
// lists, while by-hash and the download endpoint still serve it.
func TestHideModel(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 6, Models: 5})
	sha := mustFile(t, s, fid(vid(FixturePublicLoRA, 1), 1)).SHA256()
	if err := s.HideModel(FixturePublicLoRA, true); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path   string
		status int
		body   string
	}{
		{"/api/v1/models/101", 404, `{"error":"No model with id 101"}`},
		{"/api/v1/model-versions/10101", 404, `{"error":"Model not found"}`},
		{"/api/v1/models?ids=101", 200, `"items":[]`},
		{"/api/v1/model-versions/by-hash/" + sha, 200, `"modelId":101`},
	} {
		r := get(t, s.URL+tt.path)
		if r.status != tt.status || !bytes.Contains(r.body, []byte(tt.body)) {
			t.Errorf("%s: %d %s; want %d with %s", tt.path, r.status, r.body, tt.status, tt.body)
		}
	}
	resp, err := noRedirect().Get(s.URL + "/api/download/models/10101")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("download: %d, want 307", resp.StatusCode)
	}
	if err := s.HideModel(FixturePublicLoRA, false); err != nil {
		t.Fatal(err)
	}
	if r := get(t, s.URL+"/api/v1/models/101"); r.status != 200 {
		t.Errorf("shown again: %d", r.status)
	}
}
