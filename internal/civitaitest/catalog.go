package civitaitest

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Catalog is the deterministic set of models, versions, files and images a
// fake server serves. It is generated from Options (Seed, Models, sizes) in
// well under a second even for thousands of models; hashes are computed
// lazily. A Catalog is safe for concurrent use.
type Catalog struct {
	seed      int64
	models    []*FakeModel // all models (incl. unpublished search ghosts), by id
	modelByID map[int64]*FakeModel
	verByID   map[int64]*FakeVersion
	fileByID  map[int64]*FakeFile
	images    []*FakeImage // all images, by id descending (newest first)
	creators  []string     // distinct creator usernames, sorted
	tags      []string     // distinct tags, sorted

	blocks blockCache

	idxMu    sync.Mutex
	idxGen   int64 // mutation counter the index was built for
	hashIdx  map[string][]*FakeFile
	idxFiles []*FakeFile // files in indexing order
	idxDone  int         // idxFiles[:idxDone] are indexed
	mutation atomic.Int64
}

// FakeModel is one model of the catalog. Fields are read-only for callers.
type FakeModel struct {
	ID           int64
	Name         string
	Description  string // HTML; empty renders as null in lists and is omitted in detail
	Type         string // ModelType
	Username     string // creator; "civitai" means the creator object is omitted (§2.1)
	CreatorImage string // avatar URL; empty renders as null
	Tags         []string
	NSFW         bool
	NSFWLevel    int // OR of the published versions' levels (bit flags, §4)
	POI          bool
	Minor        bool
	SFWOnly      bool
	Availability string
	// Mode is "", "Archived" or "TakenDown".
	Mode string
	// Status is "Published", "Unpublished" or "Deleted"; only published
	// models are visible, the others exist only in the search index.
	Status                string
	AllowNoCredit         bool
	AllowDerivatives      bool
	AllowDifferentLicense bool
	AllowCommercialUse    []string
	// CommercialUseLiteral renders allowCommercialUse as the Postgres array
	// literal string "{Image,RentCivit}" instead of a JSON array (§3).
	CommercialUseLiteral bool
	// CommercialUseString renders allowCommercialUse as the plain string of
	// its single value, e.g. "Rent" or "None" (§3, sample
	// model-list-item-1.json).
	CommercialUseString bool
	CheckpointType      string // "Trained" or "Merge" for checkpoints
	SupportsGeneration  bool
	Stats               ModelStats
	CollectedCount      int64 // sort key of "Most Collected"
	PublishedAt         time.Time
	// Versions is newest first (index 0) and includes unpublished versions.
	Versions []*FakeVersion
	// hidden: see Server.HideModel.
	hidden atomic.Bool
}

// ModelStats are a model's counters (§3 Model.stats).
type ModelStats struct {
	DownloadCount     *int64 // nil renders null (creator hides metrics)
	FavoriteCount     int64
	ThumbsUpCount     int64
	ThumbsDownCount   int64
	CommentCount      int64
	RatingCount       int64
	Rating            float64
	TippedAmountCount *int64
}

// FakeVersion is one model version.
type FakeVersion struct {
	ID            int64
	ModelID       int64
	Index         int
	Name          string
	Description   string // empty renders as null (or is omitted in /models/{id})
	BaseModel     string
	BaseModelType string // empty renders null (§3 baseModelType str|null)
	CreatedAt     time.Time
	UpdatedAt     time.Time
	PublishedAt   time.Time // zero for drafts
	// NullPublishedAt renders publishedAt as null although the version is
	// published (§3 publishedAt ISO|null, §6); PublishedAt still orders it.
	NullPublishedAt bool
	Status          string // "Published", "Draft" or "Unpublished"
	NSFWLevel       int
	TrainedWords    []string
	Covered         bool // rendered as supportsGeneration in lists
	// EarlyAccessDeadline is non-zero for versions in early access.
	EarlyAccessDeadline time.Time
	RequireAuth         bool   // creator requires a logged-in user to download
	UsageControl        string // "Download", "Generation", ...
	UploadType          string
	Stats               VersionStats
	Files               []*FakeFile // all files, including private ones
	Images              []*FakeImage

	model *FakeModel
}

// VersionStats are a version's counters.
type VersionStats struct {
	DownloadCount   *int64
	RatingCount     int64
	Rating          float64
	ThumbsUpCount   int64
	ThumbsDownCount int64
}

// FakeImage is one showcase image of a version.
type FakeImage struct {
	ID                int64
	VersionID         int64
	PostID            int64
	UUID              string
	Width, Height     int
	NSFWLevel         int
	Hash              string // blurhash-like
	Type              string // "image" or "video"
	HasMeta           bool
	HasPositivePrompt bool
	OnSite            bool
	RemixOfID         int64 // 0 renders null
	CreatedAt         time.Time
	Username          string
	Meta              ImageMeta
	Reactions         [5]int64 // cry, laugh, like, dislike, heart
	CommentCount      int64
	// UserID is the poster's user id (?userId= on /images), derived from
	// Username.
	UserID int64
	// Tags are the image's tags (?tags= and withTags=true on /images).
	Tags []ImageTag

	version *FakeVersion
}

// ImageTag is a tag of an image as /images renders it with withTags=true.
type ImageTag struct {
	ID   int64
	Name string
}

// imageTagPool are the image tags the catalog uses, with fixed ids.
var imageTagPool = []ImageTag{
	{5133, "woman"}, {3628, "clothing"}, {4, "anime"}, {111991, "outdoors"}, {5262, "portrait"},
	{7084, "landscape"}, {2435, "photorealistic"}, {292, "animal"}, {5193, "fantasy"}, {3915, "city"},
	{122735, "sky"}, {6594, "flower"}, {1914, "armor"}, {111768, "hat"}, {2309, "sci-fi"},
}

// imageTagsFor derives 0 to 3 tags from the image id (not from the
// generator's stream, so adding tags changed nothing else).
func imageTagsFor(id int64) []ImageTag {
	h := splitmix64(uint64(id) ^ 0x1A6E7A65)
	n := int(h % 4)
	var out []ImageTag
	seen := map[int]bool{}
	for i := 0; i < n; i++ {
		h = splitmix64(h)
		k := int(h % uint64(len(imageTagPool)))
		if !seen[k] {
			seen[k] = true
			out = append(out, imageTagPool[k])
		}
	}
	return out
}

// userIDFor is the fake user id of a username (FNV-1a, stable).
func userIDFor(username string) int64 {
	h := uint32(2166136261)
	for i := 0; i < len(username); i++ {
		h ^= uint32(username[i])
		h *= 16777619
	}
	return 10_000 + int64(h%9_000_000)
}

// ImageMeta is the generation metadata of an image.
type ImageMeta struct {
	Prompt         string
	NegativePrompt string
	Sampler        string
	Steps          int
	Seed           int64
	CFGScale       float64
	Size           string
	Model          string
	ClipSkip       string
	// Hires fix parameters; empty means absent.
	HiresUpscale, HiresUpscaler, DenoisingStrength string
}

// FakeFile is one file of a version. Its body is generated on the fly.
type FakeFile struct {
	ID        int64
	VersionID int64
	// Name is the download file name (what the API shows and what
	// Content-Disposition carries).
	Name string
	Size int64
	// Type is the ModelFileType ("Model", "Pruned Model", "VAE", ...).
	Type string
	// Metadata fields; empty means null/absent.
	Format, SizeKind, FP, QuantType string
	// Private files are never shown nor downloadable by others (§2.1).
	Private bool
	// Primary is what getPrimaryFile elects with the default preferences.
	Primary           bool
	PickleScanResult  string
	PickleScanMessage string
	VirusScanResult   string
	ScannedAt         time.Time // zero renders null
	// HashKinds lists the published hash kinds, in render order.
	HashKinds []string
	// WrongHash makes the published hashes describe other bytes.
	WrongHash bool
	// StorageKey is the object key on the storage host ("model/<n>/<key>").
	StorageKey string

	cat     *Catalog
	version *FakeVersion
	gen     atomic.Int64

	mu       sync.Mutex
	memoGen  int64
	memo     *FileHashes
	wrongGen int64
	wrong    *FileHashes
}

// Model returns the model with that id (any status).
func (c *Catalog) Model(id int64) (*FakeModel, bool) { m, ok := c.modelByID[id]; return m, ok }

// Version returns the version with that id (any status).
func (c *Catalog) Version(id int64) (*FakeVersion, bool) { v, ok := c.verByID[id]; return v, ok }

// File returns the file with that id (including private files).
func (c *Catalog) File(id int64) (*FakeFile, bool) { f, ok := c.fileByID[id]; return f, ok }

// Models returns all models ordered by id, including unpublished and deleted
// ones (check Status); callers must not modify the slice.
func (c *Catalog) Models() []*FakeModel { return c.models }

// Visible reports whether the model is published (shown by the API).
func (m *FakeModel) Visible() bool { return m.Status == "Published" }

// nsfwLevel is the model's level as the browsing-level filters see it: 0
// while hidden (Server.HideModel).
func (m *FakeModel) nsfwLevel() int {
	if m.hidden.Load() {
		return 0
	}
	return m.NSFWLevel
}

// Latest returns the newest published version, or nil.
func (m *FakeModel) Latest() *FakeVersion {
	for _, v := range m.Versions {
		if v.Status == "Published" {
			return v
		}
	}
	return nil
}

// PublishedVersions returns the published versions, newest first.
func (m *FakeModel) PublishedVersions() []*FakeVersion {
	var out []*FakeVersion
	for _, v := range m.Versions {
		if v.Status == "Published" {
			out = append(out, v)
		}
	}
	return out
}

// Model returns the model the version belongs to.
func (v *FakeVersion) Model() *FakeModel { return v.model }

// PrimaryFile returns the version's primary file, or nil.
func (v *FakeVersion) PrimaryFile() *FakeFile {
	for _, f := range v.Files {
		if f.Primary {
			return f
		}
	}
	return nil
}

// PublicFiles returns the files visible to everyone.
func (v *FakeVersion) PublicFiles() []*FakeFile {
	var out []*FakeFile
	for _, f := range v.Files {
		if !f.Private {
			out = append(out, f)
		}
	}
	return out
}

// Version returns the version the file belongs to.
func (f *FakeFile) Version() *FakeVersion { return f.version }

// Model returns the model the file belongs to.
func (f *FakeFile) Model() *FakeModel { return f.version.model }

// SizeKB is the size as the API renders it (bytes / 1024).
func (f *FakeFile) SizeKB() float64 { return float64(f.Size) / 1024 }

// Generation is incremented by Server.MutateFile; each generation has
// different bytes (same size) and a different ETag.
func (f *FakeFile) Generation() int64 { return f.gen.Load() }

func (f *FakeFile) content(gen int64) *content {
	c := &content{block: f.cat.blocks.get(contentKey(f.cat.seed, f.ID, gen)), size: f.Size}
	if f.Format == "SafeTensor" {
		h := safetensorsHeader(f.ID)
		if int64(len(h)) <= f.Size {
			c.header = h
		}
	}
	return c
}

// Body returns the bytes of the current generation. The reader keeps
// returning that generation's bytes even if the file is mutated later.
func (f *FakeFile) Body() io.ReaderAt { return f.content(f.Generation()) }

// WriteRange writes n body bytes starting at off to w.
func (f *FakeFile) WriteRange(w io.Writer, off, n int64) (int64, error) {
	return f.content(f.Generation()).writeRange(w, off, n)
}

// Hashes returns the true hashes of the current body (memoized per
// generation; the first call reads the whole body, about 1 s/GiB).
func (f *FakeFile) Hashes() FileHashes {
	gen := f.Generation()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.memo == nil || f.memoGen != gen {
		h := computeHashes(f.content(gen))
		f.memo, f.memoGen = &h, gen
	}
	return *f.memo
}

// SHA256 returns the true upper-case hex SHA-256 of the current body.
func (f *FakeFile) SHA256() string { return f.Hashes().SHA256 }

// BLAKE3 returns the true upper-case hex BLAKE3 of the current body.
func (f *FakeFile) BLAKE3() string { return f.Hashes().BLAKE3 }

// PublishedHashes returns the hashes the API shows for the file: the true
// ones, restricted to HashKinds, or those of other bytes when WrongHash.
func (f *FakeFile) PublishedHashes() map[string]string {
	h := f.publishedHashes()
	out := make(map[string]string, len(f.HashKinds))
	for _, k := range f.HashKinds {
		if v := h.get(k); v != "" {
			out[k] = v
		}
	}
	return out
}

func (f *FakeFile) publishedHashes() FileHashes {
	if !f.WrongHash {
		return f.Hashes()
	}
	gen := f.Generation()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.wrong == nil || f.wrongGen != gen {
		// The hashes of a sibling body: well-formed, but not these bytes.
		h := computeHashes(f.content(gen + 1<<40))
		f.wrong, f.wrongGen = &h, gen
	}
	return *f.wrong
}

// ETag is the storage ETag of the current generation (stable per content).
// Large files get an S3 multipart-style "-N" suffix.
func (f *FakeFile) ETag() string { return f.etag(f.Generation()) }

func (f *FakeFile) etag(gen int64) string {
	k := contentKey(f.cat.seed, f.ID, gen)
	tag := fmt.Sprintf("%016x%016x", splitmix64(k^1), splitmix64(k^2))
	const part = 16 << 20
	if f.Size > part {
		return fmt.Sprintf(`"%s-%d"`, tag, (f.Size+part-1)/part)
	}
	return `"` + tag + `"`
}

// LastModified is the storage Last-Modified time of the current generation.
func (f *FakeFile) LastModified() time.Time { return f.lastModified(f.Generation()) }

func (f *FakeFile) lastModified(gen int64) time.Time {
	base := f.ScannedAt
	if base.IsZero() {
		base = f.version.CreatedAt
	}
	return base.Truncate(time.Second).Add(time.Duration(gen) * time.Hour)
}

// DownloadPath is the API path of the download endpoint for the version.
func (v *FakeVersion) DownloadPath() string {
	return "/api/download/models/" + strconv.FormatInt(v.ID, 10)
}

// catalogEpoch is the catalog's "present": generated dates lie before it.
func catalogEpoch() time.Time { return time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC) }

// earlyAccessDeadline is far enough in the future to keep fixtures gated.
func earlyAccessDeadline(id int64) time.Time {
	return catalogEpoch().AddDate(10, 0, 0).Add(time.Duration(id%97) * time.Hour)
}

// NewCatalog generates the catalog for opts (defaults applied). NewServer
// calls it; it is exported for tests that only need the data.
func NewCatalog(opts Options) *Catalog {
	opts = opts.withDefaults()
	c := &Catalog{
		seed:      opts.Seed,
		modelByID: map[int64]*FakeModel{},
		verByID:   map[int64]*FakeVersion{},
		fileByID:  map[int64]*FakeFile{},
	}
	g := &generator{
		c:           c,
		o:           opts,
		r:           rand.New(rand.NewPCG(uint64(opts.Seed), 0xC1717A1)),
		nextModel:   20000,
		nextVersion: 2_000_000,
		nextFile:    5_000_000,
		nextImage:   50_000_000,
		nextPost:    9_000_000,
	}
	addFixtures(g)
	fixtures := len(c.models)
	for i := 0; i < opts.Models; i++ {
		g.model()
	}
	addQuirks(opts.Seed, c.models[fixtures:])
	c.finish(opts)
	return c
}

// finish computes derived fields, applies overrides and builds indexes.
func (c *Catalog) finish(opts Options) {
	slices.SortFunc(c.models, func(a, b *FakeModel) int { return cmp.Compare(a.ID, b.ID) })
	creators := map[string]bool{}
	tags := map[string]bool{}
	for _, m := range c.models {
		c.modelByID[m.ID] = m
		level := 0
		for i, v := range m.Versions {
			v.model = m
			v.ModelID = m.ID
			v.Index = i
			if v.NSFWLevel == 0 {
				for _, im := range v.Images {
					v.NSFWLevel |= im.NSFWLevel
				}
				if v.NSFWLevel == 0 {
					v.NSFWLevel = nsfwPG
				}
			}
			if v.Status == "Published" {
				level |= v.NSFWLevel
			}
			c.verByID[v.ID] = v
			for _, f := range v.Files {
				f.cat, f.version, f.VersionID = c, v, v.ID
				if sz, ok := opts.SizeOverrides[f.ID]; ok && sz >= 0 {
					f.Size = sz
				}
				if opts.WrongHash[f.ID] {
					f.WrongHash = true
				}
				c.fileByID[f.ID] = f
			}
			electPrimary(v)
			for _, im := range v.Images {
				im.version, im.VersionID = v, v.ID
				im.Username = m.Username
				im.UserID = userIDFor(m.Username)
				im.Tags = imageTagsFor(im.ID)
				c.images = append(c.images, im)
			}
		}
		if m.NSFWLevel == 0 {
			m.NSFWLevel = level
		}
		if m.Visible() {
			if m.Username != "" {
				creators[m.Username] = true
			}
			for _, t := range m.Tags {
				tags[t] = true
			}
		}
	}
	slices.SortFunc(c.images, func(a, b *FakeImage) int { return cmp.Compare(b.ID, a.ID) })
	for u := range creators {
		c.creators = append(c.creators, u)
	}
	sort.Strings(c.creators)
	for t := range tags {
		c.tags = append(c.tags, t)
	}
	sort.Strings(c.tags)
}

// defaultPrefs are getPrimaryFile's defaultFilePreferences (§2.10, [S-file]
// src/server/utils/model-helpers.ts): SafeTensor, pruned, fp16 and, since
// quantType became a preference, Q4_K_M. So among GGUF files of one
// format and size the Q4_K_M quant wins unless quantType= asks otherwise.
var defaultPrefs = filePrefs{Format: "SafeTensor", Size: "pruned", FP: "fp16", Quant: "Q4_K_M"}

type filePrefs struct{ Format, Size, FP, Quant string }

// primaryScore mirrors getPrimaryFile's scoring (§2.10): for every
// metadata key the file has, format ±100, size ±10, fp ±1, quantType ±0.5,
// and +1000 for Model/Pruned Model. Scores are doubled to stay integral.
func primaryScore(f *FakeFile, p filePrefs) int {
	score := 2000
	add := func(have, want string, w int) {
		if have == "" {
			return
		}
		if have == want {
			score += w
		} else {
			score -= w
		}
	}
	add(f.Format, p.Format, 200)
	add(f.SizeKind, p.Size, 20)
	add(f.FP, p.FP, 2)
	add(f.QuantType, p.Quant, 1)
	if f.Type == "Model" || f.Type == "Pruned Model" {
		score += 2000
	}
	return score
}

// pickFile returns the best file by primaryScore; ties keep the first (a
// stable sort, like the server's Array.prototype.sort).
func pickFile(files []*FakeFile, p filePrefs) *FakeFile {
	var best *FakeFile
	bestScore := math.MinInt
	for _, f := range files {
		if s := primaryScore(f, p); s > bestScore {
			best, bestScore = f, s
		}
	}
	return best
}

// electPrimary marks the primary file among the public ones: a version
// whose files are all private has none, so the API drops it (§2.1).
func electPrimary(v *FakeVersion) {
	for _, f := range v.Files {
		f.Primary = false
	}
	if p := pickFile(v.PublicFiles(), defaultPrefs); p != nil {
		p.Primary = true
	}
}

// hashOrder lists the files findable by hash (published version of a
// published model): fixtures first, then by size, so that lookups of small
// or fixture files hash little.
func (c *Catalog) hashOrder() []*FakeFile {
	var files []*FakeFile
	for _, m := range c.models {
		if !m.Visible() {
			continue
		}
		for _, v := range m.Versions {
			if v.Status == "Published" {
				files = append(files, v.Files...)
			}
		}
	}
	slices.SortStableFunc(files, func(a, b *FakeFile) int {
		af, bf := a.ID < 5_000_000 && a.Size < 8<<20, b.ID < 5_000_000 && b.Size < 8<<20
		switch {
		case af && !bf:
			return -1
		case bf && !af:
			return 1
		}
		return cmp.Compare(a.Size, b.Size)
	})
	return files
}

// warmHashes computes the published hashes of files in parallel.
func warmHashes(files []*FakeFile) []map[string]string {
	out := make([]map[string]string, len(files))
	var wg sync.WaitGroup
	var next atomic.Int64
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(files)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				out[i] = files[i].PublishedHashes()
			}
		}()
	}
	wg.Wait()
	return out
}

// lookupHash finds the file whose published hash (any kind,
// case-insensitive) equals h. The index is built incrementally: a lookup
// stops as soon as it finds a hash that cannot collide (everything but the
// 8-hex AutoV1/CRC32); misses and 8-hex hashes index the whole catalog.
// Duplicates resolve to the earliest publishedAt, then the lowest version
// id (§2.4). Mutations reset the index.
func (c *Catalog) lookupHash(h string) *FakeFile {
	h = strings.ToUpper(h)
	c.idxMu.Lock()
	defer c.idxMu.Unlock()
	if gen := c.mutation.Load(); c.hashIdx == nil || c.idxGen != gen {
		c.hashIdx, c.idxGen, c.idxFiles, c.idxDone = map[string][]*FakeFile{}, gen, c.hashOrder(), 0
	}
	unique := len(h) != 8
	for !(unique && len(c.hashIdx[h]) > 0) && c.idxDone < len(c.idxFiles) {
		// Hash the next batch in parallel.
		batch := c.idxFiles[c.idxDone:min(c.idxDone+16, len(c.idxFiles))]
		for i, hs := range warmHashes(batch) {
			for _, v := range hs {
				c.hashIdx[v] = append(c.hashIdx[v], batch[i])
			}
		}
		c.idxDone += len(batch)
	}
	fs := c.hashIdx[h]
	if len(fs) == 0 {
		return nil
	}
	best := fs[0]
	for _, f := range fs[1:] {
		if c := f.version.PublishedAt.Compare(best.version.PublishedAt); c < 0 || c == 0 && f.version.ID < best.version.ID {
			best = f
		}
	}
	return best
}
