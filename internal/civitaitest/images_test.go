package civitaitest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// imageItem is an /images item as the tests look at it.
type imageItem struct {
	ID            int64           `json:"id"`
	NSFW          bool            `json:"nsfw"`
	NSFWLevel     string          `json:"nsfwLevel"`
	BrowsingLevel int             `json:"browsingLevel"`
	Type          string          `json:"type"`
	CreatedAt     time.Time       `json:"createdAt"`
	Username      string          `json:"username"`
	BaseModel     string          `json:"baseModel"`
	Meta          json.RawMessage `json:"meta"`
	Tags          *[]struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"tags"`
}

type imagesPage struct {
	Items    []imageItem `json:"items"`
	Metadata struct {
		NextCursor  string `json:"nextCursor"`
		NextPage    string `json:"nextPage"`
		CurrentPage int    `json:"currentPage"`
		PageSize    int    `json:"pageSize"`
	} `json:"metadata"`
}

// walkImages follows nextPage from u and returns every item.
func walkImages(t *testing.T, u string) []imageItem {
	t.Helper()
	var out []imageItem
	for i := 0; u != ""; i++ {
		if i > 200 {
			t.Fatalf("more than 200 pages from %s", u)
		}
		r := get(t, u)
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", u, r.status, r.body)
		}
		p := decode[imagesPage](t, r.body)
		out = append(out, p.Items...)
		u = p.Metadata.NextPage
	}
	return out
}

// catalogImages lists the ids of the images any browsing level may see
// that satisfy keep.
func catalogImages(s *Server, keep func(*FakeImage) bool) []int64 {
	var ids []int64
	for _, im := range s.Catalog.images {
		v := im.version
		if v.Status == "Published" && v.model.Visible() && v.model.Mode != "TakenDown" && keep(im) {
			ids = append(ids, im.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func itemIDs(items []imageItem) []int64 {
	var ids []int64
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	slices.Sort(ids)
	return ids
}

// TestImagesMetaShape checks the legacy {id, meta} wrapper of §2.6:
// useLegacyMethod = imageId ? true : !!modelId && !modelVersionId, and
// useFlat = flatMeta ?? !useLegacyMethod.
func TestImagesMetaShape(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 5, Models: 30})
	lora := FixturePublicLoRA
	oneImage := s.Catalog.Models()[0].Versions[0].Images[0].ID // a PublicLoRA image
	tests := []struct {
		name  string
		query string
		want  string // "flat", "wrapped" or "null"
	}{
		{"modelId alone is legacy", fmt.Sprintf("modelId=%d&withMeta=true", lora), "wrapped"},
		{"modelId and modelVersionId is flat", fmt.Sprintf("modelId=%d&modelVersionId=%d&withMeta=true", lora, vid(lora, 1)), "flat"},
		{"modelVersionId is flat", fmt.Sprintf("modelVersionId=%d&withMeta=true", vid(lora, 1)), "flat"},
		{"imageId is legacy", fmt.Sprintf("imageId=%d&withMeta=true", oneImage), "wrapped"},
		{"imageId with modelVersionId is still legacy", fmt.Sprintf("imageId=%d&modelVersionId=%d&withMeta=true", oneImage, vid(lora, 1)), "wrapped"},
		{"flatMeta=true overrides", fmt.Sprintf("modelId=%d&withMeta=true&flatMeta=true", lora), "flat"},
		{"flatMeta=false overrides", "withMeta=true&flatMeta=false&limit=3", "wrapped"},
		{"feed is flat", "withMeta=true&limit=3", "flat"},
		{"no withMeta is null", fmt.Sprintf("modelId=%d", lora), "null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := get(t, s.URL+"/api/v1/images?"+tt.query)
			p := decode[imagesPage](t, r.body)
			if r.status != 200 || len(p.Items) == 0 {
				t.Fatalf("%d, %d items: %s", r.status, len(p.Items), r.body)
			}
			for _, it := range p.Items {
				var m map[string]json.RawMessage
				_ = json.Unmarshal(it.Meta, &m)
				switch tt.want {
				case "null":
					if string(it.Meta) != "null" {
						t.Errorf("image %d meta %s, want null", it.ID, it.Meta)
					}
				case "flat":
					if _, ok := m["prompt"]; !ok && string(it.Meta) != "null" {
						t.Errorf("image %d meta %s, want the flat object", it.ID, it.Meta)
					}
				case "wrapped":
					want := fmt.Sprintf(`{"id":%d,"meta":`, it.ID)
					if !strings.HasPrefix(string(it.Meta), want) || len(m) != 2 {
						t.Errorf("image %d meta %s, want %s...}", it.ID, it.Meta, want)
					}
				}
			}
		})
	}
	// An image without generation data is wrapped as {"id":N,"meta":null}.
	var bare *FakeImage
	for _, im := range s.Catalog.images {
		if !im.HasMeta && im.NSFWLevel == nsfwPG && im.version.Status == "Published" && im.version.model.Visible() && im.version.model.Mode == "" {
			bare = im
			break
		}
	}
	if bare == nil {
		t.Fatal("no image without meta in the catalog")
	}
	r := get(t, fmt.Sprintf("%s/api/v1/images?imageId=%d&withMeta=true", s.URL, bare.ID))
	if want := fmt.Sprintf(`"meta":{"id":%d,"meta":null}`, bare.ID); !strings.Contains(string(r.body), want) {
		t.Errorf("bare image: %s, want %s", r.body, want)
	}
}

// TestImagesFilters checks that every §2.6 filter is applied, not only
// validated, against the catalog.
func TestImagesFilters(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 8, Models: 120})
	base := s.URL + "/api/v1/images?nsfw=X&limit=200"
	var someVideo, someTagged *FakeImage
	for _, im := range s.Catalog.images {
		if v := im.version; v.Status != "Published" || !v.model.Visible() || v.model.Mode != "" {
			continue
		}
		if im.Type == "video" && someVideo == nil {
			someVideo = im
		}
		if len(im.Tags) > 0 && someTagged == nil {
			someTagged = im
		}
	}
	if someVideo == nil || someTagged == nil {
		t.Fatal("catalog lacks videos or tagged images")
	}
	tag := someTagged.Tags[0]
	yearAgo := catalogEpoch().AddDate(-1, 0, 0)
	fixtureUser := userIDFor("fixture_creator")
	tests := []struct {
		name  string
		query string
		keep  func(*FakeImage) bool
	}{
		{"type video", "type=video", func(im *FakeImage) bool { return im.Type == "video" }},
		{"type audio", "type=audio", func(im *FakeImage) bool { return false }},
		{"baseModels", "baseModels=" + url.QueryEscape("Pony,SDXL 1.0"), func(im *FakeImage) bool {
			return im.version.BaseModel == "Pony" || im.version.BaseModel == "SDXL 1.0"
		}},
		{"period", "period=Year", func(im *FakeImage) bool { return !im.CreatedAt.Before(yearAgo) }},
		{"imageId", fmt.Sprintf("imageId=%d", someVideo.ID), func(im *FakeImage) bool { return im == someVideo }},
		{"userId", fmt.Sprintf("userId=%d", fixtureUser), func(im *FakeImage) bool { return im.Username == "fixture_creator" }},
		{"tags", fmt.Sprintf("tags=%d,999999999", tag.ID), func(im *FakeImage) bool { return slices.Contains(im.Tags, tag) }},
		{"requiringMeta", "requiringMeta=true", func(im *FakeImage) bool { return im.HasMeta }},
	}
	all := len(catalogImages(s, func(*FakeImage) bool { return true }))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := itemIDs(walkImages(t, base+"&"+tt.query))
			want := catalogImages(s, tt.keep)
			if !slices.Equal(got, want) {
				t.Errorf("%d images, want %d (of %d): got %v want %v", len(got), len(want), all, got, want)
			}
			if tt.name != "type audio" && (len(want) == 0 || len(want) == all) {
				t.Errorf("filter keeps %d of %d images: not a useful check", len(want), all)
			}
		})
	}
	t.Run("withTags", func(t *testing.T) {
		t.Parallel()
		p := decode[imagesPage](t, get(t, fmt.Sprintf("%s&imageId=%d&withTags=true", base, someTagged.ID)).body)
		if len(p.Items) != 1 || p.Items[0].Tags == nil || len(*p.Items[0].Tags) != len(someTagged.Tags) ||
			(*p.Items[0].Tags)[0].ID != tag.ID || (*p.Items[0].Tags)[0].Name != tag.Name {
			t.Errorf("withTags item: %+v", p.Items)
		}
		r := get(t, s.URL+"/api/v1/images?nsfw=X&withTags=true&limit=50")
		if strings.Count(string(r.body), `"tags":[`) != 50 {
			t.Errorf("withTags: not every item has a tags array")
		}
		if r := get(t, s.URL+"/api/v1/images?nsfw=X&limit=50"); strings.Contains(string(r.body), `"tags"`) {
			t.Errorf("tags without withTags")
		}
	})
	t.Run("invalid values are 400", func(t *testing.T) {
		t.Parallel()
		for _, q := range []string{"type=Video", "type=gif", "baseModels=Pony,Nope", "baseModels=sdxl", "tags=abc", "tags=1,x", "imageId=x", "userId=y"} {
			if r := get(t, base+"&"+q); r.status != 400 || !strings.Contains(string(r.body), `"ZodError"`) {
				t.Errorf("%s: %d %s", q, r.status, r.body)
			}
		}
	})
}

// TestImagesPageMode checks page-mode metadata (§2.6 getNextPage, sample
// images-list-1.json: nextPage is page=currentPage+1) and the page cap.
func TestImagesPageMode(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 9, Models: 60})
	r := get(t, s.URL+"/api/v1/images?limit=5&page=2&sort=Newest")
	p := decode[imagesPage](t, r.body)
	if want := s.URL + "/api/v1/images?limit=5&page=3&sort=Newest"; p.Metadata.NextPage != want {
		t.Errorf("nextPage %q, want %q", p.Metadata.NextPage, want)
	}
	if p.Metadata.CurrentPage != 2 || p.Metadata.PageSize != 5 || p.Metadata.NextCursor == "" || len(p.Items) != 5 {
		t.Errorf("metadata %+v, %d items", p.Metadata, len(p.Items))
	}
	if !strings.Contains(string(r.body), `"metadata":{"nextCursor":"`) || !strings.Contains(string(r.body), `"currentPage":2,"pageSize":5,"nextPage":"`) {
		t.Errorf("metadata key order: %s", r.body[strings.Index(string(r.body), `"metadata"`):])
	}
	// Walking the pages gives the same images as walking the cursor.
	byPage := walkImages(t, s.URL+"/api/v1/images?limit=100&page=1&sort=Newest")
	byCursor := walkImages(t, s.URL+"/api/v1/images?limit=100&sort=Newest")
	if len(byPage) == 0 || !slices.Equal(itemIDs(byPage), itemIDs(byCursor)) {
		t.Errorf("page walk %d images, cursor walk %d", len(byPage), len(byCursor))
	}
	// Cursor mode keeps cursor= in nextPage.
	c := decode[imagesPage](t, get(t, s.URL+"/api/v1/images?limit=5").body)
	if !strings.Contains(c.Metadata.NextPage, "cursor="+url.QueryEscape(c.Metadata.NextCursor)) || c.Metadata.CurrentPage != 0 {
		t.Errorf("cursor metadata %+v", c.Metadata)
	}
	if r := get(t, s.URL+"/api/v1/images?limit=100&page=11"); r.status != 429 {
		t.Errorf("page 11 x 100: %d", r.status)
	}
	if r := get(t, s.URL+"/api/v1/images?limit=100&page=10"); r.status != 200 {
		t.Errorf("page 10 x 100: %d", r.status)
	}
}

// TestImagesNSFWFlag checks nsfw = nsfwLevel !== "None" (§2.6).
func TestImagesNSFWFlag(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 10, Models: 60})
	levels := map[string]int{}
	for _, it := range walkImages(t, s.URL+"/api/v1/images?nsfw=X&limit=200") {
		levels[it.NSFWLevel]++
		if it.NSFW != (it.NSFWLevel != "None") {
			t.Errorf("image %d: nsfw %v with nsfwLevel %s", it.ID, it.NSFW, it.NSFWLevel)
		}
	}
	if levels["Soft"] == 0 || levels["None"] == 0 {
		t.Errorf("levels seen: %v", levels)
	}
}
