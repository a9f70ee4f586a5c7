package library

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/store"
)

// FileRef describes a file of a version on CivitAI.
type FileRef struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Format string `json:"format,omitempty"`
	FP     string `json:"fp,omitempty"`
	// Size is "full" or "pruned" (the API's metadata.size), not bytes:
	// "sizeType" in JSON, where "size" is bytes everywhere else.
	Size      string `json:"sizeType,omitempty"`
	QuantType string `json:"quantType,omitempty"`
	SHA256    string `json:"sha256,omitempty"`
}

// RefOf describes f (nil for nil).
func RefOf(f *api.File) *FileRef {
	if f == nil {
		return nil
	}
	return &FileRef{ID: f.ID, Name: f.Name, Type: f.Type, Format: f.Metadata.Format, FP: f.Metadata.FP,
		Size: f.Metadata.Size, QuantType: f.Metadata.QuantType, SHA256: strings.ToUpper(f.Hashes.SHA256())}
}

// FileUpdate is a file on disk of a model's current version and the file
// of the latest version that replaces it.
type FileUpdate struct {
	Path string `json:"path"`
	// Old is the file of the current version it is; nil when it is none
	// of the files CivitAI lists for that version.
	Old *FileRef `json:"old"`
	// New is the file of the latest version that replaces it; nil when
	// there is none (the file is then neither updated nor removed, and
	// Note says why).
	New  *FileRef `json:"new"`
	Note string   `json:"note,omitempty"`
}

// PlanFiles matches each file on disk of the current version (rows, all of
// version cur) with the file of latest that replaces it (see MatchFile). cur
// may be nil when CivitAI no longer has that version.
func PlanFiles(rows []*store.File, cur, latest *api.ModelVersion) []*FileUpdate {
	out := make([]*FileUpdate, 0, len(rows))
	for _, r := range rows {
		fu := &FileUpdate{Path: r.Path}
		out = append(out, fu)
		var old *api.File
		if cur != nil {
			old = IdentifyFile(r, cur.Files)
		}
		if old == nil {
			what := "the current version"
			if cur != nil {
				what = cur.Name
			}
			fu.Note = fmt.Sprintf("it is none of the files CivitAI lists for %s, so civit cannot tell which file of %s replaces it", what, latest.Name)
			continue
		}
		fu.Old = RefOf(old)
		if n := MatchFile(old, latest.Files); n != nil {
			fu.New = RefOf(n)
			continue
		}
		fu.Note = NoMatchNote(old, latest.Name)
	}
	return out
}

// IdentifyFile returns the file among files (a version's) that the library
// row f is: by file id, then by SHA-256, then by name when only one file
// has it; nil when none.
func IdentifyFile(f *store.File, files []*api.File) *api.File {
	if f.FileID != 0 {
		for _, c := range files {
			if c.ID == f.FileID {
				return c
			}
		}
	}
	if f.SHA256 != "" {
		for _, c := range files {
			if strings.EqualFold(c.Hashes.SHA256(), f.SHA256) {
				return c
			}
		}
	}
	var byName *api.File
	for _, name := range []string{f.FileName, filepath.Base(f.Path)} {
		if name == "" {
			continue
		}
		n := 0
		for _, c := range files {
			if c.Name == name {
				byName = c
				n++
			}
		}
		if n == 1 {
			return byName
		}
	}
	return nil
}

// MatchFile returns the file among files (a newer version's) that replaces
// old: one of the same file type (Model, Pruned Model, VAE, Config,
// Training Data, ...; a Model and a Pruned Model count as the same type
// when the version has only the other), preferring the same format
// (SafeTensor, PickleTensor, GGUF, ...), then the same precision (fp),
// then the same size (full, pruned), then the same GGUF quantisation, then
// the primary file, then the first. It returns nil when files has no file
// of old's type.
func MatchFile(old *api.File, files []*api.File) *api.File {
	same := func(a, b string) bool { return normField(a) == normField(b) }
	var cands []*api.File
	for _, f := range files {
		if same(f.Type, old.Type) {
			cands = append(cands, f)
		}
	}
	if len(cands) == 0 && isModelType(old.Type) {
		for _, f := range files {
			if isModelType(f.Type) {
				cands = append(cands, f)
			}
		}
	}
	// A GGUF is a quantised model for its own loaders (ComfyUI-GGUF, Forge
	// in its own folder), a fraction of the size of the full weights: only
	// a GGUF replaces it.
	if isGGUF(old) {
		cands = slices.DeleteFunc(cands, func(f *api.File) bool { return !isGGUF(f) })
	}
	var best *api.File
	bestScore := -1
	for _, f := range cands {
		score := 0
		for _, ok := range []bool{
			same(f.Metadata.Format, old.Metadata.Format),
			same(f.Metadata.FP, old.Metadata.FP),
			same(f.Metadata.Size, old.Metadata.Size),
			same(f.Metadata.QuantType, old.Metadata.QuantType),
			bool(f.Primary),
		} {
			score <<= 1
			if ok {
				score |= 1
			}
		}
		if score > bestScore {
			best, bestScore = f, score
		}
	}
	return best
}

func isGGUF(f *api.File) bool {
	return normField(f.Metadata.Format) == "gguf" || strings.HasSuffix(strings.ToLower(f.Name), ".gguf")
}

// NoMatchNote says why a file of the old version has no counterpart in the
// new version named newName.
func NoMatchNote(old *api.File, newName string) string {
	if isGGUF(old) {
		return fmt.Sprintf("%s has no GGUF file (a GGUF is replaced by a GGUF only)", newName)
	}
	return fmt.Sprintf("%s has no %s file", newName, old.Type)
}

// isModelType reports whether a file type is the model itself: Model or
// Pruned Model (the API's older way to say size pruned).
func isModelType(t string) bool {
	switch normField(t) {
	case "model", "prunedmodel":
		return true
	}
	return false
}

func normField(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "")
}
