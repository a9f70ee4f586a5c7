package civitaitest

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Response shaping for the three model/version views (civitai-api.md §3):
// L = /models list item, M = /models/{id}, V = /model-versions/{id} and
// by-hash. Key order follows the real samples.

// view selects the shape.
type view int

const (
	viewList view = iota
	viewModel
	viewVersion
	viewByHash
)

// renderCtx carries request-dependent rendering inputs.
type renderCtx struct {
	origin          string // scheme://host used for downloadUrl
	browsing        int    // browsing level flags for image filtering (lists)
	nsfwParam       bool   // ?nsfw given true: images are not filtered
	primaryFileOnly bool
	supportsGenOnly bool
	now             time.Time
	imageBase       string // where image URLs point (the storage host)
}

// imageAccount is the account segment of CivitAI image URLs
// (https://image.civitai.com/<key>/<uuid>/width=832/<id>.jpeg).
const imageAccount = "xG1nkqKTMzGDvpLrqFT7WA"

// imageURL has the real URL's shape, on the fake storage host (base is
// StorageURL + "/image"), which serves small images for previews. The
// version views rewrite the transform segment to original=true (§2.3); the
// list, the model and /images keep width=<the image's width>, as every
// sample of those views does (model-single-2/3, models-list-2,
// images-list-1).
func imageURL(base string, im *FakeImage, original bool) string {
	ext := "jpeg"
	if im.Type == "video" {
		ext = "mp4"
	}
	size := "width=" + strconv.Itoa(im.Width)
	if original || im.Width <= 0 {
		size = "original=true"
	}
	return base + "/" + imageAccount + "/" + im.UUID + "/" + size + "/" + strconv.FormatInt(im.ID, 10) + "." + ext
}

// downloadURL is createModelFileDownloadUrl (§2.10 [S-dlurl]): the primary
// file gets the bare URL, others carry type/format/size/fp but not
// quantType. Two GGUF quants of one format and size therefore share a
// URL, which the download endpoint resolves to the preferred quant
// (Q4_K_M by default): on the real site a non-default quant's downloadUrl
// silently serves another file; only ?fileId= reaches it.
func downloadURL(origin string, v *FakeVersion, f *FakeFile) string {
	u := origin + v.DownloadPath()
	if f == nil || f.Primary {
		return u
	}
	var q []string
	add := func(k, val string) {
		if val != "" {
			q = append(q, k+"="+encodeURIComponent(val))
		}
	}
	add("type", f.Type)
	if f.Type != "Training Data" {
		add("format", f.Format)
	}
	add("size", f.SizeKind)
	add("fp", f.FP)
	if len(q) == 0 {
		return u
	}
	return u + "?" + strings.Join(q, "&")
}

// encodeURIComponent escapes like JavaScript's encodeURIComponent.
func encodeURIComponent(s string) string {
	return strings.NewReplacer("+", "%20", "%21", "!", "%27", "'", "%28", "(", "%29", ")", "%2A", "*").
		Replace(url.QueryEscape(s))
}

func (m *FakeModel) commercialUse() any {
	if m.CommercialUseString && len(m.AllowCommercialUse) > 0 {
		return m.AllowCommercialUse[0]
	}
	if m.CommercialUseLiteral {
		return "{" + strings.Join(m.AllowCommercialUse, ",") + "}"
	}
	return append([]string{}, m.AllowCommercialUse...)
}

func modelStats(s ModelStats) obj {
	return obj{
		{"downloadCount", nullInt(s.DownloadCount)},
		{"favoriteCount", s.FavoriteCount},
		{"thumbsUpCount", s.ThumbsUpCount},
		{"thumbsDownCount", s.ThumbsDownCount},
		{"commentCount", s.CommentCount},
		{"ratingCount", s.RatingCount},
		{"rating", s.Rating},
		{"tippedAmountCount", nullInt(s.TippedAmountCount)},
	}
}

// renderModel renders a model for the list (L) or detail (M) view;
// unpublished versions and versions without a primary file are dropped.
func renderModel(m *FakeModel, vw view, rc renderCtx) obj {
	o := obj{
		{"id", m.ID},
		{"name", m.Name},
		{"description", nullStr(m.Description)},
		{"allowNoCredit", m.AllowNoCredit},
		{"allowCommercialUse", m.commercialUse()},
		{"allowDerivatives", m.AllowDerivatives},
		{"allowDifferentLicense", m.AllowDifferentLicense},
		{"type", m.Type},
		{"minor", m.Minor},
	}
	o.setIf(vw == viewModel, "sfwOnly", m.SFWOnly)
	o.set("poi", m.POI)
	o.set("nsfw", m.NSFW)
	o.set("nsfwLevel", m.NSFWLevel)
	o.set("availability", m.Availability)
	o.setIf(m.Mode != "", "mode", m.Mode)
	o.set("cosmetic", nil)
	o.set("supportsGeneration", m.SupportsGeneration)
	o.set("stats", modelStats(m.Stats))
	if m.Username != "civitai" {
		o.set("creator", obj{{"username", m.Username}, {"image", nullStr(m.CreatorImage)}})
	}
	o.set("tags", append([]string{}, m.Tags...))
	versions := []obj{}
	for _, v := range m.Versions {
		if v.Status != "Published" {
			continue
		}
		if vw == viewList && rc.supportsGenOnly && !v.Covered {
			continue
		}
		if v.PrimaryFile() == nil {
			continue
		}
		if vw == viewList {
			versions = append(versions, renderListVersion(v, rc))
		} else {
			versions = append(versions, removeEmpty(renderModelVersion(v, rc)))
		}
	}
	o.set("modelVersions", versions)
	return o
}

// removeEmpty drops null values and empty arrays ([S-model-id] removeEmpty).
// civitai-api.md §2.2 names only null/undefined, but model-single-3.json
// has 24 versions without trainedWords where the list views of the
// samples send "trainedWords": []: empty arrays go too.
func removeEmpty(o obj) obj {
	out := o[:0:0]
	for _, e := range o {
		switch x := e.v.(type) {
		case nil:
			continue
		case []obj:
			if len(x) == 0 {
				continue
			}
		case []string:
			if len(x) == 0 {
				continue
			}
		}
		out = append(out, e)
	}
	return out
}

// publishedAt is the rendered publishedAt: ISO, or null for drafts and
// NullPublishedAt versions.
func (v *FakeVersion) publishedAt() any {
	if v.NullPublishedAt {
		return nil
	}
	return isoTime(v.PublishedAt)
}

func (v *FakeVersion) earlyAccess(now time.Time) bool {
	return !v.EarlyAccessDeadline.IsZero() && now.Before(v.EarlyAccessDeadline)
}

func (v *FakeVersion) availability(now time.Time) string {
	if v.earlyAccess(now) {
		return "EarlyAccess"
	}
	return "Public"
}

func (v *FakeVersion) paidAccess(now time.Time) any {
	if !v.earlyAccess(now) {
		return nil
	}
	return obj{{"permanent", false}, {"endsAt", isoTime(v.EarlyAccessDeadline)}}
}

func trainedWords(v *FakeVersion) []string { return append([]string{}, v.TrainedWords...) }

// renderListVersion is a version inside a /models list item (L).
func renderListVersion(v *FakeVersion, rc renderCtx) obj {
	o := obj{
		{"id", v.ID},
		{"index", v.Index},
		{"name", v.Name},
		{"baseModel", v.BaseModel},
		{"baseModelType", nullStr(v.BaseModelType)},
		{"publishedAt", v.publishedAt()},
		{"availability", v.availability(rc.now)},
		{"nsfwLevel", v.NSFWLevel},
		{"description", nullStr(v.Description)},
		{"trainedWords", trainedWords(v)},
		{"stats", obj{
			{"downloadCount", nullInt(v.Stats.DownloadCount)},
			{"ratingCount", v.Stats.RatingCount},
			{"rating", v.Stats.Rating},
			{"thumbsUpCount", v.Stats.ThumbsUpCount},
			{"thumbsDownCount", v.Stats.ThumbsDownCount},
		}},
	}
	if v.earlyAccess(rc.now) {
		o.set("earlyAccessDeadline", isoTime(v.EarlyAccessDeadline))
	}
	o.set("paidAccess", v.paidAccess(rc.now))
	o.set("supportsGeneration", v.Covered)
	m := v.model
	files := []obj{}
	if m.Mode != "Archived" {
		for _, f := range v.Files {
			if f.Private || (rc.primaryFileOnly && !f.Primary) {
				continue
			}
			files = append(files, renderFile(f, viewList, rc.origin))
		}
	}
	o.set("files", files)
	images := []obj{}
	if m.Mode != "TakenDown" {
		for _, im := range v.Images {
			if !rc.nsfwParam && im.NSFWLevel&rc.browsing == 0 {
				continue
			}
			images = append(images, obj{
				{"id", im.ID},
				{"url", imageURL(rc.imageBase, im, false)},
				{"nsfwLevel", im.NSFWLevel},
				{"width", im.Width},
				{"height", im.Height},
				{"hash", im.Hash},
				{"type", im.Type},
				{"hasMeta", im.HasMeta},
				{"hasPositivePrompt", im.HasPositivePrompt},
				{"onSite", im.OnSite},
				{"remixOfId", remix(im)},
			})
		}
	}
	o.set("images", images)
	if m.Mode != "Archived" {
		o.set("downloadUrl", downloadURL(rc.origin, v, nil))
	}
	return o
}

func remix(im *FakeImage) any {
	if im.RemixOfID == 0 {
		return nil
	}
	return im.RemixOfID
}

// renderModelVersion is a version inside /models/{id} (M), before
// removeEmpty.
func renderModelVersion(v *FakeVersion, rc renderCtx) obj {
	o := obj{
		{"id", v.ID},
		{"index", v.Index},
		{"name", v.Name},
		{"baseModel", v.BaseModel},
		{"baseModelType", nullStr(v.BaseModelType)},
		{"createdAt", isoTime(v.CreatedAt)},
		{"publishedAt", v.publishedAt()},
		{"status", v.Status},
		{"availability", v.availability(rc.now)},
		{"nsfwLevel", v.NSFWLevel},
		{"description", nullStr(v.Description)},
		{"trainedWords", trainedWords(v)},
		{"covered", v.Covered},
		{"stats", obj{
			{"downloadCount", nullInt(v.Stats.DownloadCount)},
			{"ratingCount", v.Stats.RatingCount},
			{"rating", v.Stats.Rating},
			{"thumbsUpCount", v.Stats.ThumbsUpCount},
			{"thumbsDownCount", v.Stats.ThumbsDownCount},
		}},
	}
	if v.earlyAccess(rc.now) {
		o.set("earlyAccessDeadline", isoTime(v.EarlyAccessDeadline))
	}
	o.set("paidAccess", v.paidAccess(rc.now))
	m := v.model
	files := []obj{}
	if m.Mode != "Archived" {
		for _, f := range v.Files {
			if !f.Private {
				files = append(files, renderFile(f, viewModel, rc.origin))
			}
		}
	}
	o.set("files", files)
	images := []obj{}
	if m.Mode != "TakenDown" {
		for _, im := range v.Images {
			images = append(images, obj{
				{"url", imageURL(rc.imageBase, im, false)},
				{"nsfwLevel", im.NSFWLevel},
				{"width", im.Width},
				{"height", im.Height},
				{"hash", im.Hash},
				{"type", im.Type},
				{"minor", false},
				{"poi", false},
				{"hasMeta", im.HasMeta},
				{"hasPositivePrompt", im.HasPositivePrompt},
				{"onSite", im.OnSite},
				{"remixOfId", remix(im)},
			})
		}
	}
	o.set("images", images)
	if m.Mode != "Archived" {
		o.set("downloadUrl", downloadURL(rc.origin, v, nil))
	}
	return o
}

// renderFile renders a file for the given view.
func renderFile(f *FakeFile, vw view, origin string) obj {
	o := obj{
		{"id", f.ID},
		{"sizeKB", f.SizeKB()},
		{"name", f.Name},
		{"type", f.Type},
		{"pickleScanResult", f.PickleScanResult},
		{"pickleScanMessage", nullStr(f.PickleScanMessage)},
		{"virusScanResult", f.VirusScanResult},
		{"virusScanMessage", nil},
	}
	switch vw {
	case viewVersion:
		o.set("scannedAt", pgTime(f.ScannedAt))
	default:
		o.set("scannedAt", isoTime(f.ScannedAt))
	}
	var meta obj
	switch vw {
	case viewModel:
		// The model view: the stored metadata minus empties (§2.2; sample
		// model-single-2 has {"format":"SafeTensor"} only).
		meta = removeEmpty(obj{{"format", nullStr(f.Format)}, {"size", nullStr(f.SizeKind)}, {"fp", nullStr(f.FP)}, {"quantType", nullStr(f.QuantType)}})
	default:
		// The list (sample models-list-2) and the version views
		// ({format,size,fp} of §2.3; sample tool-civitai-info-1, the
		// by-hash / model-versions shape) keep null values: the stored
		// metadata holds "size":null,"fp":null.
		meta = obj{{"format", nullStr(f.Format)}, {"size", nullStr(f.SizeKind)}, {"fp", nullStr(f.FP)}}
		meta.setIf(f.QuantType != "", "quantType", f.QuantType)
	}
	o.set("metadata", meta)
	hashes := obj{}
	published := f.PublishedHashes()
	for _, k := range hashKinds {
		if h, ok := published[k]; ok {
			hashes.set(k, h)
		}
	}
	o.set("hashes", hashes)
	switch vw {
	case viewVersion, viewByHash:
		o.set("primary", f.Primary)
		o.set("downloadUrl", downloadURL(origin, f.version, f))
	default:
		o.set("downloadUrl", downloadURL(origin, f.version, f))
		o.setIf(f.Primary, "primary", true)
	}
	return o
}

// airFor builds the AIR urn of a version (stringifyAIR).
func airFor(v *FakeVersion) string {
	eco := "other"
	switch b := v.BaseModel; {
	case strings.HasPrefix(b, "SDXL"):
		eco = "sdxl"
	case strings.HasPrefix(b, "SD 1"):
		eco = "sd1"
	case strings.HasPrefix(b, "SD 2"):
		eco = "sd2"
	case strings.HasPrefix(b, "SD 3"):
		eco = "sd3"
	case strings.HasPrefix(b, "Flux.1"):
		eco = "flux1"
	case b == "Pony":
		eco = "pony"
	case b == "Illustrious":
		eco = "illustrious"
	case b == "NoobAI":
		eco = "noobai"
	}
	typ := map[string]string{
		"Checkpoint": "checkpoint", "TextualInversion": "embedding", "LORA": "lora", "LoCon": "lycoris",
		"DoRA": "dora", "Hypernetwork": "hypernet", "VAE": "vae", "Controlnet": "controlnet",
		"Upscaler": "upscaler", "MotionModule": "motion", "Workflows": "workflows",
	}[v.model.Type]
	if typ == "" {
		typ = "other"
	}
	return "urn:air:" + eco + ":" + typ + ":civitai:" + strconv.FormatInt(v.ModelID, 10) + "@" + strconv.FormatInt(v.ID, 10)
}

// renderVersionDetail is the /model-versions/{id} (vw = viewVersion) or
// by-hash (vw = viewByHash) body.
func renderVersionDetail(v *FakeVersion, vw view, rc renderCtx) obj {
	m := v.model
	o := obj{
		{"id", v.ID},
		{"modelId", v.ModelID},
		{"name", v.Name},
		{"nsfwLevel", v.NSFWLevel},
		{"createdAt", isoTime(v.CreatedAt)},
		{"updatedAt", isoTime(v.UpdatedAt)},
		{"status", v.Status},
		{"publishedAt", v.publishedAt()},
		{"trainedWords", trainedWords(v)},
		{"trainingStatus", nil},
		{"trainingDetails", nil},
		{"baseModel", v.BaseModel},
		{"baseModelType", nullStr(v.BaseModelType)},
	}
	// earlyAccessEndsAt/earlyAccessConfig are not in the raw-SQL field list
	// of /model-versions/{id} (§2.3, only "older fields seen in the
	// wild"); the by-hash Prisma select still yields them (§2.4, sample
	// tool-civitai-info-1.json).
	if vw == viewByHash {
		if v.earlyAccess(rc.now) {
			o.set("earlyAccessEndsAt", isoTime(v.EarlyAccessDeadline))
			o.set("earlyAccessConfig", obj{{"timeframe", 7}, {"chargeForDownload", true}, {"downloadPrice", 500}, {"chargeForGeneration", false}})
		} else {
			o.set("earlyAccessEndsAt", nil)
			o.set("earlyAccessConfig", nil)
		}
	}
	o.set("description", nullStr(v.Description))
	o.set("uploadType", v.UploadType)
	o.set("usageControl", v.UsageControl)
	o.set("licensingFee", nil)
	o.set("paidAccess", v.paidAccess(rc.now))
	o.set("air", airFor(v))
	// /model-versions/{id} (raw SQL) has the HEAD stats of §2.3; by-hash,
	// a Prisma select (§2.4), still has the rating and thumbs-down counts
	// (sample tool-civitai-info-1).
	if vw == viewByHash {
		o.set("stats", obj{
			{"downloadCount", nullInt(v.Stats.DownloadCount)},
			{"ratingCount", v.Stats.RatingCount},
			{"rating", v.Stats.Rating},
			{"thumbsUpCount", v.Stats.ThumbsUpCount},
			{"thumbsDownCount", v.Stats.ThumbsDownCount},
		})
	} else {
		o.set("stats", obj{{"downloadCount", nullInt(v.Stats.DownloadCount)}, {"thumbsUpCount", v.Stats.ThumbsUpCount}})
	}
	mo := obj{{"name", m.Name}, {"type", m.Type}, {"nsfw", m.NSFW}, {"poi", m.POI}}
	mo.setIf(m.Mode != "", "mode", m.Mode)
	o.set("model", mo)
	files := []obj{}
	if m.Mode != "Archived" {
		for _, f := range v.Files {
			if !f.Private {
				files = append(files, renderFile(f, vw, rc.origin))
			}
		}
	}
	o.set("files", files)
	images := []obj{}
	if m.Mode != "TakenDown" {
		for i, im := range v.Images {
			if i == 10 {
				break
			}
			images = append(images, obj{
				{"url", imageURL(rc.imageBase, im, true)},
				{"nsfwLevel", im.NSFWLevel},
				{"width", im.Width},
				{"height", im.Height},
				{"hash", im.Hash},
				{"type", im.Type},
				{"minor", false},
				{"poi", false},
				{"hasMeta", im.HasMeta},
				{"hasPositivePrompt", im.HasPositivePrompt},
				{"onSite", im.OnSite},
				{"remixOfId", remix(im)},
				{"meta", imageMeta(im)},
			})
		}
	}
	o.set("images", images)
	if m.Mode != "Archived" {
		o.set("downloadUrl", downloadURL(rc.origin, v, nil))
	}
	return o
}

// imageMeta is the flat generation metadata (2023 sample shape), or null.
func imageMeta(im *FakeImage) any {
	if !im.HasMeta {
		return nil
	}
	mt := im.Meta
	o := obj{
		{"Size", mt.Size},
		{"seed", mt.Seed},
		{"Model", mt.Model},
		{"steps", mt.Steps},
		{"prompt", mt.Prompt},
		{"sampler", mt.Sampler},
		{"cfgScale", mt.CFGScale},
		{"Clip skip", mt.ClipSkip},
	}
	o.setIf(mt.HiresUpscale != "", "Hires upscale", mt.HiresUpscale)
	o.setIf(mt.HiresUpscaler != "", "Hires upscaler", mt.HiresUpscaler)
	o.set("negativePrompt", mt.NegativePrompt)
	o.setIf(mt.DenoisingStrength != "", "Denoising strength", mt.DenoisingStrength)
	return o
}

// imageRender are the request-dependent choices of an /images item.
type imageRender struct {
	withMeta bool // meta is null without it
	flat     bool // flat meta, else the legacy wrapper {id, meta}
	withTags bool // adds tags: [{id, name}]
}

// renderImageItem is an /images item (§2.6, runImageSearch's shaping).
func renderImageItem(im *FakeImage, ir imageRender, imageBase string) obj {
	v := im.version
	var meta any
	if ir.withMeta {
		meta = imageMeta(im)
		if !ir.flat {
			meta = obj{{"id", im.ID}, {"meta", meta}}
		}
	}
	nsfwName := legacyNSFWName(im.NSFWLevel)
	o := obj{
		{"id", im.ID},
		{"url", imageURL(imageBase, im, false)},
		{"hash", im.Hash},
		{"width", im.Width},
		{"height", im.Height},
		// nsfw is nsfwLevel !== "None": Soft (PG-13) counts (§2.6).
		{"nsfw", nsfwName != "None"},
		{"nsfwLevel", nsfwName},
		{"browsingLevel", im.NSFWLevel},
		{"type", im.Type},
		{"createdAt", isoTime(im.CreatedAt)},
		{"postId", im.PostID},
		{"stats", obj{
			{"cryCount", im.Reactions[0]},
			{"laughCount", im.Reactions[1]},
			{"likeCount", im.Reactions[2]},
			{"dislikeCount", im.Reactions[3]},
			{"heartCount", im.Reactions[4]},
			{"commentCount", im.CommentCount},
		}},
		{"meta", meta},
		{"username", im.Username},
		{"baseModel", v.BaseModel},
		{"modelVersionIds", []int64{v.ID}},
	}
	if ir.withTags {
		tags := []obj{}
		for _, t := range im.Tags {
			tags = append(tags, obj{{"id", t.ID}, {"name", t.Name}})
		}
		o.set("tags", tags)
	}
	return o
}
