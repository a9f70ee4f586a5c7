package civitaitest

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestImagesNSFWUnion checks /images nsfw, z.union([z.enum(None|Soft|
// Mature|X|Blocked), booleanString()]) with its transform (§2.6): a value
// that is no enum value is booleanString, so only "true" selects the NSFW
// levels (nsfwBrowsingLevelsFlag) and any other string is false, which
// means the PG default, never a 400. Only a repeated key fails the union.
func TestImagesNSFWUnion(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 10, Models: 40})
	levels := func(flag int) []int64 {
		return catalogImages(s, func(im *FakeImage) bool { return im.NSFWLevel&flag != 0 })
	}
	pg := levels(nsfwPG)
	tests := []struct {
		name, query string
		want        []int64 // nil: a 400 whose body contains issue
		issue       string
	}{
		{name: "absent", query: "", want: pg},
		{name: "None", query: "nsfw=None", want: pg},
		{name: "Soft", query: "nsfw=Soft", want: levels(nsfwPG | nsfwPG13)},
		{name: "X", query: "nsfw=X", want: levels(browsingAll)},
		{name: "true is the NSFW levels", query: "nsfw=true", want: levels(nsfwBrowsingFlag)},
		{name: "1 is false", query: "nsfw=1", want: pg},
		{name: "false", query: "nsfw=false", want: pg},
		{name: "TRUE is false", query: "nsfw=TRUE", want: pg},
		{name: "lower-case enum is false", query: "nsfw=mature", want: pg},
		{name: "unknown is false", query: "nsfw=abc", want: pg},
		{name: "empty", query: "nsfw=", want: pg},
		{name: "browsingLevel wins", query: "nsfw=abc&browsingLevel=4", want: levels(nsfwR)},
		{name: "repeated", query: "nsfw=X&nsfw=X", issue: `"code":"invalid_union"`},
		{name: "repeated with browsingLevel", query: "nsfw=true&nsfw=true&browsingLevel=1", issue: `"path":["nsfw"],"message":"Invalid input"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := s.URL + "/api/v1/images?limit=200&" + tt.query
			if tt.want == nil {
				r := get(t, u)
				if r.status != 400 || !strings.Contains(string(r.body), tt.issue) {
					t.Fatalf("%d %s, want 400 with %s", r.status, r.body, tt.issue)
				}
				return
			}
			if len(tt.want) == 0 {
				t.Fatalf("catalog has no images for %s", tt.query)
			}
			got := itemIDs(walkImages(t, u))
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s: %d images, want %d", url.QueryEscape(tt.query), len(got), len(tt.want))
			}
		})
	}
}
