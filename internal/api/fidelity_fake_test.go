package api_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/civitaitest"
)

// These tests decode what the fake CivitAI server (whose shapes follow
// civitai-api.md) produces for the quirks a client must survive.

func fakeClient(t *testing.T, opts civitaitest.Options) *api.Client {
	t.Helper()
	c, _ := fakeServerClient(t, opts)
	return c
}

func fakeServerClient(t *testing.T, opts civitaitest.Options) (*api.Client, *civitaitest.Server) {
	t.Helper()
	s := civitaitest.NewTestServer(t, opts)
	c, err := api.New(api.Options{BaseURL: s.URL, UserAgent: "civit-fidelity-test/1"})
	if err != nil {
		t.Fatal(err)
	}
	return c, s
}

// TestFidelityImagesLegacyMeta: ?modelId= without modelVersionId takes the
// legacy path, whose meta is the wrapper {id, meta} (§2.6).
func TestFidelityImagesLegacyMeta(t *testing.T) {
	t.Parallel()
	c := fakeClient(t, civitaitest.Options{BigFileSize: 1 << 20, Seed: 1, Models: -1})
	p, err := c.ListImages(t.Context(), &api.ImagesOptions{ModelID: civitaitest.FixturePublicLoRA, WithMeta: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) == 0 {
		t.Fatal("no images")
	}
	for _, im := range p.Items {
		if im.Prompt() == "" || im.Sampler() == "" {
			t.Errorf("image %d: wrapped meta not decoded: %s", im.ID, im.Raw)
		}
	}
}

// TestFidelityGeneratedQuirks walks every model of the default catalog:
// modelVersions [], publishedAt null, baseModelType null and
// allowCommercialUse as a plain string all decode (§3, §6).
func TestFidelityGeneratedQuirks(t *testing.T) {
	t.Parallel()
	c := fakeClient(t, civitaitest.Options{BigFileSize: 1 << 20, Seed: 1})
	yes := true
	seen := map[string]bool{}
	for m, err := range c.Models(t.Context(), &api.ModelsOptions{NSFW: &yes, Limit: 100}, 10000) {
		if err != nil {
			t.Fatal(err)
		}
		if len(m.ModelVersions) == 0 {
			seen["modelVersions []"] = true
		}
		if len(m.AllowCommercialUse) == 1 && slices.Contains([]string{"None", "Rent", "Sell", "Image", "RentCivit"}, m.AllowCommercialUse[0]) {
			seen["allowCommercialUse single"] = true
		}
		for _, v := range m.ModelVersions {
			if v.PublishedAt.IsZero() {
				seen["publishedAt null"] = true
			}
			if v.BaseModelType == "" {
				seen["baseModelType null"] = true
			}
		}
	}
	for _, what := range []string{"modelVersions []", "allowCommercialUse single", "publishedAt null", "baseModelType null"} {
		if !seen[what] {
			t.Errorf("no model with %s decoded", what)
		}
	}
}

// TestFidelityTagsTotalsZero: /tags reports totals 0 (§2.8); paging by
// nextPage still reaches every tag.
func TestFidelityTagsTotalsZero(t *testing.T) {
	t.Parallel()
	c := fakeClient(t, civitaitest.Options{BigFileSize: 1 << 20, Seed: 1, Models: 40})
	n := 0
	for page := 1; page < 100; page++ {
		p, err := c.ListTags(t.Context(), &api.ListOptions{Limit: 5, Page: page})
		if err != nil {
			t.Fatal(err)
		}
		if p.Metadata.TotalItems != 0 || p.Metadata.TotalPages != 0 {
			t.Errorf("page %d totals %+v", page, p.Metadata)
		}
		n += len(p.Items)
		if p.Metadata.NextPage == "" {
			break
		}
	}
	if n < 10 {
		t.Errorf("%d tags", n)
	}
}

// TestFidelityQuotedFilename: LoRA names with quotes and non-ASCII reach
// the signed URL's response-content-disposition verbatim (§2.10
// attachment; filename="<name>"), which is not a valid quoted-string.
func TestFidelityQuotedFilename(t *testing.T) {
	t.Parallel()
	c, s := fakeServerClient(t, civitaitest.Options{BigFileSize: 1 << 20, Seed: 1})
	var file *civitaitest.FakeFile
	for _, m := range s.Catalog.Models() {
		for _, v := range m.PublishedVersions() {
			if f := v.PrimaryFile(); f != nil && m.Visible() && m.Mode == "" && v.UsageControl == "Download" && !v.RequireAuth && v.EarlyAccessDeadline.IsZero() &&
				strings.Contains(f.Name, `"`) && file == nil {
				file = f
			}
		}
	}
	if file == nil {
		t.Fatal("no file name with quotes in the catalog")
	}
	loc, err := c.ResolveDownload(t.Context(), file.VersionID, api.DownloadParams{FileID: file.ID})
	if err != nil {
		t.Fatal(err)
	}
	if loc.Filename != file.Name {
		t.Errorf("Filename %q, want %q", loc.Filename, file.Name)
	}
}
