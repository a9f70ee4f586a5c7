package civitaitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The structure test proves fidelity: for every real sample (testdata/
// samples, copied from /work/shared/civitai-samples with PROVENANCE.md) it
// computes the set of JSON key paths with their kinds, e.g.
// "items[].modelVersions[].files[].hashes.SHA256: string", and compares it
// with the fake's response to the same request.
//
//   - Every path and kind of a sample must be produced by the fake, except
//     the era-specific ones listed in the sample's eraOnly allow-list.
//   - For the current (2025) samples the check is two-way: every path and
//     kind the fake produces must be in the sample or in the additions
//     allow-list, each entry citing civitai-api.md.

// pathKinds maps a key path to the set of JSON kinds seen there.
type pathKinds map[string]map[string]bool

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func (pk pathKinds) add(path, kind string) {
	if pk[path] == nil {
		pk[path] = map[string]bool{}
	}
	pk[path][kind] = true
}

func (pk pathKinds) collect(v any, path string) {
	pk.add(path, kindOf(v))
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			pk.collect(e, p)
		}
	case []any:
		for _, e := range x {
			pk.collect(e, path+"[]")
		}
	}
}

func pathsOf(t *testing.T, b []byte) pathKinds {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode: %v\n%.300s", err, b)
	}
	pk := pathKinds{}
	pk.collect(v, "")
	return pk
}

func samplePaths(t *testing.T, name string) pathKinds {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "samples", name))
	if err != nil {
		t.Fatal(err)
	}
	return pathsOf(t, b)
}

func (pk pathKinds) merge(o pathKinds) {
	for p, ks := range o {
		for k := range ks {
			pk.add(p, k)
		}
	}
}

// subsetDiff lists "path: kind" entries of a missing from b, except those
// allowed (by "path" or "path: kind").
func subsetDiff(a, b pathKinds, allowed map[string]string) []string {
	var out []string
	for p, ks := range a {
		for k := range ks {
			entry := p + ": " + k
			if _, ok := allowed[p]; ok {
				continue
			}
			if _, ok := allowed[entry]; ok {
				continue
			}
			if !b[p][k] {
				out = append(out, entry)
			}
		}
	}
	sort.Strings(out)
	return out
}

// unusedAllow reports allow-list entries that matched nothing, so that
// the lists cannot rot silently.
func unusedAllow(allowed map[string]string, a, b pathKinds) []string {
	var out []string
	for e := range allowed {
		p, k, hasKind := strings.Cut(e, ": ")
		used := false
		if hasKind {
			used = a[p][k] && !b[p][k]
		} else {
			_, inA := a[p]
			used = inA && !hasAll(b[p], a[p])
		}
		if !used {
			out = append(out, e)
		}
	}
	sort.Strings(out)
	return out
}

func hasAll(have, want map[string]bool) bool {
	for k := range want {
		if !have[k] {
			return false
		}
	}
	return true
}

// Additions the fake (like the 2026 server) produces beyond the 2025
// samples, by view. Each cites civitai-api.md.
var (
	listAdditions = map[string]string{
		"metadata.nextCursor: string":                                "§2.1 cursor metadata (sample is a last page)",
		"metadata.nextPage: string":                                  "§2.1 cursor metadata",
		"items[].mode: string":                                       "§2.1 mode Archived/TakenDown",
		"items[].allowCommercialUse: string":                         "§3 allowCommercialUse string variant",
		"items[].description: null":                                  "§3 description str|null",
		"items[].creator.image: null":                                "§2.1 creator.image may be null",
		"items[].stats.downloadCount: null":                          "§2.1 hidden metrics (2026-07)",
		"items[].stats.tippedAmountCount: null":                      "§2.1 hidden metrics (2026-07)",
		"items[].modelVersions[].stats.downloadCount: null":          "§3 version stats downloadCount int|null",
		"items[].modelVersions[].earlyAccessDeadline: string":        "§2.1 earlyAccessDeadline (2026)",
		"items[].modelVersions[].paidAccess: null":                   "§2.1 paidAccess (2026-07)",
		"items[].modelVersions[].paidAccess: object":                 "§2.1 paidAccess (2026-07)",
		"items[].modelVersions[].paidAccess.permanent: bool":         "§2.1 paidAccess (2026-07)",
		"items[].modelVersions[].paidAccess.endsAt: string":          "§2.1 paidAccess (2026-07)",
		"items[].modelVersions[].files[].metadata.quantType: string": "§3 File.metadata.quantType (L)",
		"items[].modelVersions[].files[].scannedAt: null":            "§3 scannedAt ISO|null",
		"items[].modelVersions[].files[].pickleScanMessage: null":    "§3 pickleScanMessage str|null",
		"items[].modelVersions[].files[].metadata.format: null":      "§3 metadata values may be null",
		"items[].modelVersions[].images[].remixOfId: number":         "model-single-2 sample has numeric remixOfId",
		"items[].modelVersions[].baseModelType: null":                "§3 baseModelType str|null",
		"items[].modelVersions[].publishedAt: null":                  "§3 publishedAt ISO|null, §6",
	}
)

// modelAdditions are the /models/{id} paths beyond model-single-2/3.
var modelAdditions = map[string]string{
	"mode: string":                                       "§2.1/§2.2 mode Archived/TakenDown",
	"allowCommercialUse: string":                         "§3 allowCommercialUse string variant",
	"description: null":                                  "§3 description str|null",
	"creator.image: null":                                "§2.1 creator.image may be null",
	"stats.downloadCount: null":                          "§2.1 hidden metrics (2026-07)",
	"stats.tippedAmountCount: null":                      "§2.1 hidden metrics (2026-07)",
	"modelVersions[].stats.downloadCount: null":          "§3 version stats downloadCount int|null",
	"modelVersions[].earlyAccessDeadline: string":        "§2.1 earlyAccessDeadline (2026), same service as lists",
	"modelVersions[].paidAccess: object":                 "§2.1 paidAccess (2026-07); null is removed by removeEmpty",
	"modelVersions[].paidAccess.permanent: bool":         "§2.1 paidAccess (2026-07)",
	"modelVersions[].paidAccess.endsAt: string":          "§2.1 paidAccess (2026-07)",
	"modelVersions[].files[].metadata.quantType: string": "§4 quantType (GGUF files)",
	"modelVersions[].files[].scannedAt: null":            "§3 scannedAt ISO|null",
	"modelVersions[].files[].pickleScanMessage: null":    "§3 pickleScanMessage str|null",
}

// versionAdditions are the /model-versions/{id} paths beyond the
// tool-derived 2025 sample (§2.3 HEAD field list).
var versionAdditions = map[string]string{
	"nsfwLevel: number":                           "§2.3 HEAD fields",
	"licensingFee: null":                          "§2.3 HEAD fields (2026)",
	"paidAccess: null":                            "§2.3 HEAD fields (2026)",
	"paidAccess: object":                          "§2.3 HEAD fields (2026)",
	"paidAccess.permanent: bool":                  "§2.3 HEAD fields (2026)",
	"paidAccess.endsAt: string":                   "§2.3 HEAD fields (2026)",
	"earlyAccessEndsAt: string":                   "§2.3 earlyAccessEndsAt (2025), by-hash only",
	"earlyAccessConfig: object":                   "§2.3 earlyAccessConfig (2025), by-hash only",
	"earlyAccessConfig.timeframe: number":         "§2.3 earlyAccessConfig (2025), by-hash only",
	"earlyAccessConfig.chargeForDownload: bool":   "§2.3 earlyAccessConfig (2025), by-hash only",
	"earlyAccessConfig.downloadPrice: number":     "§2.3 earlyAccessConfig (2025), by-hash only",
	"earlyAccessConfig.chargeForGeneration: bool": "§2.3 earlyAccessConfig (2025), by-hash only",
	"description: string":                         "§3 description str|null",
	"baseModelType: null":                         "§3 baseModelType str|null",
	"publishedAt: null":                           "§3 publishedAt ISO|null, §6",
	"model.mode: string":                          "§2.3 model {name,type,nsfw,poi,mode?}",
	"stats.downloadCount: null":                   "§2.3 stats.downloadCount nullable",
	"files[].metadata.fp: string":                 "§3 metadata values",
	"files[].metadata.size: string":               "§3 metadata values",
	"files[].metadata.quantType: string":          "§4 quantType",
	"files[].scannedAt: null":                     "§3 scannedAt ISO|null",
	"files[].pickleScanMessage: null":             "§3 pickleScanMessage str|null",
	"images[].remixOfId: number":                  "model-single-2 sample",
	"images[].meta: object":                       "§2.3 images with meta",
	"images[].meta: null":                         "§2.3 images with meta (null when none)",
	"images[].meta.Size: string":                  "§2.3 meta",
	"images[].meta.seed: number":                  "§2.3 meta",
	"images[].meta.Model: string":                 "§2.3 meta",
	"images[].meta.steps: number":                 "§2.3 meta",
	"images[].meta.prompt: string":                "§2.3 meta",
	"images[].meta.sampler: string":               "§2.3 meta",
	"images[].meta.cfgScale: number":              "§2.3 meta",
	"images[].meta.Clip skip: string":             "§2.3 meta",
	"images[].meta.negativePrompt: string":        "§2.3 meta",
	"images[].meta.Hires upscale: string":         "§2.3 meta",
	"images[].meta.Hires upscaler: string":        "§2.3 meta",
	"images[].meta.Denoising strength: string":    "§2.3 meta",
}

func TestStructureMatchesSamples(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 7, Models: 80})
	fetch := func(paths ...string) pathKinds {
		t.Helper()
		pk := pathKinds{}
		for _, p := range paths {
			r := get(t, s.URL+p)
			if r.status != 200 {
				t.Fatalf("GET %s: %d %s", p, r.status, r.body)
			}
			pk.merge(pathsOf(t, r.body))
		}
		return pk
	}
	// A spread of ids: fixtures (all quirks) and generated models.
	var modelPaths, versionPaths []string
	for _, m := range s.Catalog.Models() {
		if !m.Visible() || m.Latest() == nil {
			continue
		}
		modelPaths = append(modelPaths, fmt.Sprintf("/api/v1/models/%d", m.ID))
		for _, v := range m.PublishedVersions() {
			if v.PrimaryFile() != nil { // else 404 "Missing model file" (§2.3)
				versionPaths = append(versionPaths, fmt.Sprintf("/api/v1/model-versions/%d", v.ID))
			}
		}
	}
	next := decode[listResp](t, get(t, s.URL+"/api/v1/models?limit=100&nsfw=true").body).Metadata.NextCursor
	list := fetch("/api/v1/models?limit=100&page=1&ids=101,102", "/api/v1/models?limit=100&nsfw=true",
		"/api/v1/models?limit=100&nsfw=true&cursor="+url.QueryEscape(next))
	models := fetch(modelPaths...)
	versions := fetch(versionPaths...)
	// The tool-derived sample may come from either endpoint (§2.3, §2.4):
	// compare it with both. by-hash of the fixtures' files covers early
	// access.
	var hashPaths []string
	for _, id := range s.Catalog.FixtureIDs() {
		m, _ := s.Catalog.Model(id)
		for _, v := range m.PublishedVersions() {
			if f := v.PrimaryFile(); f != nil && m.Visible() && f.PublishedHashes()["BLAKE3"] != "" {
				hashPaths = append(hashPaths, "/api/v1/model-versions/by-hash/"+f.PublishedHashes()["BLAKE3"])
			}
		}
	}
	versionsAndHash := fetch(append(versionPaths, hashPaths...)...)
	images := fetch("/api/v1/images?limit=50&page=1&withMeta=true&nsfw=X")

	tests := []struct {
		name    string
		sample  string // file names joined by "+" are merged
		fake    pathKinds
		eraOnly map[string]string // sample paths the current server no longer sends
		twoWay  map[string]string // additions allowed in the fake (nil: one-way check)
	}{
		{name: "models list 2025", sample: "models-list-2.json", fake: list, twoWay: listAdditions},
		{name: "model 2025", sample: "model-single-2.json+model-single-3.json", fake: models, twoWay: modelAdditions},
		{name: "model version 2022", sample: "model-version-1.json", fake: versions, eraOnly: map[string]string{
			"earlyAccessTimeFrame": "2022-2024 field (§2.3 older fields)",
			"stats.ratingCount":    "stats.rating/ratingCount dropped from V (§2.3 HEAD stats)",
			"stats.rating":         "stats.rating/ratingCount dropped from V (§2.3 HEAD stats)",
			"images[].nsfw":        "2022 boolean nsfw; images carry nsfwLevel int now (§3)",
		}},
		{name: "model version 2025 (tool-derived)", sample: "tool-civitai-info-1.json", fake: versionsAndHash, eraOnly: map[string]string{
			"images[].id": "the by-hash Prisma path once kept image ids; §2.3 strips them",
		}, twoWay: versionAdditions},
		{name: "images 2023", sample: "images-list-1.json", fake: images, eraOnly: map[string]string{
			"metadata.nextCursor: number": "2023 numeric cursor; strings now (§3 Metadata)",
		}},
		{name: "creators", sample: "creators-list-1.json", fake: fetch("/api/v1/creators?limit=3")},
		{name: "tags", sample: "tags-list-1.json", fake: fetch("/api/v1/tags?limit=3"), eraOnly: map[string]string{
			"items[].modelCount": "tags no longer carry modelCount (§2.8)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sample := pathKinds{}
			for _, name := range strings.Split(tt.sample, "+") {
				sample.merge(samplePaths(t, name))
			}
			if missing := subsetDiff(sample, tt.fake, tt.eraOnly); len(missing) > 0 {
				t.Errorf("fake lacks sample paths:\n  %s", strings.Join(missing, "\n  "))
			}
			if unused := unusedAllow(tt.eraOnly, sample, tt.fake); len(unused) > 0 {
				t.Errorf("stale eraOnly entries (the fake produces them or the sample lacks them): %v", unused)
			}
			if tt.twoWay == nil {
				return
			}
			if extra := subsetDiff(tt.fake, sample, tt.twoWay); len(extra) > 0 {
				t.Errorf("fake produces paths absent from the sample and not documented as additions:\n  %s", strings.Join(extra, "\n  "))
			}
		})
	}
}

// TestStructureSelfCheck makes sure the comparison can fail.
func TestStructureSelfCheck(t *testing.T) {
	t.Parallel()
	a := pathsOf(t, []byte(`{"items":[{"id":1,"tags":["x"],"stats":{"n":null}}]}`))
	b := pathsOf(t, []byte(`{"items":[{"id":"1","tags":[]}]}`))
	got := subsetDiff(a, b, nil)
	want := []string{"items[].id: number", "items[].stats.n: null", "items[].stats: object", "items[].tags[]: string"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("subsetDiff = %v, want %v", got, want)
	}
}

// TestErrorBodiesMatchSamples compares error bodies byte for byte.
func TestErrorBodiesMatchSamples(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 1, Models: -1})
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", "samples", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name, path, sample string
		status             int
	}{
		{"model 404", "/api/v1/models/1755196", "error-404-model-1.json", 404},
		{"version 404", "/api/v1/model-versions/1986406", "error-404-model-version-1.json", 404},
		{"by-hash 404", "/api/v1/model-versions/by-hash/0000000000", "error-404-model-version-1.json", 404},
		{"download 401", fmt.Sprintf("/api/download/models/%d", FixtureAuthRequired*100+1), "error-401-download-1.json", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := get(t, s.URL+tt.path)
			if r.status != tt.status || string(r.body) != read(tt.sample) {
				t.Errorf("GET %s = %d %s, want %d %s", tt.path, r.status, r.body, tt.status, read(tt.sample))
			}
			if ct := r.header.Get("Content-Type"); ct != jsonContentType {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
}
