package civitaitest

import (
	"encoding/json"
	"fmt"
	"testing"
)

// jsonAt walks body along keys (string) and indexes (int).
func jsonAt(t *testing.T, body []byte, path ...any) json.RawMessage {
	t.Helper()
	cur := json.RawMessage(body)
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m := decode[map[string]json.RawMessage](t, cur)
			v, ok := m[k]
			if !ok {
				t.Fatalf("no key %q in %.300s", k, cur)
			}
			cur = v
		case int:
			a := decode[[]json.RawMessage](t, cur)
			if k >= len(a) {
				t.Fatalf("no index %d in %.300s", k, cur)
			}
			cur = a[k]
		}
	}
	return cur
}

// TestFileMetadataAndStatsByEndpoint checks each endpoint against its own
// sample: the list (models-list-2) and the version views
// (tool-civitai-info-1, §2.3) send file metadata with "size":null and
// "fp":null, /models/{id} (model-single-2, §2.2) drops the empties;
// by-hash (a Prisma select, §2.4) keeps the rating and thumbs-down counts
// in stats that /model-versions/{id} no longer sends (§2.3 HEAD).
func TestFileMetadataAndStatsByEndpoint(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 6, Models: -1})
	v := vid(FixturePublicLoRA, 1)
	f := mustFile(t, s, fid(v, 1))
	if f.Format != "SafeTensor" || f.SizeKind != "" || f.FP != "" {
		t.Fatalf("fixture file metadata changed: %q %q %q", f.Format, f.SizeKind, f.FP)
	}
	withNulls := `{"format":"SafeTensor","size":null,"fp":null}`
	hash := "/api/v1/model-versions/by-hash/" + f.PublishedHashes()["SHA256"]
	version := fmt.Sprintf("/api/v1/model-versions/%d", v)
	tests := []struct {
		name, path string
		at         []any
		want       string
	}{
		{"list metadata", "/api/v1/models?ids=101", []any{"items", 0, "modelVersions", 0, "files", 0, "metadata"}, withNulls},
		{"model metadata", "/api/v1/models/101", []any{"modelVersions", 0, "files", 0, "metadata"}, `{"format":"SafeTensor"}`},
		{"version metadata", version, []any{"files", 0, "metadata"}, withNulls},
		{"by-hash metadata", hash, []any{"files", 0, "metadata"}, withNulls},
		{"version stats", version, []any{"stats"}, fmt.Sprintf(`{"downloadCount":%d,"thumbsUpCount":%d}`,
			*f.version.Stats.DownloadCount, f.version.Stats.ThumbsUpCount)},
		{"by-hash stats", hash, []any{"stats"}, fmt.Sprintf(`{"downloadCount":%d,"ratingCount":%d,"rating":%v,"thumbsUpCount":%d,"thumbsDownCount":%d}`,
			*f.version.Stats.DownloadCount, f.version.Stats.RatingCount, f.version.Stats.Rating, f.version.Stats.ThumbsUpCount, f.version.Stats.ThumbsDownCount)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := get(t, s.URL+tt.path)
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if got := string(jsonAt(t, r.body, tt.at...)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
