package civitaitest

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// quirkList is a /models page decoded loosely enough to see the quirks.
type quirkList struct {
	Items []struct {
		ID                 int64           `json:"id"`
		AllowCommercialUse json.RawMessage `json:"allowCommercialUse"`
		ModelVersions      []struct {
			ID            int64                   `json:"id"`
			PublishedAt   *string                 `json:"publishedAt"`
			BaseModelType *string                 `json:"baseModelType"`
			Files         []struct{ Name string } `json:"files"`
		} `json:"modelVersions"`
	} `json:"items"`
	Metadata struct{ NextPage string } `json:"metadata"`
}

// TestGeneratedQuirks checks that generated models show the shapes the
// real API can return (§3, §6, sample model-list-item-1.json), that the
// fixtures do not, and that file names with non-ASCII characters and
// quotes reach Content-Disposition.
func TestGeneratedQuirks(t *testing.T) {
	t.Parallel()
	for _, n := range []int{30, DefaultModels} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 1, Models: n})
			found := map[string]int64{}
			oddFile := ""
			var oddVersion int64
			u := s.URL + "/api/v1/models?limit=100&nsfw=true"
			for i := 0; u != ""; i++ {
				if i > 50 {
					t.Fatal("too many pages")
				}
				p := decode[quirkList](t, get(t, u).body)
				for _, it := range p.Items {
					fixture := it.ID >= 101 && it.ID <= 112
					note := func(what string) {
						if fixture {
							t.Errorf("fixture %d has %s", it.ID, what)
						}
						found[what] = it.ID
					}
					if len(it.ModelVersions) == 0 {
						note("modelVersions []")
					}
					if cu := string(it.AllowCommercialUse); strings.HasPrefix(cu, `"`) && !strings.HasPrefix(cu, `"{`) {
						note("allowCommercialUse string")
					}
					for _, v := range it.ModelVersions {
						if v.PublishedAt == nil {
							note("publishedAt null")
						}
						if v.BaseModelType == nil {
							note("baseModelType null")
						}
						for _, f := range v.Files {
							if strings.Contains(f.Name, `"`) && !isASCII(f.Name) {
								note("odd file name")
								oddFile, oddVersion = f.Name, v.ID
							}
						}
					}
				}
				u = p.Metadata.NextPage
			}
			for _, what := range []string{"modelVersions []", "allowCommercialUse string", "publishedAt null", "baseModelType null", "odd file name"} {
				if found[what] == 0 {
					t.Errorf("no generated model with %s", what)
				}
			}
			if t.Failed() {
				return
			}
			// A model without public files: [] everywhere, 404 for its versions.
			m, _ := s.Catalog.Model(found["modelVersions []"])
			v := m.PublishedVersions()[0]
			if r := get(t, fmt.Sprintf("%s/api/v1/models/%d", s.URL, m.ID)); r.status != 200 || !strings.Contains(string(r.body), `"modelVersions":[]`) {
				t.Errorf("/models/%d: %d %s", m.ID, r.status, r.body)
			}
			if r := get(t, fmt.Sprintf("%s/api/v1/model-versions/%d", s.URL, v.ID)); r.status != 404 || string(r.body) != `{"error":"Missing model file"}` {
				t.Errorf("/model-versions/%d: %d %s", v.ID, r.status, r.body)
			}
			if r := get(t, fmt.Sprintf("%s/api/download/models/%d", s.URL, v.ID)); r.status != 404 {
				t.Errorf("download %d: %d %s", v.ID, r.status, r.body)
			}
			// The odd name goes verbatim into Content-Disposition.
			dl := get(t, fmt.Sprintf("%s/api/download/models/%d", s.URL, oddVersion))
			if dl.status != http.StatusTemporaryRedirect {
				t.Fatalf("download %d: %d %s", oddVersion, dl.status, dl.body)
			}
			st := get(t, dl.header.Get("Location"))
			if want := `attachment; filename="` + oddFile + `"`; st.status != 200 || st.header.Get("Content-Disposition") != want {
				t.Errorf("storage: %d Content-Disposition %q, want %q", st.status, st.header.Get("Content-Disposition"), want)
			}
		})
	}
}

// TestQuirksLeaveTheRestAlone checks that the quirks come from their own
// random stream: ids, names and sizes of the generated models do not move.
func TestQuirksLeaveTheRestAlone(t *testing.T) {
	t.Parallel()
	c := NewCatalog(Options{BigFileSize: 1 << 20, Seed: 3, Models: 50})
	for _, m := range c.Models() {
		if m.ID <= 112 {
			if m.CommercialUseString || len(m.Versions) > 0 && (m.Versions[0].NullPublishedAt || m.Versions[0].BaseModelType == "") {
				t.Errorf("fixture %d has a quirk", m.ID)
			}
			for _, v := range m.Versions {
				for _, f := range v.Files {
					if !isASCII(f.Name) || f.Private {
						t.Errorf("fixture file %d: %q private=%v", f.ID, f.Name, f.Private)
					}
				}
			}
		}
	}
	// The generator's stream is untouched: ids, names, types, statuses,
	// sizes and images of Seed 1 are those from before the quirks existed.
	d := NewCatalog(Options{BigFileSize: 1 << 20, Seed: 1, Models: 300})
	h := sha256.New()
	for _, m := range d.Models() {
		fmt.Fprintf(h, "%d|%s|%s|%s|%d\n", m.ID, m.Name, m.Type, m.Username, m.NSFWLevel)
		for _, v := range m.Versions {
			fmt.Fprintf(h, " %d|%s|%s|%s\n", v.ID, v.Name, v.BaseModel, v.Status)
			for _, f := range v.Files {
				fmt.Fprintf(h, "  %d|%d|%s|%s\n", f.ID, f.Size, f.Type, f.Format)
			}
			for _, im := range v.Images {
				fmt.Fprintf(h, "  i%d|%d\n", im.ID, im.NSFWLevel)
			}
		}
	}
	if got, want := fmt.Sprintf("%x", h.Sum(nil)), "b3f8a1d9d8603ba035cf2f7c021c50f88b180712d3f439a4a7fa52f0d761a79a"; got != want {
		t.Errorf("catalog fingerprint %s, want %s (the generator's stream moved)", got, want)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
