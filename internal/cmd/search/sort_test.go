package search

import (
	"strings"
	"testing"
	"time"

	"github.com/civit/civit/internal/api"
)

func TestSortModels(t *testing.T) {
	t.Parallel()
	n := func(v int64) *int64 { return &v }
	day := func(d int) api.Time { return api.Time{Time: time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC)} }
	models := func() []*api.Model {
		return []*api.Model{
			{ID: 1, Stats: api.Stats{DownloadCount: n(10), ThumbsUpCount: n(9), ThumbsDownCount: n(8), CommentCount: n(1)},
				ModelVersions: []*api.ModelVersion{{PublishedAt: day(3)}, {PublishedAt: day(1)}}},
			{ID: 2, Stats: api.Stats{DownloadCount: nil, ThumbsUpCount: n(5), CommentCount: n(7)},
				ModelVersions: []*api.ModelVersion{{CreatedAt: day(9)}}}, // no publishedAt (old shape)
			{ID: 3, Stats: api.Stats{DownloadCount: n(30), ThumbsUpCount: n(2)},
				ModelVersions: []*api.ModelVersion{{PublishedAt: day(5)}}},
			{ID: 4, Stats: api.Stats{DownloadCount: n(10)}}, // undated, ties with 1 on downloads
		}
	}
	tests := []struct {
		sort string
		want string
	}{
		{"Most Downloaded", "3,1,4,2"}, // hidden count last; ties keep relevance order
		{"Most Liked", "1,2,3,4"},
		{"Most Discussed", "2,1,3,4"},
		{"Highest Rated", "2,3,1,4"}, // likes minus dislikes: 5, 2, 1, -1
		{"Newest", "2,3,1,4"},
		{"Oldest", "1,3,2,4"}, // by the newest version, undated last
		{"Most Collected", "1,2,3,4"},
	}
	for _, tt := range tests {
		ms := models()
		sortModels(ms, tt.sort)
		var ids []string
		for _, m := range ms {
			ids = append(ids, string(rune('0'+m.ID)))
		}
		if got := strings.Join(ids, ","); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.sort, got, tt.want)
		}
	}
}
