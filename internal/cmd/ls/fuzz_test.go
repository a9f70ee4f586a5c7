package ls

import (
	"errors"
	"slices"
	"testing"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/store"
)

// fuzzLibrary has a type and a base model CivitAI's built-in lists do not
// know, as a library made by a newer CivitAI would.
func fuzzLibrary() ([]*store.File, error) {
	return []*store.File{
		{ModelType: "LORA", BaseModel: "SDXL 1.0"},
		{ModelType: "Wildcards", BaseModel: "Brand New 2"},
		{ModelType: "Checkpoint", BaseModel: "SD 1.5"},
	}, nil
}

// FuzzResolveFilters checks ls's --type and --base-model: every value
// comes back as a name CivitAI or the library uses, once, and resolving
// that name again gives itself; anything else is a usage error.
func FuzzResolveFilters(f *testing.F) {
	for _, s := range []string{"lora", "LoRA", "embedding", "ti", "wildcards", "lora,checkpoint", ",,", "lora,lora", "sdxl 1.0", "sd15",
		"brand new 2", "brandnew2", "sdxl", "ponyxl", "flux dev", " ", "nonsense", "controlnet , vae"} {
		f.Add(s, "sd1.5")
	}
	var known []string
	for _, t := range api.KnownModelTypes() {
		known = append(known, string(t))
	}
	rows, _ := fuzzLibrary()
	f.Fuzz(func(t *testing.T, a, b string) {
		check := func(what string, got []string, err error, names []string, again func([]string) ([]string, error)) {
			if err != nil {
				var fe *cmdutil.FlagError
				if !errors.As(err, &fe) {
					t.Fatalf("%s(%q, %q): %v is not a usage error", what, a, b, err)
				}
				return
			}
			for i, v := range got {
				if !slices.Contains(names, v) {
					t.Fatalf("%s(%q, %q) = %q: %q is not a known name", what, a, b, got, v)
				}
				if slices.Contains(got[:i], v) {
					t.Fatalf("%s(%q, %q) = %q: twice", what, a, b, got)
				}
				if back, err := again([]string{v}); err != nil || len(back) != 1 || back[0] != v {
					t.Fatalf("%s(%q) = %q, %v", what, v, back, err)
				}
			}
		}
		types, err := ResolveTypes([]string{a, b}, OnceLibrary(fuzzLibrary))
		typeNames := append(slices.Clone(known), distinct(rows, func(f *store.File) string { return f.ModelType })...)
		check("ResolveTypes", types, err, typeNames, func(v []string) ([]string, error) { return ResolveTypes(v, fuzzLibrary) })

		bases, err := ResolveBaseModels([]string{a, b}, OnceLibrary(fuzzLibrary))
		baseNames := append(api.BaseModels(), distinct(rows, func(f *store.File) string { return f.BaseModel })...)
		check("ResolveBaseModels", bases, err, baseNames, func(v []string) ([]string, error) { return ResolveBaseModels(v, fuzzLibrary) })
	})
}
