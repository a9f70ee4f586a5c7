package api

import (
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalizeBaseModel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"sd15", "SD 1.5", true},
		{"SD1.5", "SD 1.5", true},
		{"sd-1.5", "SD 1.5", true},
		{"sd 15", "SD 1.5", true},
		{"sd21", "SD 2.1", true},
		{"sdxl10", "SDXL 1.0", true},
		{"flux1d", "Flux.1 D", true},
		{"flux dev", "Flux.1 D", true},
		{"Flux.1-dev", "Flux.1 D", true},
		{"flux schnell", "Flux.1 S", true},
		{"pony", "Pony", true},
		{"PonyXL", "Pony", true},
		{"pony diffusion v6 xl", "Pony", true},
		{"illustrious", "Illustrious", true},
		{"Illustrious XL", "Illustrious", true},
		{"noob", "NoobAI", true},
		// Families stay unresolved: they get suggestions instead.
		{"sdxl", "sdxl", false},
		{"flux", "flux", false},
		{"sd1", "sd1", false},
		{"bogus", "bogus", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeBaseModel(tt.in, BaseModels())
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("NormalizeBaseModel(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
	// An alias never maps to a name the caller's list lacks.
	if v, ok := NormalizeBaseModel("ponyxl", []string{"SDXL 1.0"}); ok {
		t.Errorf("alias outside known: %q", v)
	}
}

func TestNormalizeEnumLooseIsUnique(t *testing.T) {
	t.Parallel()
	// "a.b" and "ab" are both "ab" without dots: no guess between them.
	if v, ok := NormalizeEnum("ab", []string{"a.b", "a b."}); ok {
		t.Errorf("ambiguous loose match accepted: %q", v)
	}
	if v, ok := NormalizeEnum("ab", []string{"a.b", "c"}); !ok || v != "a.b" {
		t.Errorf("unique loose match = %q, %v", v, ok)
	}
}

func TestSimilarNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"sdxl", []string{"SDXL 0.9", "SDXL 1.0", "SDXL 1.0 LCM"}},
		{"flux", []string{"Flux.1 S", "Flux.1 D", "Flux.1 Krea"}},
		{"sd1", []string{"SD 1.4", "SD 1.5", "SD 1.5 LCM"}},
		{"sd 1.5 lightning", []string{"SD 1.5"}},
		{"", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, SimilarNames(tt.in, BaseModels(), 3)); diff != "" {
			t.Errorf("SimilarNames(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestResolveBaseModels(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, Options{})
	var calls atomic.Int32
	mux.HandleFunc("/api/v1/enums", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeJSON(w, 200, `{"BaseModel":["Brand New 1"],"ActiveBaseModel":["Brand New 1"]}`)
	})
	got, err := c.ResolveBaseModels(t.Context(), []string{"sd15", "sdxl 1.0", ""})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"SD 1.5", "SDXL 1.0"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if calls.Load() != 0 {
		t.Errorf("enums fetched for names the built-in list knows")
	}
	got, err = c.ResolveBaseModels(t.Context(), []string{"brand new 1"})
	if err != nil || len(got) != 1 || got[0] != "Brand New 1" {
		t.Errorf("live name: %v, %v", got, err)
	}
	_, err = c.ResolveBaseModels(t.Context(), []string{"sdxl"})
	var ue *UnknownBaseModelError
	if !errors.As(err, &ue) || ue.Name != "sdxl" || len(ue.Suggestions) == 0 || ue.Suggestions[0] != "SDXL 0.9" {
		t.Errorf("err = %#v", err)
	}
}
