package ls

import (
	"slices"
	"sort"
	"strings"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/store"
)

// Library lists the rows of the library; the filter functions call it only
// when a value is not a name CivitAI knows, so types and base models
// CivitAI added after this release work. OnceLibrary makes one that reads
// the store once.
type Library func() ([]*store.File, error)

// OnceLibrary returns a Library that calls rows at most once.
func OnceLibrary(rows Library) Library {
	var (
		lib    []*store.File
		err    error
		loaded bool
	)
	return func() ([]*store.File, error) {
		if !loaded {
			lib, err = rows()
			loaded = true
		}
		return lib, err
	}
}

// ResolveTypes spells --type values as the library stores them, with the
// same matching as `civit search`: "lora" and "LoRA" are "LORA",
// "embedding" is "TextualInversion" (api.ParseModelType). Each value may
// be a comma-separated list. A type that is neither one CivitAI knows nor
// one found in the library is a usage error listing the valid ones: the
// filter would match nothing and print nothing. `civit ls` and
// `civit outdated` share it.
func ResolveTypes(values []string, lib Library) ([]string, error) {
	var out []string
	for _, typ := range splitList(values) {
		t := api.ParseModelType(typ)
		if t.Known() {
			out = appendNew(out, string(t))
			continue
		}
		rows, err := lib()
		if err != nil {
			return nil, err
		}
		v, ok := api.NormalizeEnum(typ, distinct(rows, func(f *store.File) string { return f.ModelType }))
		if !ok {
			return nil, cmdutil.EnumError("type", typ, modelTypeNames())
		}
		out = appendNew(out, v)
	}
	return out, nil
}

// ResolveBaseModels spells --base-model values as CivitAI does ("sdxl1.0"
// is "SDXL 1.0", api.NormalizeEnum), or as the library has them. An
// unknown one is a usage error with suggestions, as in `civit search`.
func ResolveBaseModels(values []string, lib Library) ([]string, error) {
	var out []string
	for _, base := range values {
		if base = strings.TrimSpace(base); base == "" {
			continue
		}
		if v, ok := api.NormalizeBaseModel(base, api.BaseModels()); ok {
			out = appendNew(out, v)
			continue
		}
		rows, err := lib()
		if err != nil {
			return nil, err
		}
		have := distinct(rows, func(f *store.File) string { return f.BaseModel })
		v, ok := api.NormalizeBaseModel(base, have)
		if !ok {
			return nil, cmdutil.WithHint(cmdutil.FlagErrorf("unknown base model %q", base), suggestBase(base, have))
		}
		out = appendNew(out, v)
	}
	return out, nil
}

// MatchAny reports whether v is one of want, ignoring case (as the store's
// filters do); no want matches everything.
func MatchAny(v string, want []string) bool {
	if len(want) == 0 {
		return true
	}
	for _, w := range want {
		if strings.EqualFold(v, w) {
			return true
		}
	}
	return false
}

// splitList splits comma-separated values and drops empty ones (a flag
// declared as a string slice has split them already).
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func appendNew(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

func modelTypeNames() []string {
	var out []string
	for _, t := range api.KnownModelTypes() {
		out = append(out, string(t))
	}
	return out
}

// distinct returns the non-empty values of field in rows, sorted.
func distinct(rows []*store.File, field func(*store.File) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range rows {
		if v := field(f); v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// suggestBase names the base models close to what was typed, the library's
// first, as `civit search` does; with none close, the library's own.
func suggestBase(in string, library []string) string {
	if close := api.SimilarNames(in, append(append([]string(nil), library...), api.BaseModels()...), 8); len(close) > 0 {
		return "did you mean " + cmdutil.QuoteList(close) + "?"
	}
	if len(library) == 0 {
		return "base models are spelled as on civitai.com, e.g. \"SDXL 1.0\""
	}
	return "the library has " + cmdutil.QuoteList(library)
}
