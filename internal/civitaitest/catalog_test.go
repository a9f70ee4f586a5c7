package civitaitest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestDeterminism(t *testing.T) {
	t.Parallel()
	opts := Options{BigFileSize: 1 << 20, Seed: 42, Models: 50}
	a := NewTestServer(t, opts)
	b := NewTestServer(t, opts)
	c := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 43, Models: 50})
	paths := []string{
		"/api/v1/models?limit=100&nsfw=true",
		"/api/v1/models?limit=5&sort=Newest",
		"/api/v1/models/102",
		fmt.Sprintf("/api/v1/model-versions/%d", vid(FixtureCheckpoint, 2)),
		"/api/v1/images?limit=50&withMeta=true&nsfw=X",
		"/api/v1/creators?limit=50",
		"/api/v1/tags?limit=50",
		"/api/v1/model-versions/by-hash/" + mustFile(t, a, fid(vid(FixturePublicLoRA, 1), 1)).SHA256(),
	}
	// Generated ids too.
	for _, m := range a.Catalog.Models()[len(a.Catalog.Models())-3:] {
		paths = append(paths, fmt.Sprintf("/api/v1/models/%d", m.ID))
	}
	norm := func(s *Server, body []byte) []byte {
		return bytes.ReplaceAll(bytes.ReplaceAll(body, []byte(s.URL), []byte("API")), []byte(s.StorageURL), []byte("STORAGE"))
	}
	differs := 0
	for _, p := range paths {
		ra, rb, rc := get(t, a.URL+p), get(t, b.URL+p), get(t, c.URL+p)
		if !bytes.Equal(norm(a, ra.body), norm(b, rb.body)) {
			t.Errorf("%s differs between two servers with the same seed", p)
		}
		if !bytes.Equal(norm(a, ra.body), norm(c, rc.body)) {
			differs++
		}
	}
	if differs < len(paths)/2 {
		t.Errorf("another seed changed only %d of %d responses", differs, len(paths))
	}
	for _, m := range a.Catalog.Models()[:20] {
		for _, v := range m.Versions {
			for _, f := range v.Files {
				g := mustFile(t, b, f.ID)
				if f.Size != g.Size || f.ETag() != g.ETag() || !bytes.Equal(bodyOf(f), bodyOf(g)) {
					t.Errorf("file %d differs", f.ID)
				}
			}
		}
	}
	fa, fc := mustFile(t, a, fid(vid(FixturePublicLoRA, 1), 1)), mustFile(t, c, fid(vid(FixturePublicLoRA, 1), 1))
	if bytes.Equal(bodyOf(fa), bodyOf(fc)) {
		t.Error("another seed gives the same bytes")
	}
}

func TestCatalogSizeAndFixtures(t *testing.T) {
	t.Parallel()
	for _, n := range []int{-1, 1, 5000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			c := NewCatalog(Options{BigFileSize: 1 << 20, Seed: 1, Models: n})
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("catalog of %d models took %v", n, d)
			}
			want := max(n, 0) + len(c.FixtureIDs())
			if len(c.Models()) != want {
				t.Errorf("%d models, want %d", len(c.Models()), want)
			}
			for name, id := range c.FixtureIDs() {
				m, ok := c.Model(id)
				if !ok || !strings.Contains(strings.ReplaceAll(m.Name, " ", ""), strings.TrimSuffix(name, "LoRA")) && name != "Big" {
					t.Errorf("fixture %s (%d): %v %q", name, id, ok, m.Name)
				}
			}
			seen := map[int64]string{}
			for _, m := range c.Models() {
				for _, v := range m.Versions {
					if prev, ok := seen[v.ID]; ok {
						t.Fatalf("version id %d reused (%s)", v.ID, prev)
					}
					seen[v.ID] = "version"
					for _, f := range v.Files {
						if _, ok := seen[f.ID]; ok {
							t.Fatalf("file id %d collides", f.ID)
						}
						seen[f.ID] = "file"
						if f.Size < 0 {
							t.Fatalf("file %d size %d", f.ID, f.Size)
						}
					}
				}
			}
			for _, m := range c.Models() {
				if _, ok := seen[m.ID]; ok {
					t.Fatalf("model id %d collides with a version or file id", m.ID)
				}
			}
		})
	}
	c := NewCatalog(Options{Seed: 1, Models: -1, BigFileSize: 3 << 20})
	m, _ := c.Model(FixtureBig)
	if got := m.Versions[0].Files[0].Size; got != 3<<20 {
		t.Errorf("BigFileSize not applied: %d", got)
	}
}

func TestFilenamize(t *testing.T) {
	t.Parallel()
	// Real pairs from model-single-3.json.
	tests := []struct{ model, version, want string }{
		{"Hassaku XL (Illustrious)", "v3.0", "hassakuXLIllustrious_v30"},
		{"Hassaku XL (Illustrious)", "v1.3 - Style A", "hassakuXLIllustrious_v13StyleA"},
		{"Hassaku XL (Illustrious)", "beta V0.6", "hassakuXLIllustrious_betaV06"},
		{"Hassaku XL (Illustrious)", "V1.0 - Style", "hassakuXLIllustrious_v10Style"},
	}
	for _, tt := range tests {
		m := &FakeModel{Name: tt.model, Type: "Checkpoint"}
		v := &FakeVersion{Name: tt.version}
		if got := downloadName(m, v, "x.safetensors", "Model"); got != tt.want+".safetensors" {
			t.Errorf("downloadName(%q, %q) = %q, want %q", tt.model, tt.version, got, tt.want+".safetensors")
		}
	}
	lora := &FakeModel{Name: "Semi-realistic illustrious", Type: "LORA"}
	if got := downloadName(lora, &FakeVersion{Name: "v1.5"}, "Semi_realistic.safetensors", "Model"); got != "Semi_realistic.safetensors" {
		t.Errorf("LORA keeps its uploaded name, got %q", got)
	}
	ti := &FakeModel{Name: "Bad Hands", Type: "TextualInversion"}
	if got := downloadName(ti, &FakeVersion{Name: "v1", TrainedWords: []string{"badhand"}}, "x.pt", "Negative"); got != "badhand-neg.pt" {
		t.Errorf("TI negative: %q", got)
	}
}

func TestJSONEncoding(t *testing.T) {
	t.Parallel()
	got := string(encodeJSON(obj{
		{"html", "<p>a & b</p>"}, {"ctl", "a\"\\\n\x01"}, {"u", "裸絞め\u2028"},
		{"f", 73888.6953125}, {"i", 5.0}, {"n", nil}, {"arr", []string{}}, {"o", obj{}},
	}))
	want := `{"html":"<p>a & b</p>","ctl":"a\"\\\n\u0001","u":"裸絞め` + "\u2028" + `","f":73888.6953125,"i":5,"n":null,"arr":[],"o":{}}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	ts := time.Date(2025, 7, 2, 19, 16, 12, 810_000_000, time.UTC)
	if isoTime(ts) != "2025-07-02T19:16:12.810Z" || pgTime(ts) != "2025-07-02T19:16:12.81" || pgTime(ts.Truncate(time.Second)) != "2025-07-02T19:16:12" {
		t.Errorf("times: %v %v %v", isoTime(ts), pgTime(ts), pgTime(ts.Truncate(time.Second)))
	}
}
