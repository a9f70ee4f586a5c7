package civitaitest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"
)

// generator produces the random part of the catalog. Every choice comes
// from r, seeded by Options.Seed, so the catalog is reproducible.
type generator struct {
	c *Catalog
	o Options
	r *rand.Rand

	nextModel, nextVersion, nextFile, nextImage, nextPost int64
	creators                                              []string
}

var (
	adjectives = []string{
		"Semi", "Dreamy", "Bright", "Dark", "Neon", "Retro", "Soft", "Crystal", "Velvet", "Golden",
		"Silent", "Lunar", "Solar", "Misty", "Vivid", "Pastel", "Iron", "Wild", "Ancient", "Cyber",
		"Realistic", "Anime", "Painted", "Ink", "Chrome", "Frozen", "Burning", "Hidden", "Royal", "Tiny",
	}
	nouns = []string{
		"Garden", "Samurai", "Witch", "Robot", "Dragon", "Forest", "City", "Portrait", "Knight", "Ocean",
		"Castle", "Fox", "Warrior", "Village", "Mecha", "Flower", "Tea House", "Lantern", "Desert", "Comet",
		"Ballerina", "Pirate", "Detective", "Oracle", "Painter", "Phoenix", "Ronin", "Alchemist", "Train", "Harbor",
	}
	suffixes   = []string{"", "", "", " XL", " Mix", " Style", " | Concept", " (Illustrious)", " Pony", " LoRA", " 裸絞め"}
	tagPool    = []string{"anime", "character", "style", "concept", "woman", "man", "clothing", "background", "landscape", "photorealistic", "base model", "objects", "vehicle", "animal", "fantasy", "sci-fi", "architecture", "poses", "tool", "assets", "girls_frontline", "cartoon", "3d", "pixel art", "horror", "food"}
	samplers   = []string{"Euler a", "DPM++ 2M Karras", "DPM++ SDE Karras", "Euler", "DDIM", "DPM++ 2M SDE"}
	blurAlpha  = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
	typeWeight = []weighted{
		{"LORA", 45}, {"Checkpoint", 18}, {"TextualInversion", 8}, {"LoCon", 6}, {"DoRA", 2},
		{"Controlnet", 3}, {"VAE", 3}, {"Upscaler", 2}, {"Hypernetwork", 1}, {"MotionModule", 1},
		{"Workflows", 2}, {"Poses", 1}, {"Wildcards", 1}, {"Detection", 1}, {"Other", 2},
		{"TextEncoder", 1}, {"UNet", 1},
	}
)

func (g *generator) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *generator) pickWeighted(ws []weighted) string {
	total := 0
	for _, w := range ws {
		total += w.w
	}
	n := g.r.IntN(total)
	for _, w := range ws {
		if n < w.w {
			return w.v
		}
		n -= w.w
	}
	return ws[len(ws)-1].v
}

func (g *generator) chance(p float64) bool { return g.r.Float64() < p }

// fileSize is log-uniform in [MinFileSize, MaxFileSize].
func (g *generator) fileSize() int64 {
	lo, hi := math.Log(float64(g.o.MinFileSize)), math.Log(float64(g.o.MaxFileSize))
	return int64(math.Exp(lo + g.r.Float64()*(hi-lo)))
}

// date returns a time uniformly in [from, to] with millisecond precision.
func (g *generator) date(from, to time.Time) time.Time {
	span := to.Sub(from)
	if span <= 0 {
		return from.Truncate(time.Millisecond)
	}
	return from.Add(time.Duration(g.r.Int64N(int64(span)))).Truncate(time.Millisecond)
}

// scanDate is like a Postgres TIMESTAMP(3): some values have a zero
// millisecond part or trailing zeros (which the raw-SQL endpoint drops, §6).
func (g *generator) scanDate(t time.Time) time.Time {
	t = t.Add(time.Duration(1+g.r.IntN(40)) * time.Minute).Truncate(time.Millisecond)
	switch n := g.r.IntN(20); {
	case n == 0:
		t = t.Truncate(time.Second)
	case n == 1:
		t = t.Truncate(10 * time.Millisecond)
	}
	return t
}

func (g *generator) count(scale float64) int64 {
	return int64(math.Exp(g.r.NormFloat64()*1.4 + math.Log(scale)))
}

// creatorPool is the set of generated creator names.
func creatorPool() []string {
	first := []string{"Leon", "alerici", "Ikena", "Jerry", "maxhulk", "Justy", "sakura", "nox", "mira", "kaito", "yuki", "ozzy", "pixel", "raven", "lumen", "tsubaki", "otter", "moss", "quill", "zephyr"}
	second := []string{"DoesntDraw", "viai", "", "ngng", "er", "Maier", "_art", "lab", "works", "_ai"}
	var out []string
	for i, f := range first {
		out = append(out, f+second[i%len(second)])
		out = append(out, strings.ToLower(f)+"_"+second[(i+3)%len(second)]+"2")
	}
	return out
}

// modelName makes a display name; some contain unicode or punctuation so
// that clients have to sanitise file names.
func (g *generator) modelName(typ string) string {
	name := g.pick(adjectives) + " " + g.pick(nouns)
	if g.chance(0.3) {
		name = g.pick(nouns) + " " + g.pick(adjectives)
	}
	suf := g.pick(suffixes)
	if typ == "Checkpoint" && g.chance(0.5) {
		suf = " XL"
	}
	return name + suf
}

// filenamize mimics the server's filenamize: camel-case alphanumerics of
// the words, first letter lower-cased, truncated to 20 characters.
func filenamize(s string) string {
	var words []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			cur.WriteRune(r)
		} else {
			flush()
		}
	}
	flush()
	var b strings.Builder
	for i, w := range words {
		if i == 0 {
			b.WriteString(strings.ToLower(w[:1]) + w[1:])
		} else {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	out := b.String()
	if len(out) > 20 {
		out = out[:20]
	}
	return out
}

// slug is a storage-key-safe lower-case form of s.
func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
	}
	out := strings.Trim(b.String(), "_")
	if out == "" {
		out = "file"
	}
	if len(out) > 40 {
		out = out[:40]
	}
	return out
}

// downloadName implements getDownloadFilename ([S-file], §2.10).
func downloadName(m *FakeModel, v *FakeVersion, uploaded, fileType string) string {
	modelName := filenamize(m.Name)
	versionName := filenamize(replaceInsensitive(v.Name, m.Name))
	if modelName == "" || m.Type == "LORA" || m.Type == "LoCon" {
		return uploaded
	}
	ext := uploaded[strings.LastIndex(uploaded, ".")+1:]
	if !contains(modelFileTypes, fileType) {
		return uploaded
	}
	switch {
	case fileType == "Training Data":
		return modelName + "_" + versionName + "_trainingData.zip"
	case m.Type == "TextualInversion":
		suffix := ""
		if fileType == "Negative" {
			suffix = "-neg"
		}
		if len(v.TrainedWords) > 0 {
			return v.TrainedWords[0] + suffix + "." + ext
		}
		return uploaded
	case fileType == "VAE":
		return uploaded
	}
	suffix := ""
	lower := strings.ToLower(uploaded)
	switch {
	case strings.Contains(lower, "-inpainting"):
		suffix = "-inpainting"
	case fileType == "Text Encoder":
		suffix = "_txt"
	}
	return modelName + "_" + versionName + suffix + "." + ext
}

func replaceInsensitive(s, old string) string {
	i := strings.Index(strings.ToLower(s), strings.ToLower(old))
	if old == "" || i < 0 {
		return s
	}
	return s[:i] + s[i+len(old):]
}

// fileSpec describes a file to add to a version.
type fileSpec struct {
	id                      int64
	uploaded                string // uploaded name (kept for LORA/LoCon/VAE)
	typ                     string
	format, size, fp, quant string
	bytes                   int64
	private                 bool
	pending                 bool     // scan pending: scannedAt null, no hashes
	hashKinds               []string // nil = default for the format
}

var pickleMessage = "**Detected Pickle imports (3)**\n```\ncollections.OrderedDict\ntorch.HalfStorage\ntorch._utils._rebuild_tensor_v2\n```"

// addFile creates a file from spec (names are resolved in finish order:
// the model and version must already be set up).
func (g *generator) addFile(m *FakeModel, v *FakeVersion, s fileSpec) *FakeFile {
	if s.id == 0 {
		g.nextFile += 1 + int64(g.r.IntN(25))
		s.id = g.nextFile
	}
	f := &FakeFile{
		ID:               s.id,
		Name:             downloadName(m, v, s.uploaded, s.typ),
		Size:             s.bytes,
		Type:             s.typ,
		Format:           s.format,
		SizeKind:         s.size,
		FP:               s.fp,
		QuantType:        s.quant,
		Private:          s.private,
		PickleScanResult: "Success",
		VirusScanResult:  "Success",
		ScannedAt:        g.scanDate(v.CreatedAt),
	}
	f.PickleScanMessage = "No Pickle imports"
	if s.format == "PickleTensor" {
		f.PickleScanMessage = pickleMessage
	}
	switch {
	case s.pending:
		f.PickleScanResult, f.VirusScanResult, f.PickleScanMessage = "Pending", "Pending", ""
		f.ScannedAt = time.Time{}
	}
	f.HashKinds = s.hashKinds
	if f.HashKinds == nil {
		f.HashKinds = []string{"AutoV1", "AutoV2", "SHA256", "CRC32", "BLAKE3"}
		if s.format == "SafeTensor" && v.CreatedAt.Year() >= 2023 {
			f.HashKinds = append(f.HashKinds, "AutoV3")
		}
	}
	ext := s.uploaded[strings.LastIndex(s.uploaded, ".")+1:]
	base := strings.TrimSuffix(s.uploaded, "."+ext)
	f.StorageKey = fmt.Sprintf("model/%d/%s.%d.%s", 1000+m.ID%90000, slug(base), f.ID, slug(ext))
	v.Files = append(v.Files, f)
	return f
}

func (g *generator) blurhash() string {
	var b strings.Builder
	for i := 0; i < 36; i++ {
		b.WriteByte(blurAlpha[g.r.IntN(len(blurAlpha))])
	}
	return b.String()
}

func (g *generator) uuid() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// image makes an image; levels restricts the possible NSFW levels.
func (g *generator) image(v *FakeVersion, levels []int, post int64) *FakeImage {
	g.nextImage += 1 + int64(g.r.IntN(30))
	lvl := levels[g.r.IntN(len(levels))]
	w, h := 832, 1216
	switch g.r.IntN(4) {
	case 0:
		w, h = 1024, 1024
	case 1:
		w, h = 1024, 1416
	case 2:
		w, h = 1216, 832
	}
	im := &FakeImage{
		ID:                g.nextImage,
		PostID:            post,
		UUID:              g.uuid(),
		Width:             w,
		Height:            h,
		NSFWLevel:         lvl,
		Hash:              g.blurhash(),
		Type:              "image",
		HasMeta:           true,
		HasPositivePrompt: true,
		OnSite:            g.chance(0.3),
		CreatedAt:         v.PublishedAt.Add(-time.Duration(g.r.IntN(3600)) * time.Second).Truncate(time.Millisecond),
		Meta: ImageMeta{
			Prompt:         strings.ToLower(g.pick(adjectives)) + " " + strings.ToLower(g.pick(nouns)) + ", masterpiece, best quality",
			NegativePrompt: "(worst quality, low quality:1.3), watermark",
			Sampler:        g.pick(samplers),
			Steps:          20 + g.r.IntN(21),
			Seed:           g.r.Int64N(1 << 32),
			CFGScale:       float64(3+g.r.IntN(9)) + []float64{0, 0.5}[g.r.IntN(2)],
			Size:           fmt.Sprintf("%dx%d", w, h),
			Model:          "fake_base",
			ClipSkip:       "2",
		},
		CommentCount: g.r.Int64N(5),
	}
	if g.chance(0.3) {
		im.Meta.HiresUpscale, im.Meta.HiresUpscaler, im.Meta.DenoisingStrength = "2", "4x-AnimeSharp", "0.4"
	}
	if g.chance(0.05) {
		im.Type = "video"
	}
	if g.chance(0.2) {
		im.RemixOfID = 40_000_000 + g.r.Int64N(9_000_000)
	}
	if g.chance(0.1) {
		im.HasMeta, im.HasPositivePrompt = false, false
	}
	for i := range im.Reactions {
		im.Reactions[i] = g.r.Int64N(50)
	}
	return im
}

var (
	levelsAll    = []int{nsfwPG, nsfwPG, nsfwPG, nsfwPG13, nsfwPG13, nsfwR, nsfwX, nsfwXXX}
	levelsMature = []int{nsfwR, nsfwX, nsfwXXX}
)

// model generates one random model and appends it to the catalog.
func (g *generator) model() {
	g.nextModel += 1 + int64(g.r.IntN(40))
	typ := g.pickWeighted(typeWeight)
	m := &FakeModel{
		ID:                    g.nextModel,
		Type:                  typ,
		Name:                  g.modelName(typ),
		Availability:          "Public",
		Status:                "Published",
		AllowNoCredit:         g.chance(0.7),
		AllowDerivatives:      g.chance(0.8),
		AllowDifferentLicense: g.chance(0.6),
		SupportsGeneration:    g.chance(0.6),
	}
	if g.creators == nil {
		g.creators = creatorPool()
	}
	pool := g.creators
	if g.chance(0.03) {
		m.Username = "civitai"
	} else {
		m.Username = pool[g.r.IntN(len(pool))]
	}
	if g.chance(0.8) {
		m.CreatorImage = fmt.Sprintf("https://image.civitai.com/xG1nkqKTMzGDvpLrqFT7WA/%s/width=96/%s.jpeg", g.uuid(), m.Username)
	}
	if g.chance(0.85) {
		m.Description = fmt.Sprintf("<p>%s for %s. Recommended weight 0.8-1.</p><p>Trained with love &amp; <strong>care</strong>.</p>", m.Name, typ)
	}
	for _, u := range []string{"Image", "RentCivit", "Rent", "Sell"} {
		if g.chance(0.6) {
			m.AllowCommercialUse = append(m.AllowCommercialUse, u)
		}
	}
	if len(m.AllowCommercialUse) == 0 {
		m.AllowCommercialUse = []string{"None"}
	}
	m.CommercialUseLiteral = g.chance(0.04)
	if typ == "Checkpoint" {
		m.CheckpointType = checkpointTypes[g.r.IntN(2)]
	}
	ntags := 1 + g.r.IntN(5)
	seen := map[string]bool{}
	for i := 0; i < ntags; i++ {
		t := g.pick(tagPool)
		if !seen[t] {
			seen[t] = true
			m.Tags = append(m.Tags, t)
		}
	}
	switch n := g.r.IntN(100); {
	case n < 4:
		m.Status = "Unpublished"
	case n < 6:
		m.Status = "Deleted"
	case n < 8:
		m.Mode = "Archived"
	case n < 9:
		m.Mode = "TakenDown"
	}
	mature := g.chance(0.15)
	levels := levelsAll
	if mature {
		levels = levelsMature
		m.NSFW = true
	}
	epoch := catalogEpoch()
	published := g.date(epoch.AddDate(-3, 0, 0), epoch.AddDate(0, 0, -2))
	m.PublishedAt = published
	nver := []int{1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4}[g.r.IntN(11)]
	base := g.pickWeighted(commonBaseModels)
	hidden := g.chance(0.04)
	vprefix := []string{"v", "V", "v", "beta v", "alpha V"}[g.r.IntN(5)]
	uploadedBase := strings.ReplaceAll(filenamize(m.Name), " ", "")
	if g.chance(0.04) {
		uploadedBase = m.Name // spaces and unicode in the uploaded name
	}
	// Versions are created oldest first, then reversed (index 0 = newest).
	var versions []*FakeVersion
	when := published
	for i := 0; i < nver; i++ {
		g.nextVersion += 1 + int64(g.r.IntN(30))
		v := &FakeVersion{
			ID:            g.nextVersion,
			Name:          fmt.Sprintf("%s%d.%d", vprefix, 1+i/2, (i%2)*5),
			BaseModel:     base,
			BaseModelType: "Standard",
			Status:        "Published",
			UsageControl:  "Download",
			UploadType:    "Created",
			Covered:       m.SupportsGeneration && g.chance(0.7),
		}
		if g.chance(0.1) {
			v.BaseModel = g.pickWeighted(commonBaseModels)
		}
		v.PublishedAt = when
		v.CreatedAt = when.Add(-time.Duration(1+g.r.IntN(72*60)) * time.Minute).Truncate(time.Millisecond)
		v.UpdatedAt = when.Add(time.Duration(g.r.IntN(48*60)) * time.Minute).Truncate(time.Millisecond)
		when = g.date(when.Add(24*time.Hour), when.Add(120*24*time.Hour))
		if when.After(epoch) {
			when = epoch.Add(-time.Hour)
		}
		if g.chance(0.8) {
			v.Description = fmt.Sprintf("<p>%s: improved details</p>", v.Name)
		}
		switch typ {
		case "TextualInversion":
			v.TrainedWords = []string{strings.ToLower(filenamize(m.Name)) + fmt.Sprint(i)}
		case "LORA", "LoCon", "DoRA":
			if g.chance(0.9) {
				v.TrainedWords = []string{strings.ToLower(g.pick(nouns)), strings.ToLower(filenamize(m.Name))}
			}
		}
		v.RequireAuth = g.chance(0.05)
		if g.chance(0.02) {
			v.UsageControl = "Generation"
		}
		dl := g.count(300)
		v.Stats = VersionStats{DownloadCount: ptr(dl), ThumbsUpCount: dl / 8, ThumbsDownCount: dl / 500}
		if hidden {
			v.Stats.DownloadCount = nil
		}
		if g.chance(0.3) {
			v.Stats.RatingCount, v.Stats.Rating = 1+dl/20, []float64{5, 4.95, 4.99, 5}[g.r.IntN(4)]
		}
		// Files.
		g.versionFiles(m, v, uploadedBase, i)
		// Images.
		nimg := g.r.IntN(7)
		if g.chance(0.08) {
			nimg = 0
		}
		g.nextPost += 1 + int64(g.r.IntN(9))
		for k := 0; k < nimg; k++ {
			v.Images = append(v.Images, g.image(v, levels, g.nextPost))
		}
		versions = append(versions, v)
	}
	// Newest first.
	for i, j := 0, len(versions)-1; i < j; i, j = i+1, j-1 {
		versions[i], versions[j] = versions[j], versions[i]
	}
	if len(versions) > 1 && g.chance(0.05) {
		// An unpublished draft that must never leak.
		versions[0].Status = "Draft"
		versions[0].PublishedAt = time.Time{}
	}
	if g.chance(0.03) && versions[0].Status == "Published" {
		versions[0].EarlyAccessDeadline = earlyAccessDeadline(versions[0].ID)
	}
	if m.Status != "Published" {
		for _, v := range versions {
			v.Status = "Unpublished"
		}
	}
	m.Versions = versions
	// Re-derive names now that versions are final (TI names use trained words).
	var total, thumbs int64
	for _, v := range versions {
		if v.Stats.DownloadCount != nil {
			total += *v.Stats.DownloadCount
		}
		thumbs += v.Stats.ThumbsUpCount
	}
	m.Stats = ModelStats{
		DownloadCount:     ptr(total),
		ThumbsUpCount:     thumbs,
		ThumbsDownCount:   thumbs / 200,
		CommentCount:      g.r.Int64N(1 + total/200),
		TippedAmountCount: ptr(g.r.Int64N(1 + total/10)),
	}
	if hidden {
		m.Stats.DownloadCount, m.Stats.TippedAmountCount = nil, nil
	}
	m.CollectedCount = g.count(50)
	g.c.models = append(g.c.models, m)
}

// versionFiles adds the files typical for the model type.
func (g *generator) versionFiles(m *FakeModel, v *FakeVersion, uploadedBase string, i int) {
	size := g.fileSize
	vs := strings.ReplaceAll(strings.ToLower(v.Name), " ", "")
	switch m.Type {
	case "LORA", "LoCon", "DoRA":
		name := uploadedBase + ".safetensors"
		if g.chance(0.4) {
			name = uploadedBase + "_" + strings.ReplaceAll(vs, ".", "") + ".safetensors"
		}
		g.addFile(m, v, fileSpec{uploaded: name, typ: "Model", format: "SafeTensor", bytes: size()})
		if g.chance(0.1) {
			g.addFile(m, v, fileSpec{uploaded: uploadedBase + "_dataset.zip", typ: "Training Data", format: "Other", bytes: size(), private: g.chance(0.5)})
		}
	case "Checkpoint":
		up := uploadedBase + ".safetensors"
		if g.chance(0.85) {
			g.addFile(m, v, fileSpec{uploaded: up, typ: "Model", format: "SafeTensor", size: "pruned", fp: "fp16", bytes: size()})
		}
		if g.chance(0.45) || len(v.Files) == 0 {
			g.addFile(m, v, fileSpec{uploaded: up, typ: "Model", format: "SafeTensor", size: "full", fp: "fp32", bytes: size()})
		}
		if g.chance(0.15) {
			g.addFile(m, v, fileSpec{uploaded: uploadedBase + ".ckpt", typ: "Model", format: "PickleTensor", size: "full", fp: "fp32", bytes: size()})
		}
		if g.chance(0.1) {
			g.addFile(m, v, fileSpec{uploaded: uploadedBase + "_vae.safetensors", typ: "VAE", format: "SafeTensor", bytes: size()})
		}
		if g.chance(0.05) {
			g.addFile(m, v, fileSpec{uploaded: uploadedBase + ".gguf", typ: "Model", format: "GGUF", size: "pruned", quant: "Q8_0", bytes: size()})
		}
	case "TextualInversion":
		ext := []string{".safetensors", ".pt"}[g.r.IntN(2)]
		format := map[string]string{".safetensors": "SafeTensor", ".pt": "PickleTensor"}[ext]
		g.addFile(m, v, fileSpec{uploaded: uploadedBase + ext, typ: "Model", format: format, bytes: size()})
		if g.chance(0.3) {
			g.addFile(m, v, fileSpec{uploaded: uploadedBase + "-neg" + ext, typ: "Negative", format: format, bytes: size()})
		}
	case "Workflows", "Poses", "Wildcards":
		g.addFile(m, v, fileSpec{uploaded: uploadedBase + ".zip", typ: "Archive", format: "Other", bytes: size()})
	case "Upscaler", "Detection":
		g.addFile(m, v, fileSpec{uploaded: uploadedBase + ".pth", typ: "Model", format: "PickleTensor", bytes: size()})
	default:
		g.addFile(m, v, fileSpec{uploaded: uploadedBase + ".safetensors", typ: "Model", format: "SafeTensor", fp: []string{"fp16", "bf16", "fp32"}[g.r.IntN(3)], bytes: size()})
	}
}

func ptr[T any](v T) *T { return &v }
