package civitaitest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// probes reduce a 200 body to the one fact a boolean parameter decides.
var (
	listsMatureOnly = func(t *testing.T, b []byte) string {
		for _, id := range decode[listResp](t, b).ids() {
			if id == FixtureMatureOnly {
				return "listed"
			}
		}
		return "hidden"
	}
	filesPerVersion = func(t *testing.T, b []byte) string {
		for _, it := range decode[listResp](t, b).Items {
			for _, v := range it.ModelVersions {
				if len(v.Files) > 1 {
					return "all files"
				}
			}
		}
		return "primary only"
	}
	imagesMeta = func(t *testing.T, b []byte) string {
		p := decode[imagesPage](t, b)
		nulls, wrapped := 0, 0
		for _, it := range p.Items {
			switch s := string(it.Meta); {
			case s == "null":
				nulls++
			case strings.HasPrefix(s, fmt.Sprintf(`{"id":%d,"meta":`, it.ID)):
				wrapped++
			}
		}
		switch {
		case len(p.Items) == 0:
			return "no items"
		case nulls == len(p.Items):
			return "no meta"
		case wrapped > 0:
			return "wrapped meta"
		case nulls > 0:
			return "some meta"
		}
		return "all meta"
	}
	imagesTags = func(t *testing.T, b []byte) string {
		for _, it := range decode[imagesPage](t, b).Items {
			if it.Tags != nil {
				return "tags"
			}
		}
		return "no tags"
	}
)

// TestBooleanStringParams checks booleanString() [S-zod] on /models and
// /images: only the exact string "true" is true; "1", "TRUE", "yes" are
// false; a repeated key is an array, which becomes undefined and fails
// z.boolean() with a "Required" issue (§2.1, §2.6).
func TestBooleanStringParams(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 5, Models: 30})
	required := func(key string) string {
		return `{"code":"invalid_type","expected":"boolean","received":"undefined","path":["` + key + `"],"message":"Required"}`
	}
	tests := []struct {
		name, query string
		probe       func(*testing.T, []byte) string
		want        string // probe result, or the issue of a 400
	}{
		{"models nsfw true", "/api/v1/models?ids=112&nsfw=true", listsMatureOnly, "listed"},
		{"models nsfw 1", "/api/v1/models?ids=112&nsfw=1", listsMatureOnly, "hidden"},
		{"models nsfw TRUE", "/api/v1/models?ids=112&nsfw=TRUE", listsMatureOnly, "hidden"},
		{"models nsfw yes", "/api/v1/models?ids=112&nsfw=yes", listsMatureOnly, "hidden"},
		{"models nsfw empty", "/api/v1/models?ids=112&nsfw=", listsMatureOnly, "hidden"},
		{"models nsfw repeated", "/api/v1/models?nsfw=true&nsfw=true", nil, required("nsfw")},
		{"models primaryFileOnly true", "/api/v1/models?ids=102&primaryFileOnly=true", filesPerVersion, "primary only"},
		{"models primaryFileOnly 1", "/api/v1/models?ids=102&primaryFileOnly=1", filesPerVersion, "all files"},
		{"models primaryFileOnly repeated", "/api/v1/models?primaryFileOnly=true&primaryFileOnly=false", nil, required("primaryFileOnly")},
		{"images withMeta true", "/api/v1/images?limit=20&withMeta=true", imagesMeta, "some meta"},
		{"images withMeta 1", "/api/v1/images?limit=20&withMeta=1", imagesMeta, "no meta"},
		{"images withMeta repeated", "/api/v1/images?withMeta=true&withMeta=true", nil, required("withMeta")},
		{"images requiringMeta true", "/api/v1/images?limit=20&withMeta=true&requiringMeta=true", imagesMeta, "all meta"},
		{"images requiringMeta 1", "/api/v1/images?limit=20&withMeta=true&requiringMeta=1", imagesMeta, "some meta"},
		{"images requiringMeta repeated", "/api/v1/images?requiringMeta=true&requiringMeta=true", nil, required("requiringMeta")},
		{"images flatMeta true", "/api/v1/images?limit=20&withMeta=true&flatMeta=true", imagesMeta, "some meta"},
		{"images flatMeta 1 is false", "/api/v1/images?limit=20&withMeta=true&flatMeta=1", imagesMeta, "wrapped meta"},
		{"images flatMeta repeated", "/api/v1/images?flatMeta=true&flatMeta=true", nil, required("flatMeta")},
		{"images withTags true", "/api/v1/images?limit=20&withTags=true", imagesTags, "tags"},
		{"images withTags 1", "/api/v1/images?limit=20&withTags=1", imagesTags, "no tags"},
		{"images withTags repeated", "/api/v1/images?withTags=true&withTags=1", nil, required("withTags")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := get(t, s.URL+tt.query)
			if tt.probe == nil {
				if r.status != 400 || !strings.Contains(string(r.body), tt.want) {
					t.Fatalf("%d %s, want 400 with %s", r.status, r.body, tt.want)
				}
				var e struct{ Error struct{ Name string } }
				if json.Unmarshal(r.body, &e) != nil || e.Error.Name != "ZodError" {
					t.Errorf("not a ZodError body: %s", r.body)
				}
				return
			}
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if got := tt.probe(t, r.body); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
