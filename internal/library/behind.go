package library

import (
	"context"
	"path/filepath"
	"slices"
	"strings"

	"github.com/civit/civit/internal/store"
)

// Lines groups one model's files by base model (one group with anyBase).
func Lines(rows []*store.File, anyBase bool) [][]*store.File {
	if anyBase {
		return [][]*store.File{rows}
	}
	var keys []string
	by := map[string][]*store.File{}
	for _, r := range rows {
		k := strings.ToLower(r.BaseModel)
		if by[k] == nil {
			keys = append(keys, k)
		}
		by[k] = append(by[k], r)
	}
	out := make([][]*store.File, 0, len(keys))
	for _, k := range keys {
		out = append(out, by[k])
	}
	return out
}

// VersionOrder returns whether version a of model id is newer than b: by
// the version list kept in the library (newest first), then by id.
func VersionOrder(ctx context.Context, st *store.Store, id int64) func(a, b int64) bool {
	rank := map[int64]int{}
	if mv, err := st.GetModelVersions(ctx, id); err == nil {
		for i, v := range mv.Versions {
			rank[v.ID] = len(mv.Versions) - i
		}
	}
	return func(a, b int64) bool {
		return rank[a] > rank[b] || (rank[a] == rank[b] && a > b)
	}
}

// DirNewest returns, for each folder of rows (one model's files), the newest
// version it holds.
func DirNewest(rows []*store.File, newer func(a, b int64) bool) map[string]int64 {
	out := map[string]int64{}
	for _, r := range rows {
		d := filepath.Dir(r.Path)
		if v, ok := out[d]; !ok || newer(r.VersionID, v) {
			out[d] = r.VersionID
		}
	}
	return out
}

// BehindModels returns the models of the library, other than those in
// skip, that have a folder holding only versions older than the newest on
// disk: an update cut short (Ctrl-C, a failed download) or a model updated
// in one UI and not in another. `update --all` brings them up to date as
// a named model is. Files kept beside their replacement
// (--keep-old) do not count, and no request is sent to find them.
func BehindModels(ctx context.Context, st *store.Store, skip map[int64]bool, types []string, anyBase bool) ([]int64, error) {
	rows, err := st.List(ctx, store.Filter{State: store.StateIdentified})
	if err != nil {
		return nil, err
	}
	byModel := map[int64][]*store.File{}
	var ids []int64
	for _, r := range rows {
		if r.ModelID == 0 || r.VersionID == 0 || skip[r.ModelID] || !OnDisk(r.Path) ||
			(len(types) > 0 && !slices.ContainsFunc(types, func(t string) bool { return strings.EqualFold(t, r.ModelType) })) {
			continue
		}
		if byModel[r.ModelID] == nil {
			ids = append(ids, r.ModelID)
		}
		byModel[r.ModelID] = append(byModel[r.ModelID], r)
	}
	var out []int64
	for _, id := range ids {
		newer := VersionOrder(ctx, st, id)
		for _, files := range Lines(byModel[id], anyBase) {
			if behind(files, newer) {
				out = append(out, id)
				break
			}
		}
	}
	return out, nil
}

// behind reports whether a folder of files (one model's, for one base
// model) holds only versions older than the newest among them.
func behind(files []*store.File, newer func(a, b int64) bool) bool {
	newest := files[0].VersionID
	for _, f := range files[1:] {
		if newer(f.VersionID, newest) {
			newest = f.VersionID
		}
	}
	for _, v := range DirNewest(files, newer) {
		if v != newest {
			return true
		}
	}
	return false
}
