package ls

import (
	"errors"
	"strings"
	"testing"

	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/store"
)

func TestResolveFilters(t *testing.T) {
	t.Parallel()
	library := []*store.File{
		{ModelType: "LORA", BaseModel: "SDXL 1.0"},
		{ModelType: "Checkpoint", BaseModel: "Pony"},
		{ModelType: "Brainwave", BaseModel: "Future Model 9"}, // newer than this release's lists
		{},
	}
	tests := []struct {
		name, typ, base    string
		wantType, wantBase string
		wantErr, wantHint  string
		wantLibraryRead    bool
	}{
		{name: "none"},
		{name: "type alias", typ: "lora", wantType: "LORA"},
		{name: "type list", typ: "lora, Checkpoint,,LoRA", wantType: "LORA,Checkpoint"},
		{name: "type list with an unknown one", typ: "lora,bogus", wantErr: "invalid value \"bogus\" for `--type`", wantLibraryRead: true},
		{name: "type spelled out", typ: "Textual Inversion", wantType: "TextualInversion"},
		{name: "type embedding", typ: "embedding", wantType: "TextualInversion"},
		{name: "type only in the library", typ: "brainwave", wantType: "Brainwave", wantLibraryRead: true},
		{name: "unknown type", typ: "bogus", wantErr: "invalid value \"bogus\" for `--type`: valid values are \"Checkpoint\"", wantLibraryRead: true},
		{name: "base model case", base: "sdxl 1.0", wantBase: "SDXL 1.0"},
		{name: "base model folded", base: "SDXL1.0", wantBase: "SDXL 1.0"},
		{name: "base model nickname, as search takes it", base: "ponyxl", wantBase: "Pony"},
		{name: "base model not in the library", base: "flux.1 d", wantBase: "Flux.1 D"},
		{name: "base model only in the library", base: "future model 9", wantBase: "Future Model 9", wantLibraryRead: true},
		{name: "unknown base model", base: "sdxl", wantErr: `unknown base model "sdxl"`, wantHint: `did you mean "SDXL 1.0", "SDXL 0.9"`, wantLibraryRead: true},
		{name: "unknown base model, nothing close", base: "zzz", wantErr: `unknown base model "zzz"`, wantHint: `the library has "Future Model 9", "Pony", "SDXL 1.0"`, wantLibraryRead: true},
		{name: "both", typ: "checkpoint", base: "pony", wantType: "Checkpoint", wantBase: "Pony"},
		{name: "types and base models", typ: "checkpoint,brainwave", base: "pony|sdxl1.0", wantType: "Checkpoint,Brainwave", wantBase: "Pony,SDXL 1.0", wantLibraryRead: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reads := 0
			lib := OnceLibrary(func() ([]*store.File, error) { reads++; return library, nil })
			var bases []string
			if tt.base != "" {
				bases = strings.Split(tt.base, "|")
			}
			types, err := ResolveTypes([]string{tt.typ}, lib)
			var bs []string
			if err == nil {
				bs, err = ResolveBaseModels(bases, lib)
			}
			typ, base := strings.Join(types, ","), strings.Join(bs, ",")
			read := reads > 0
			if reads > 1 {
				t.Errorf("library read %d times", reads)
			}
			if read != tt.wantLibraryRead {
				t.Errorf("library read = %v, want %v", read, tt.wantLibraryRead)
			}
			if tt.wantErr != "" {
				var fe *cmdutil.FlagError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &fe) {
					t.Fatalf("err = %v, want usage error containing %q", err, tt.wantErr)
				}
				var he *cmdutil.HintError
				if tt.wantHint != "" && (!errors.As(err, &he) || !strings.Contains(he.Hint, tt.wantHint)) {
					t.Errorf("hint of %v, want %q", err, tt.wantHint)
				}
				return
			}
			if err != nil || typ != tt.wantType || base != tt.wantBase {
				t.Errorf("ResolveTypes, ResolveBaseModels(%q, %q) = %q, %q, %v; want %q, %q", tt.typ, tt.base, typ, base, err, tt.wantType, tt.wantBase)
			}
		})
	}
}

func TestResolveFiltersLibraryError(t *testing.T) {
	t.Parallel()
	boom := errors.New("database is locked")
	_, err := ResolveBaseModels([]string{"nonesuch"}, func() ([]*store.File, error) { return nil, boom })
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want %v", err, boom)
	}
}
