package search

import (
	"math"
	"slices"
	"time"

	"github.com/civit/civit/internal/api"
)

// sortable reports whether civit can order models by sort itself, from the
// fields every result carries. With a query CivitAI orders by relevance and
// ignores sort (civitai-api.md §2.1), so this is the only way to honour it.
func sortable(sort string) bool {
	switch sort {
	case "Highest Rated", "Most Downloaded", "Most Liked", "Most Discussed", "Newest", "Oldest":
		return true
	}
	return false
}

// sortModels orders models by sort, best first, as the server would
// without a query: counts descending (a hidden count last), Newest and
// Oldest by the newest version's publication. Ties keep their order (the
// search relevance). Orders sortable rejects leave models unchanged.
func sortModels(models []*api.Model, sort string) {
	if !sortable(sort) {
		return
	}
	key := func(m *api.Model) []int64 {
		st := m.Stats
		switch sort {
		case "Most Downloaded":
			return []int64{count(st.DownloadCount)}
		case "Most Liked":
			return []int64{count(st.ThumbsUpCount)}
		case "Most Discussed":
			return []int64{count(st.CommentCount)}
		case "Newest", "Oldest":
			t := latest(m)
			if t.IsZero() {
				return []int64{math.MinInt64} // undated last either way
			}
			if sort == "Oldest" {
				return []int64{-t.UnixMilli()}
			}
			return []int64{t.UnixMilli()}
		}
		// Highest Rated: likes minus dislikes, then downloads.
		return []int64{count(st.ThumbsUpCount) - max(count(st.ThumbsDownCount), 0), count(st.DownloadCount)}
	}
	keys := make(map[*api.Model][]int64, len(models))
	for _, m := range models {
		keys[m] = key(m)
	}
	slices.SortStableFunc(models, func(a, b *api.Model) int {
		// Descending.
		return slices.Compare(keys[b], keys[a])
	})
}

// count is a counter, or -1 when the server hid it (null).
func count(n *int64) int64 {
	if n == nil {
		return -1
	}
	return *n
}

// latest is when the newest version was published (created, for shapes
// without publishedAt).
func latest(m *api.Model) time.Time {
	var t time.Time
	for _, v := range m.ModelVersions {
		p := v.PublishedAt.Time
		if p.IsZero() {
			p = v.CreatedAt.Time
		}
		if p.After(t) {
			t = p
		}
	}
	return t
}
