package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func decodeSample[T any](t *testing.T, name string) *T {
	t.Helper()
	v, err := decodeJSON[T](sample(t, name))
	if err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return v
}

func TestSampleModelsList1(t *testing.T) {
	t.Parallel()
	p := decodeSample[ModelsPage](t, "models-list-1.json")
	if len(p.Items) != 3 {
		t.Fatalf("items = %d, want 3", len(p.Items))
	}
	m := p.Items[0]
	if diff := cmp.Diff(CommercialUse{"Rent"}, m.AllowCommercialUse); diff != "" {
		t.Errorf("allowCommercialUse string (-want +got):\n%s", diff)
	}
	if m.ID != 3036 || m.Type != ModelTypeTextualInversion {
		t.Errorf("id/type = %d/%q", m.ID, m.Type)
	}
	want := Metadata{TotalItems: 1676, CurrentPage: 1, PageSize: 3, TotalPages: 559,
		NextPage: "https://civitai.com/api/v1/models?limit=3&types=TextualInversion&page=2"}
	if diff := cmp.Diff(want, p.Metadata); diff != "" {
		t.Errorf("old page metadata (-want +got):\n%s", diff)
	}
	v := m.ModelVersions[0]
	if got := v.CreatedAt.Time; !got.Equal(mustTime(t, "2023-02-12T22:44:01.442Z")) {
		t.Errorf("createdAt = %v", got)
	}
	if img := v.Images[0]; img.NSFW || img.Meta != nil {
		t.Errorf("image nsfw/meta = %v/%v, want false/nil", img.NSFW, img.Meta)
	}
	f := v.Files[0]
	if f.Metadata != (FileMetadata{Format: "PickleTensor", Size: "full", FP: "fp16"}) || !bool(f.Primary) {
		t.Errorf("file metadata/primary = %+v/%v", f.Metadata, f.Primary)
	}
	if f.Hashes.Get("autov2") != "F253ABB016" || f.Hashes.Get("AutoV1") != "" {
		t.Errorf("hashes = %v", f.Hashes)
	}
}

func TestSampleModelsList2(t *testing.T) {
	t.Parallel()
	p := decodeSample[ModelsPage](t, "models-list-2.json")
	if diff := cmp.Diff(Metadata{CurrentPage: 1, PageSize: 100}, p.Metadata); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	m := p.Items[0]
	if diff := cmp.Diff(CommercialUse{"Image", "RentCivit", "Rent", "Sell"}, m.AllowCommercialUse); diff != "" {
		t.Errorf("allowCommercialUse array (-want +got):\n%s", diff)
	}
	if m.Type != ModelTypeLORA || m.NSFWLevel.Value != 15 || !m.SupportsGeneration || m.Availability != "Public" {
		t.Errorf("type/nsfwLevel/supportsGeneration/availability = %q/%v/%v/%q", m.Type, m.NSFWLevel, m.SupportsGeneration, m.Availability)
	}
	if m.Stats.TippedAmountCount == nil || *m.Stats.TippedAmountCount != 0 || *m.Stats.DownloadCount != 2051 {
		t.Errorf("stats = %+v", m.Stats)
	}
	v := m.ModelVersions[0]
	if !v.CreatedAt.IsZero() {
		t.Errorf("list version createdAt = %v, want zero (absent)", v.CreatedAt)
	}
	if !v.PublishedAt.Equal(mustTime(t, "2023-07-27T10:41:45.737Z")) || v.Index == nil || *v.Index != 0 {
		t.Errorf("publishedAt/index = %v/%v", v.PublishedAt, v.Index)
	}
	if md := v.Files[0].Metadata; md.FP != "" || md.Size != "" || md.Format != "SafeTensor" {
		t.Errorf("null fp/size metadata = %+v", md)
	}
}

func TestSampleModelSingle1(t *testing.T) {
	t.Parallel()
	m := decodeSample[Model](t, "model-single-1.json")
	if diff := cmp.Diff(Tags{"punk", "synthwave", "style"}, m.Tags); diff != "" {
		t.Errorf("tag objects (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(CommercialUse{"Sell"}, m.AllowCommercialUse); diff != "" {
		t.Errorf("allowCommercialUse (-want +got):\n%s", diff)
	}
	if m.Stats.Rating == nil || *m.Stats.Rating != 4.93 || m.Stats.ThumbsUpCount != nil {
		t.Errorf("rating/thumbsUp = %v/%v", m.Stats.Rating, m.Stats.ThumbsUpCount)
	}
	if m.Creator == nil || m.Creator.Username != "justmaier" {
		t.Errorf("creator = %+v", m.Creator)
	}
	if m.AllowNoCredit == nil || !*m.AllowNoCredit {
		t.Errorf("allowNoCredit = %v", m.AllowNoCredit)
	}
}

func TestSampleModelSingle2(t *testing.T) {
	t.Parallel()
	m := decodeSample[Model](t, "model-single-2.json")
	v := m.ModelVersions[0]
	f := v.Files[0]
	if got := f.Hashes.Get("AutoV3"); got != "6F5F908A07F3" {
		t.Errorf("AutoV3 = %q", got)
	}
	if got := f.Hashes.SHA256(); got != "7C0B4B21DAD60CE4E5A3F78D33261F4E556F94042E7FD19FBC8C734A80EC5A81" {
		t.Errorf("SHA256 = %q", got)
	}
	if got := f.Hashes.BLAKE3(); got != "9CF9F55AA6591F0993A471A0E4E2932E34F797AE213BF2847059A544F146E843" {
		t.Errorf("BLAKE3 = %q", got)
	}
	if got := f.SizeBytes(); got != 228461732 {
		t.Errorf("SizeBytes = %d", got)
	}
	if v.Status != "Published" || v.CreatedAt.IsZero() || v.NSFWLevel.Value != 5 {
		t.Errorf("status/createdAt/nsfwLevel = %q/%v/%v", v.Status, v.CreatedAt, v.NSFWLevel)
	}
	if !f.ScannedAt.Equal(mustTime(t, "2025-07-02T19:16:12.819Z")) {
		t.Errorf("scannedAt = %v", f.ScannedAt)
	}
	if v.Images[0].NSFWLevel.Value != 1 || v.Images[0].NSFWLevel.Raw != "" {
		t.Errorf("image nsfwLevel = %+v", v.Images[0].NSFWLevel)
	}
}

func TestSampleModelSingle3EarlyAccess(t *testing.T) {
	t.Parallel()
	m := decodeSample[Model](t, "model-single-3.json")
	if len(m.ModelVersions) != 25 {
		t.Fatalf("versions = %d, want 25", len(m.ModelVersions))
	}
	var ea *ModelVersion
	images := 0
	for _, v := range m.ModelVersions {
		images += len(v.Images)
		if v.Availability == "EarlyAccess" {
			ea = v
		}
	}
	if images != 359 {
		t.Errorf("images = %d, want 359", images)
	}
	if ea == nil || ea.ID != 2010753 || ea.NSFWLevel.Value != 23 {
		t.Fatalf("early access version = %+v", ea)
	}
	if ea.Stats.DownloadCount == nil || *ea.Stats.DownloadCount != 111 {
		t.Errorf("early access downloads = %v", ea.Stats.DownloadCount)
	}
	if m.NSFWLevel.Value != 31 || m.Type != ModelTypeCheckpoint {
		t.Errorf("nsfwLevel/type = %v/%q", m.NSFWLevel, m.Type)
	}
}

func TestSampleModelListItem1(t *testing.T) {
	t.Parallel()
	m := decodeSample[Model](t, "model-list-item-1.json")
	if m.Description != "" || m.ModelVersions == nil || len(m.ModelVersions) != 0 {
		t.Errorf("description/modelVersions = %q/%#v", m.Description, m.ModelVersions)
	}
	if diff := cmp.Diff(CommercialUse{"None"}, m.AllowCommercialUse); diff != "" {
		t.Errorf("allowCommercialUse (-want +got):\n%s", diff)
	}
	if m.Type != ModelTypeAestheticGradient || m.Creator.Image == "" {
		t.Errorf("type/creator = %q/%+v", m.Type, m.Creator)
	}
	if m.Stats.Rating == nil || *m.Stats.Rating != 0 {
		t.Errorf("rating = %v", m.Stats.Rating)
	}
}

func TestSampleModelVersion1(t *testing.T) {
	t.Parallel()
	v := decodeSample[ModelVersion](t, "model-version-1.json")
	if v.ID != 1318 || v.ModelID != 1244 || v.Description != "" || v.EarlyAccessTimeFrame != 0 {
		t.Errorf("id/modelId/description = %d/%d/%q", v.ID, v.ModelID, v.Description)
	}
	if v.Model == nil || v.Model.Type != ModelTypeCheckpoint || v.Model.Name != "froggy style" {
		t.Errorf("model = %+v", v.Model)
	}
	if v.Images[0].Meta != nil || v.Images[0].Width != 832 {
		t.Errorf("image = %+v", v.Images[0])
	}
	if !v.UpdatedAt.Equal(mustTime(t, "2022-12-08T20:24:50.330Z")) {
		t.Errorf("updatedAt = %v", v.UpdatedAt)
	}
}

func TestSampleToolCivitaiInfo1(t *testing.T) {
	t.Parallel()
	v := decodeSample[ModelVersion](t, "tool-civitai-info-1.json")
	if !v.CreatedAt.IsZero() || !v.UpdatedAt.IsZero() || !v.EarlyAccessEndsAt.IsZero() {
		t.Errorf("empty dates not zero: %v %v %v", v.CreatedAt, v.UpdatedAt, v.EarlyAccessEndsAt)
	}
	if !v.PublishedAt.Equal(mustTime(t, "2025-02-16T14:27:25.058Z")) {
		t.Errorf("publishedAt = %v", v.PublishedAt)
	}
	if v.Model == nil || v.Model.Type != ModelTypeLORA || !bool(v.Model.NSFW) {
		t.Errorf("model = %+v", v.Model)
	}
	if v.UploadType != "Created" || v.UsageControl != "Download" || v.AIR != "" || v.BaseModelType != "Standard" {
		t.Errorf("uploadType/usageControl/air = %q/%q/%q", v.UploadType, v.UsageControl, v.AIR)
	}
	if got := v.Files[0].Hashes.Get("crc32"); got != "65052023" {
		t.Errorf("crc32 = %q", got)
	}
}

func TestSampleImagesList1(t *testing.T) {
	t.Parallel()
	p := decodeSample[ImagesPage](t, "images-list-1.json")
	if p.Metadata.NextCursor != "101" {
		t.Errorf("numeric nextCursor = %q, want \"101\"", p.Metadata.NextCursor)
	}
	im := p.Items[0]
	if diff := cmp.Diff(FlexInt{Value: 1, Raw: "None"}, im.NSFWLevel); diff != "" {
		t.Errorf("string nsfwLevel (-want +got):\n%s", diff)
	}
	got := []string{im.Prompt()[:22], im.NegativePrompt()[:14], im.Sampler(), im.Steps(), im.Seed(), im.CFGScale()}
	want := []string{"<lora:setsunaTokage_v1", "(worst quality", "DPM++ SDE Karras", "35", "234871805", "7"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("meta accessors (-want +got):\n%s", diff)
	}
	if im.PostID != 138779 || im.Username != "Cooler_Rider" || !im.CreatedAt.Equal(mustTime(t, "2023-04-11T15:33:12.500Z")) {
		t.Errorf("image = %+v", im)
	}
}

func TestSampleCreatorsAndTags(t *testing.T) {
	t.Parallel()
	cp := decodeSample[CreatorsPage](t, "creators-list-1.json")
	want := &Creator{Username: "Civitai", ModelCount: 848, Link: "https://civitai.com/api/v1/models?username=Civitai"}
	if diff := cmp.Diff(want, cp.Items[0]); diff != "" {
		t.Errorf("creator (-want +got):\n%s", diff)
	}
	if cp.Metadata.TotalPages != 16 || cp.Metadata.NextPage == "" {
		t.Errorf("creators metadata = %+v", cp.Metadata)
	}
	tp := decodeSample[TagsPage](t, "tags-list-1.json")
	wantTag := &Tag{Name: "Pepe Larraz", Link: "https://civitai.com/api/v1/models?tag=Pepe Larraz", ModelCount: 1}
	if diff := cmp.Diff(wantTag, tp.Items[0]); diff != "" {
		t.Errorf("tag (-want +got):\n%s", diff)
	}
}

// TestRawPreserved checks that Raw holds the exact bytes received and that
// marshalling writes them back.
func TestRawPreserved(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"model-single-1.json", "model-single-2.json", "model-single-3.json", "model-list-item-1.json"} {
		in := sample(t, name)
		m := decodeSample[Model](t, name)
		if !bytes.Equal(m.Raw, bytes.TrimSpace(in)) {
			t.Errorf("%s: Raw differs from input", name)
		}
		assertMarshalsTo(t, name, m, in)
	}
	for _, name := range []string{"model-version-1.json", "tool-civitai-info-1.json"} {
		in := sample(t, name)
		v := decodeSample[ModelVersion](t, name)
		if !bytes.Equal(v.Raw, bytes.TrimSpace(in)) {
			t.Errorf("%s: Raw differs from input", name)
		}
		assertMarshalsTo(t, name, v, in)
	}
	for _, name := range []string{"models-list-1.json", "models-list-2.json"} {
		var raw struct{ Items []json.RawMessage }
		if err := json.Unmarshal(sample(t, name), &raw); err != nil {
			t.Fatal(err)
		}
		p := decodeSample[ModelsPage](t, name)
		for i, m := range p.Items {
			if !bytes.Equal(m.Raw, raw.Items[i]) {
				t.Errorf("%s item %d: Raw differs from input", name, i)
			}
		}
	}
}

func assertMarshalsTo(t *testing.T, name string, v any, in []byte) {
	t.Helper()
	// json.Marshal would escape <, > and & (descriptions are HTML); an
	// encoder without HTML escaping reproduces the input exactly.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("%s: marshal: %v", name, err)
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	var want bytes.Buffer
	if err := json.Compact(&want, in); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want.Bytes()) {
		t.Errorf("%s: re-marshalled bytes differ from input", name)
	}
}

func TestErrorSamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, want string
	}{
		{"error-401-download-1.json", "The creator of this asset requires you to be logged in to download it (Unauthorized)"},
		{"error-404-model-1.json", "No model with id 1755196"},
		{"error-404-model-version-1.json", "Model not found"},
		{"error-500-models-1.json", "An unexpected error occurred (URI malformed)"},
		{"error-500-models-2.json", "An unexpected error occurred"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			got := parseErrorBody("application/json", sample(t, tt.file)).message
			if got != tt.want {
				t.Errorf("message = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestEverySampleDecodes makes sure no sample is forgotten: each JSON file
// in testdata/samples decodes into its type, and new files must be added
// here.
func TestEverySampleDecodes(t *testing.T) {
	t.Parallel()
	decoders := map[string]func([]byte) error{
		"models-list-1.json":             func(b []byte) error { _, err := decodeJSON[ModelsPage](b); return err },
		"models-list-2.json":             func(b []byte) error { _, err := decodeJSON[ModelsPage](b); return err },
		"model-single-1.json":            func(b []byte) error { _, err := decodeJSON[Model](b); return err },
		"model-single-2.json":            func(b []byte) error { _, err := decodeJSON[Model](b); return err },
		"model-single-3.json":            func(b []byte) error { _, err := decodeJSON[Model](b); return err },
		"model-list-item-1.json":         func(b []byte) error { _, err := decodeJSON[Model](b); return err },
		"model-version-1.json":           func(b []byte) error { _, err := decodeJSON[ModelVersion](b); return err },
		"tool-civitai-info-1.json":       func(b []byte) error { _, err := decodeJSON[ModelVersion](b); return err },
		"images-list-1.json":             func(b []byte) error { _, err := decodeJSON[ImagesPage](b); return err },
		"creators-list-1.json":           func(b []byte) error { _, err := decodeJSON[CreatorsPage](b); return err },
		"tags-list-1.json":               func(b []byte) error { _, err := decodeJSON[TagsPage](b); return err },
		"error-401-download-1.json":      errorSample,
		"error-404-model-1.json":         errorSample,
		"error-404-model-version-1.json": errorSample,
		"error-500-models-1.json":        errorSample,
		"error-500-models-2.json":        errorSample,
	}
	entries, err := os.ReadDir(filepath.Join("testdata", "samples"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".json" {
			continue
		}
		n++
		dec, ok := decoders[e.Name()]
		if !ok {
			t.Errorf("sample %s has no decoder in this test", e.Name())
			continue
		}
		if err := dec(sample(t, e.Name())); err != nil {
			t.Errorf("%s: %v", e.Name(), err)
		}
	}
	if n != len(decoders) {
		t.Errorf("found %d samples, want %d", n, len(decoders))
	}
}

func errorSample(b []byte) error {
	if parseErrorBody("application/json", b).message == "" {
		return errors.New("empty message")
	}
	return nil
}
