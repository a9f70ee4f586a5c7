package civitaitest

import (
	"time"
)

// Fixture model ids. They are present in every catalog whatever
// Options.Models is. Version j (1 = newest) of fixture model M has id
// M*100+j, and file k (1-based) of version V has id V*100+k; e.g.
// FixturePublicLoRA's only version is 10101 and its file 1010101.
const (
	// FixturePublicLoRA is a public LORA (SDXL 1.0) with one version, one
	// primary SafeTensor file, trigger words and images with generation meta;
	// its download works without a key.
	FixturePublicLoRA int64 = 101
	// FixtureCheckpoint is a checkpoint with 3 versions of several files:
	// pruned fp16 SafeTensor (primary), full fp32 SafeTensor, a PickleTensor
	// and a VAE. Checkpoint file names are derived from model and version
	// names, so the fp16, fp32 and (newest version) fp8 SafeTensor files share
	// one name: only the file id tells them apart. The middle version also has
	// two GGUF files (Q8_0, Q4_K_M) whose downloadUrls collide, since they
	// carry type/format/size/fp but not quantType (§2.10 [S-dlurl]): both
	// lead to the preferred Q4_K_M, so Q8_0's downloadUrl silently serves the
	// wrong file; ?quantType=Q8_0 or ?fileId= reach it.
	FixtureCheckpoint int64 = 102
	// FixtureAuthRequired's download needs a valid key (401 JSON without).
	FixtureAuthRequired int64 = 103
	// FixtureEarlyAccess has its newest version in early access: 403 "Early
	// Access" with a deadline unless the key is in Options.EarlyAccessKeys.
	// Its older version downloads normally.
	FixtureEarlyAccess int64 = 104
	// FixtureArchived has mode Archived: files [] and no downloadUrl in the
	// API, download 410.
	FixtureArchived int64 = 105
	// FixtureWrongHash publishes hashes (SHA256 and all others) that do not
	// match the served bytes.
	FixtureWrongHash int64 = 106
	// FixtureNoDownload has usageControl Generation: download 401 "The
	// creator of this asset has disabled downloads on this file".
	FixtureNoDownload int64 = 107
	// FixtureMissingHash's newest primary file publishes only BLAKE3 (its
	// scan is still Pending); its older version publishes no hash at all.
	FixtureMissingHash int64 = 108
	// FixtureBig has one file of Options.BigFileSize bytes (default 64 MiB).
	FixtureBig int64 = 109
	// FixtureDeleted is a deleted model that still sits in the search index:
	// /models/{id} 404, download 404, but ?query=fixture hits it (a source of
	// short pages).
	FixtureDeleted int64 = 111
	// FixtureQuirks collects response quirks: owned by the "civitai" account
	// (no creator object), stats.downloadCount null, allowCommercialUse as the
	// string "{Image,RentCivit}", a newest version without images (the images
	// key is absent in /models/{id}) and without description, and scannedAt
	// values whose fraction is ".81" and empty in /model-versions/{id}.
	FixtureQuirks int64 = 110
	// FixtureMatureOnly has no PG content (nsfwLevel 28): /models lists it
	// only with nsfw=true, /models/{id} shows it.
	FixtureMatureOnly int64 = 112
)

// FixtureIDs maps fixture names (as in the constants, without the
// "Fixture" prefix) to model ids.
func (c *Catalog) FixtureIDs() map[string]int64 {
	return map[string]int64{
		"PublicLoRA":   FixturePublicLoRA,
		"Checkpoint":   FixtureCheckpoint,
		"AuthRequired": FixtureAuthRequired,
		"EarlyAccess":  FixtureEarlyAccess,
		"Archived":     FixtureArchived,
		"WrongHash":    FixtureWrongHash,
		"NoDownload":   FixtureNoDownload,
		"MissingHash":  FixtureMissingHash,
		"Big":          FixtureBig,
		"Deleted":      FixtureDeleted,
		"Quirks":       FixtureQuirks,
		"MatureOnly":   FixtureMatureOnly,
	}
}

// fixtureBuilder helps declaring fixtures with the id scheme above.
type fixtureBuilder struct {
	g *generator
	m *FakeModel
}

func (g *generator) fixture(id int64, name, typ, user string, published time.Time) *fixtureBuilder {
	m := &FakeModel{
		ID:                    id,
		Name:                  name,
		Type:                  typ,
		Username:              user,
		CreatorImage:          "https://image.civitai.com/xG1nkqKTMzGDvpLrqFT7WA/0a1b2c3d-0000-4000-8000-00000000" + itoa(id) + "/width=96/" + user + ".jpeg",
		Description:           "<p>" + name + " — a fixture of the fake CivitAI server.</p>",
		Tags:                  []string{"fixture", "style"},
		Availability:          "Public",
		Status:                "Published",
		AllowNoCredit:         true,
		AllowDerivatives:      true,
		AllowDifferentLicense: true,
		AllowCommercialUse:    []string{"Image", "RentCivit", "Rent", "Sell"},
		SupportsGeneration:    true,
		PublishedAt:           published,
		Stats: ModelStats{
			DownloadCount: ptr(int64(1000 + id)), ThumbsUpCount: 100 + id, ThumbsDownCount: 1,
			CommentCount: 3, TippedAmountCount: ptr(int64(7)),
		},
		CollectedCount: 10,
	}
	if typ == "Checkpoint" {
		m.CheckpointType = "Merge"
	}
	g.c.models = append(g.c.models, m)
	return &fixtureBuilder{g: g, m: m}
}

// version appends version j (1 = newest; call in order 1, 2, ...).
func (b *fixtureBuilder) version(name, base string, published time.Time, words ...string) *FakeVersion {
	j := int64(len(b.m.Versions) + 1)
	v := &FakeVersion{
		ID:            b.m.ID*100 + j,
		Name:          name,
		Description:   "<p>" + name + " of " + b.m.Name + "</p>",
		BaseModel:     base,
		BaseModelType: "Standard",
		CreatedAt:     published.Add(-90 * time.Minute),
		UpdatedAt:     published.Add(2 * time.Hour),
		PublishedAt:   published,
		Status:        "Published",
		TrainedWords:  words,
		Covered:       true,
		UsageControl:  "Download",
		UploadType:    "Created",
		Stats:         VersionStats{DownloadCount: ptr(int64(500 + j)), ThumbsUpCount: 50, ThumbsDownCount: 0},
		model:         b.m,
	}
	b.m.Versions = append(b.m.Versions, v)
	return v
}

// file appends file k to v with the id scheme and a fixed size.
func (b *fixtureBuilder) file(v *FakeVersion, s fileSpec) *FakeFile {
	s.id = v.ID*100 + int64(len(v.Files)+1)
	if s.bytes == 0 {
		s.bytes = 200<<10 + s.id%4096
	}
	f := b.g.addFile(b.m, v, s)
	// Fixed scan dates keep fixtures independent of the random stream.
	if !f.ScannedAt.IsZero() {
		f.ScannedAt = v.CreatedAt.Add(17*time.Minute + 12*time.Second + 819*time.Millisecond)
	}
	return f
}

// images appends n images with the given levels (cycled).
func (b *fixtureBuilder) images(v *FakeVersion, n int, levels ...int) {
	for i := 0; i < n; i++ {
		id := 40_000_000 + v.ID*10 + int64(i)
		lvl := levels[i%len(levels)]
		v.Images = append(v.Images, &FakeImage{
			ID: id, PostID: 8_000_000 + v.ID, UUID: "f1x7u4e0-0000-4000-8000-0000" + itoa(id),
			Width: 832, Height: 1216, NSFWLevel: lvl, Hash: "UhIrQxkY%gxv%jRnn$Nd%gRPM_NFE2M}awbI",
			Type: "image", HasMeta: true, HasPositivePrompt: true, OnSite: true,
			CreatedAt: v.PublishedAt.Add(-time.Duration(i+1) * time.Minute),
			Meta: ImageMeta{
				Prompt: "fixture prompt, " + v.Name, NegativePrompt: "lowres, bad anatomy", Sampler: "Euler a",
				Steps: 28, Seed: 1234567 + id%1000, CFGScale: 7, Size: "832x1216", Model: "fixture", ClipSkip: "2",
			},
			Reactions: [5]int64{0, 1, 5, 0, 3},
		})
		if i == 0 {
			m := &v.Images[len(v.Images)-1].Meta
			m.HiresUpscale, m.HiresUpscaler, m.DenoisingStrength = "2", "4x-AnimeSharp", "0.4"
		}
	}
}

func itoa(n int64) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = digits[n%10]
		n /= 10
	}
	return string(b[i:])
}

func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 12, 34, 56, 789_000_000, time.UTC)
}

// addFixtures creates the fixture models (ids 101..112).
func addFixtures(g *generator) {
	st := func(uploaded string, extra fileSpec) fileSpec {
		extra.uploaded, extra.format = uploaded, "SafeTensor"
		if extra.typ == "" {
			extra.typ = "Model"
		}
		return extra
	}

	// PublicLoRA.
	b := g.fixture(FixturePublicLoRA, "Fixture Public LoRA", "LORA", "fixture_creator", day(2025, 3, 1))
	v := b.version("v1.0", "SDXL 1.0", day(2025, 3, 1), "fixlora", "fixture style")
	b.file(v, st("fixture_public_lora.safetensors", fileSpec{}))
	b.images(v, 3, nsfwPG, nsfwPG13)

	// Checkpoint: 3 versions with several files each.
	b = g.fixture(FixtureCheckpoint, "Fixture Checkpoint XL", "Checkpoint", "fixture_creator", day(2024, 11, 2))
	up := "fixture_checkpoint_xl.safetensors"
	for j, name := range []string{"v3.0", "v2.0", "v1.0"} {
		v := b.version(name, "SDXL 1.0", day(2025, time.Month(6-2*j), 10))
		b.file(v, st(up, fileSpec{size: "pruned", fp: "fp16"}))
		b.file(v, st(up, fileSpec{size: "full", fp: "fp32", bytes: 300<<10 + int64(j)}))
		b.file(v, fileSpec{uploaded: "fixture_checkpoint_xl.ckpt", typ: "Model", format: "PickleTensor", size: "full", fp: "fp32"})
		b.file(v, st("fixture_checkpoint_xl_vae.safetensors", fileSpec{typ: "VAE"}))
		switch j {
		case 0:
			b.file(v, st(up, fileSpec{size: "pruned", fp: "fp8"}))
		case 1:
			b.file(v, fileSpec{uploaded: "fixture_checkpoint_xl.gguf", typ: "Model", format: "GGUF", size: "pruned", quant: "Q8_0"})
			b.file(v, fileSpec{uploaded: "fixture_checkpoint_xl.gguf", typ: "Model", format: "GGUF", size: "pruned", quant: "Q4_K_M"})
		}
		b.images(v, 2, nsfwPG)
	}

	// AuthRequired.
	b = g.fixture(FixtureAuthRequired, "Fixture Auth Required", "LORA", "fixture_creator", day(2025, 4, 1))
	v = b.version("v1.0", "Illustrious", day(2025, 4, 1), "authword")
	v.RequireAuth = true
	b.file(v, st("fixture_auth_required.safetensors", fileSpec{}))
	b.images(v, 1, nsfwPG)

	// EarlyAccess: newest version gated, older one public.
	b = g.fixture(FixtureEarlyAccess, "Fixture Early Access", "LORA", "fixture_creator", day(2025, 1, 5))
	v = b.version("v2.0", "Illustrious", day(2025, 7, 1), "eaword")
	v.EarlyAccessDeadline = earlyAccessDeadline(v.ID)
	b.file(v, st("fixture_early_access_v2.safetensors", fileSpec{}))
	b.images(v, 1, nsfwPG)
	v = b.version("v1.0", "Illustrious", day(2025, 1, 5), "eaword")
	b.file(v, st("fixture_early_access_v1.safetensors", fileSpec{}))
	b.images(v, 1, nsfwPG)

	// Archived.
	b = g.fixture(FixtureArchived, "Fixture Archived", "LORA", "fixture_creator", day(2024, 2, 2))
	b.m.Mode = "Archived"
	v = b.version("v1.0", "SD 1.5", day(2024, 2, 2), "oldword")
	b.file(v, st("fixture_archived.safetensors", fileSpec{}))
	b.images(v, 1, nsfwPG)

	// WrongHash.
	b = g.fixture(FixtureWrongHash, "Fixture Wrong Hash", "LORA", "fixture_creator", day(2025, 2, 2))
	v = b.version("v1.0", "Pony", day(2025, 2, 2), "wrongword")
	b.file(v, st("fixture_wrong_hash.safetensors", fileSpec{})).WrongHash = true
	b.images(v, 1, nsfwPG)

	// NoDownload.
	b = g.fixture(FixtureNoDownload, "Fixture No Download", "LORA", "fixture_creator", day(2025, 5, 5))
	v = b.version("v1.0", "Flux.1 D", day(2025, 5, 5), "genonly")
	v.UsageControl = "Generation"
	b.file(v, st("fixture_no_download.safetensors", fileSpec{}))
	b.images(v, 1, nsfwPG)

	// MissingHash.
	b = g.fixture(FixtureMissingHash, "Fixture Missing Hash", "LORA", "fixture_creator", day(2024, 5, 5))
	v = b.version("v2.0", "SDXL 1.0", day(2025, 6, 6), "nohash")
	b.file(v, st("fixture_missing_hash_v2.safetensors", fileSpec{pending: true, hashKinds: []string{"BLAKE3"}}))
	b.images(v, 1, nsfwPG)
	v = b.version("v1.0", "SDXL 1.0", day(2024, 5, 5), "nohash")
	b.file(v, st("fixture_missing_hash_v1.safetensors", fileSpec{hashKinds: []string{}}))
	b.images(v, 1, nsfwPG)

	// Big.
	b = g.fixture(FixtureBig, "Fixture Big Checkpoint", "Checkpoint", "fixture_creator", day(2025, 3, 3))
	b.m.Stats.ThumbsUpCount, b.m.Stats.DownloadCount = 1, ptr(int64(1))
	v = b.version("v1.0", "Flux.1 D", day(2025, 3, 3))
	b.file(v, st("fixture_big.safetensors", fileSpec{size: "pruned", fp: "fp16", bytes: g.o.BigFileSize}))
	b.images(v, 1, nsfwPG)

	// Deleted (search-index ghost).
	b = g.fixture(FixtureDeleted, "Fixture Deleted LoRA", "LORA", "fixture_creator", day(2024, 8, 8))
	b.m.Status = "Deleted"
	v = b.version("v1.0", "SD 1.5", day(2024, 8, 8), "ghost")
	v.Status = "Unpublished"
	b.file(v, st("fixture_deleted.safetensors", fileSpec{}))
	b.images(v, 1, nsfwPG)

	// Quirks.
	b = g.fixture(FixtureQuirks, "Fixture Quirks", "LORA", "civitai", day(2024, 9, 9))
	b.m.Stats.DownloadCount, b.m.Stats.TippedAmountCount = nil, nil
	b.m.AllowCommercialUse = []string{"Image", "RentCivit"}
	b.m.CommercialUseLiteral = true
	b.m.CreatorImage = ""
	v = b.version("v2.0", "Pony", day(2025, 1, 9), "quirk")
	v.Description = ""
	v.Stats.DownloadCount = nil
	f := b.file(v, st("fixture_quirks_v2.safetensors", fileSpec{}))
	f.ScannedAt = time.Date(2025, 7, 2, 19, 16, 12, 810_000_000, time.UTC)
	v = b.version("v1.0", "Pony", day(2024, 9, 9), "quirk")
	f = b.file(v, st("fixture_quirks_v1.safetensors", fileSpec{}))
	f.ScannedAt = time.Date(2024, 9, 9, 10, 0, 0, 0, time.UTC)
	b.images(v, 2, nsfwPG, nsfwPG13)

	// MatureOnly.
	b = g.fixture(FixtureMatureOnly, "Fixture Mature Only", "LORA", "fixture_creator", day(2025, 2, 20))
	b.m.NSFW = true
	v = b.version("v1.0", "Pony", day(2025, 2, 20), "mature")
	b.file(v, st("fixture_mature_only.safetensors", fileSpec{}))
	b.images(v, 3, nsfwR, nsfwX, nsfwXXX)
}
