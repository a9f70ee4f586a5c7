package ls

import (
	"sort"
	"strings"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/store"
)

// resolveFilters spells --type and --base-model as the library stores them,
// with the same matching as `civit search`: "lora" and "LoRA" are "LORA",
// "sdxl1.0" is "SDXL 1.0" (api.ParseModelType, api.NormalizeEnum). A value
// that is neither a name CivitAI knows nor one found in the library is a
// usage error with suggestions, as in search: the filter would match
// nothing and ls would print nothing. rows, called only then, lists the
// library, so types and base models CivitAI added after this release work.
func resolveFilters(typ, base string, rows func() ([]*store.File, error)) (string, string, error) {
	var lib []*store.File
	loaded := false
	libValues := func(field func(*store.File) string) ([]string, error) {
		if !loaded {
			var err error
			if lib, err = rows(); err != nil {
				return nil, err
			}
			loaded = true
		}
		return distinct(lib, field), nil
	}
	if typ = strings.TrimSpace(typ); typ != "" {
		t := api.ParseModelType(typ)
		if t.Known() {
			typ = string(t)
		} else {
			have, err := libValues(func(f *store.File) string { return f.ModelType })
			if err != nil {
				return "", "", err
			}
			v, ok := api.NormalizeEnum(typ, have)
			if !ok {
				return "", "", cmdutil.EnumError("type", typ, modelTypeNames())
			}
			typ = v
		}
	}
	if base = strings.TrimSpace(base); base != "" {
		if v, ok := api.NormalizeEnum(base, api.BaseModels()); ok {
			return typ, v, nil
		}
		have, err := libValues(func(f *store.File) string { return f.BaseModel })
		if err != nil {
			return "", "", err
		}
		v, ok := api.NormalizeEnum(base, have)
		if !ok {
			return "", "", cmdutil.WithHint(cmdutil.FlagErrorf("unknown base model %q", base), suggestBase(base, have))
		}
		base = v
	}
	return typ, base, nil
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
