package civitaitest

import (
	"math/rand/v2"
	"strings"
)

// Response shapes the real API can produce that a plain generated model
// would never show (civitai-api.md §3, §6). addQuirks applies them to some
// generated models, never to fixtures. Its choices come from their own
// stream (seeded by Options.Seed), so the rest of the catalog is the same
// as without them.
//
//   - modelVersions: [] — every file of the model is private, so no version
//     has a primary file and all are dropped (§2.1, §3 "may be []");
//     /model-versions/{id} and by-hash answer 404 "Missing model file" and
//     the download 404 "File not found".
//   - publishedAt: null on a published version (§3, §6).
//   - baseModelType: null (§3), absent in /models/{id} (removeEmpty).
//   - allowCommercialUse as a plain string, "Rent" or "None" (§3, sample
//     model-list-item-1.json).
//   - LoRA file names with non-ASCII characters and double quotes, which
//     reach Content-Disposition verbatim (§2.10: the uploaded name is kept
//     for LORA/LoCon and sent as attachment; filename="<name>").
//
// Each quirk hits a few percent of the eligible models and, so that small
// catalogs show it too, the first eligible model from a fixed position on.
type quirk struct {
	name     string
	percent  uint64
	anchor   int // the first eligible model at index ≥ anchor always gets it
	eligible func(m *FakeModel) bool
	apply    func(m *FakeModel, r *rand.Rand)
}

// oddNames are uploaded LoRA names with non-ASCII characters and quotes.
var oddNames = []string{
	`Café "Noir" Style`, `Zoë's "Dream" Garden`, `東方 "Project" 霊夢`, `Łódź "Nights" ✨`,
	`Crème "Brûlée" Mix`, `Ñandú «Plume» "XL"`,
}

var quirks = []quirk{
	{
		name: "no public files", percent: 2, anchor: 5,
		eligible: func(m *FakeModel) bool { return m.Visible() && m.Mode == "" && len(m.PublishedVersions()) > 0 },
		apply: func(m *FakeModel, _ *rand.Rand) {
			for _, v := range m.Versions {
				for _, f := range v.Files {
					f.Private = true
				}
			}
		},
	},
	{
		name: "null publishedAt", percent: 3, anchor: 3,
		eligible: func(m *FakeModel) bool { return m.Visible() && len(m.PublishedVersions()) > 0 },
		apply: func(m *FakeModel, r *rand.Rand) {
			pv := m.PublishedVersions()
			pv[r.IntN(len(pv))].NullPublishedAt = true
		},
	},
	{
		name: "null baseModelType", percent: 4, anchor: 4,
		eligible: func(m *FakeModel) bool { return m.Visible() },
		apply: func(m *FakeModel, _ *rand.Rand) {
			for _, v := range m.Versions {
				v.BaseModelType = ""
			}
		},
	},
	{
		name: "allowCommercialUse string", percent: 5, anchor: 2,
		eligible: func(m *FakeModel) bool { return m.Visible() && !m.CommercialUseLiteral },
		apply: func(m *FakeModel, r *rand.Rand) {
			use := []string{"None", "None", "None", "Rent", "Rent", "Sell", "Image", "RentCivit"}[r.IntN(8)]
			m.AllowCommercialUse, m.CommercialUseString = []string{use}, true
		},
	},
	{
		name: "odd file names", percent: 6, anchor: 1,
		eligible: func(m *FakeModel) bool {
			return m.Visible() && (m.Type == "LORA" || m.Type == "LoCon") && len(m.PublishedVersions()) > 0
		},
		apply: func(m *FakeModel, r *rand.Rand) {
			base := oddNames[r.IntN(len(oddNames))]
			for _, v := range m.Versions {
				for _, f := range v.Files {
					ext := f.Name[strings.LastIndex(f.Name, ".")+1:]
					extra := ""
					if f.Type == "Training Data" {
						extra = " dataset"
					}
					f.Name = base + "_" + strings.ReplaceAll(v.Name, " ", "") + extra + "." + ext
				}
			}
		},
	},
}

// addQuirks applies the quirks to the generated models (in generation
// order) before finish elects primary files.
func addQuirks(seed int64, models []*FakeModel) {
	for qi, q := range quirks {
		r := rand.New(rand.NewPCG(uint64(seed), 0x9E3779B97F4A7C15^uint64(qi+1)))
		forced := false
		for i, m := range models {
			if !q.eligible(m) {
				continue
			}
			hit := r.Uint64N(100) < q.percent
			if !forced && i >= q.anchor {
				hit, forced = true, true
			}
			if hit {
				q.apply(m, r)
			}
		}
	}
}
