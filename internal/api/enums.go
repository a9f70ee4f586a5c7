package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Enums is the answer of /api/v1/enums, the server's authoritative lists.
type Enums struct {
	ModelType       []string `json:"ModelType"`
	ModelFileType   []string `json:"ModelFileType"`
	ActiveBaseModel []string `json:"ActiveBaseModel"`
	BaseModel       []string `json:"BaseModel"`
	BaseModelType   []string `json:"BaseModelType"`
}

// GetEnums fetches /api/v1/enums.
func (c *Client) GetEnums(ctx context.Context) (*Enums, error) {
	return fetch[Enums](ctx, c, call{method: http.MethodGet, path: "/api/v1/enums", cache: true})
}

// NormalizeEnum returns the element of known that s names, matching
// case-insensitively, then ignoring whitespace, '-' and '_'
// ("most downloaded" → "Most Downloaded", "sdxl1.0" → "SDXL 1.0"), and
// last ignoring '.' too when that leaves exactly one candidate ("sd15" →
// "SD 1.5", "flux1d" → "Flux.1 D"). When nothing matches it returns s
// trimmed and false.
func NormalizeEnum(s string, known []string) (string, bool) {
	t := strings.TrimSpace(s)
	for _, k := range known {
		if strings.EqualFold(k, t) {
			return k, true
		}
	}
	key := foldKey(t)
	if key == "" {
		return t, false
	}
	for _, k := range known {
		if foldKey(k) == key {
			return k, true
		}
	}
	loose, found := looseKey(t), ""
	for _, k := range known {
		if looseKey(k) == loose && k != found {
			if found != "" {
				return t, false // ambiguous
			}
			found = k
		}
	}
	if found != "" {
		return found, true
	}
	return t, false
}

// looseKey is foldKey without dots: "SD 1.5" and "sd15" are both "sd15".
func looseKey(s string) string { return strings.ReplaceAll(foldKey(s), ".", "") }

// baseModelAliases maps community nicknames (as looseKey) to CivitAI's
// base model names. Names that stand for a family ("sdxl", "flux") are not
// here: they get suggestions instead, since picking one member would hide
// the others.
var baseModelAliases = map[string]string{
	"sdv15":             "SD 1.5",
	"stablediffusion15": "SD 1.5",
	"sdxl1":             "SDXL 1.0",
	"sdxlbase":          "SDXL 1.0",
	"fluxdev":           "Flux.1 D",
	"flux1dev":          "Flux.1 D",
	"fluxschnell":       "Flux.1 S",
	"flux1schnell":      "Flux.1 S",
	"fluxkrea":          "Flux.1 Krea",
	"fluxkontext":       "Flux.1 Kontext",
	"pdxl":              "Pony",
	"ponyxl":            "Pony",
	"ponydiffusion":     "Pony",
	"ponydiffusionxl":   "Pony",
	"ponydiffusionv6":   "Pony",
	"ponydiffusionv6xl": "Pony",
	"ponyv6":            "Pony",
	"ilxl":              "Illustrious",
	"illustriousxl":     "Illustrious",
	"noob":              "NoobAI",
	"noobxl":            "NoobAI",
	"noobaixl":          "NoobAI",
}

// NormalizeBaseModel is NormalizeEnum for base model names plus the
// common nicknames ("sd15", "sd1.5", "ponyxl", "flux dev", "illustrious xl")
// when their target is in known.
func NormalizeBaseModel(s string, known []string) (string, bool) {
	if v, ok := NormalizeEnum(s, known); ok {
		return v, true
	}
	if v, ok := baseModelAliases[looseKey(s)]; ok && slices.Contains(known, v) {
		return v, true
	}
	return strings.TrimSpace(s), false
}

// UnknownBaseModelError reports a base model name that matches none of
// CivitAI's, with similar names when there are some.
type UnknownBaseModelError struct {
	Name        string
	Suggestions []string
}

// Error returns `unknown base model "NAME"`.
func (e *UnknownBaseModelError) Error() string { return fmt.Sprintf("unknown base model %q", e.Name) }

// ResolveBaseModels returns CivitAI's exact spelling of each name typed
// loosely ("sdxl 1.0" → "SDXL 1.0", "sd15" → "SD 1.5"); the API matches base
// models exactly and silently returns nothing for a near miss. Names the
// built-in list (BaseModels) does not know are looked up in /api/v1/enums,
// fetched at most once. A name found nowhere is an
// *UnknownBaseModelError.
func (c *Client) ResolveBaseModels(ctx context.Context, names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	var live []string
	for _, b := range names {
		if strings.TrimSpace(b) == "" {
			continue
		}
		if v, ok := NormalizeBaseModel(b, BaseModels()); ok {
			out = append(out, v)
			continue
		}
		if live == nil {
			enums, err := c.GetEnums(ctx)
			if err != nil {
				return nil, fmt.Errorf("check base model %q: %w", b, err)
			}
			live = append(append([]string{}, enums.BaseModel...), enums.ActiveBaseModel...)
		}
		if v, ok := NormalizeBaseModel(b, live); ok {
			out = append(out, v)
			continue
		}
		return nil, &UnknownBaseModelError{Name: b, Suggestions: SimilarNames(b, append(live, BaseModels()...), 8)}
	}
	return out, nil
}

// ModelSorts returns the values of the sort parameter of /api/v1/models.
func ModelSorts() []string {
	return []string{"Highest Rated", "Most Downloaded", "Most Liked", "Most Discussed", "Most Collected", "Most Images", "Newest", "Oldest"}
}

// ImageSorts returns the values of the sort parameter of /api/v1/images.
func ImageSorts() []string {
	return []string{"Most Reactions", "Most Comments", "Most Collected", "Newest", "Oldest", "Random"}
}

// Periods returns the values of the period parameter (MetricTimeframe).
func Periods() []string { return []string{"AllTime", "Year", "Month", "Week", "Day"} }

// PeriodModes returns the values of the periodMode parameter of
// /api/v1/models.
func PeriodModes() []string { return []string{"published", "stats"} }

// CheckpointTypes returns the values of the checkpointType parameter.
func CheckpointTypes() []string { return []string{"Trained", "Merge"} }

// CommercialUses returns the values of the allowCommercialUse parameter.
func CommercialUses() []string { return []string{"None", "Image", "RentCivit", "Rent", "Sell"} }

// MediaTypes returns the values of the type parameter of /api/v1/images.
func MediaTypes() []string { return []string{"image", "video", "audio"} }

// ImageNSFWLevels returns the legacy nsfw values accepted by /api/v1/images.
func ImageNSFWLevels() []string { return []string{"None", "Soft", "Mature", "X", "Blocked"} }

// ModelFileTypes returns the known files[].type values (download type=).
func ModelFileTypes() []string {
	return []string{"Model", "Text Encoder", "Vision Encoder", "Pruned Model", "Negative", "Training Data", "VAE", "Config",
		"Archive", "UNet", "Diffusion Model", "CLIPVision", "ControlNet", "Workflow", "Upscaler", "Enhancement LoRA", "Other"}
}

// FileFormats returns the known file formats (download format=).
func FileFormats() []string {
	return []string{"SafeTensor", "PickleTensor", "GGUF", "Diffusers", "Core ML", "ONNX", "Other"}
}

// FileSizes returns the known file sizes (download size=).
func FileSizes() []string { return []string{"full", "pruned"} }

// FilePrecisions returns the known floating point variants (download fp=).
func FilePrecisions() []string {
	return []string{"fp32", "fp16", "bf16", "mxfp8", "fp8_mixed", "fp8_scaled", "fp8", "int8", "nf4", "nvfp4", "int4"}
}

// BaseModels returns the base model names known to the server at the time
// of writing; prefer GetEnums for the live list.
func BaseModels() []string {
	return []string{
		"Anima", "AuraFlow", "Chroma", "CogVideoX", "Ernie", "Flux.1 S", "Flux.1 D", "Flux.1 Krea", "Flux.1 Kontext",
		"Flux.2 D", "Flux.2 Klein 9B", "Flux.2 Klein 9B-base", "Flux.2 Klein 4B", "Flux.2 Klein 4B-base", "Flux 3 Video",
		"Grok", "HappyHorse", "HiDream", "HiDream-O1", "Hunyuan 1", "Hunyuan Video", "Ideogram 4.0", "Boogu", "Illustrious",
		"Imagen4", "Kolors", "Krea 2", "LTXV", "LTXV2", "LTXV 2.3", "Lens", "Lumina", "MageFlow", "MAI", "Mochi",
		"Nano Banana", "NoobAI", "ODOR", "OpenAI", "Upscaler", "Other", "PixArt a", "PixArt E", "Playground v2", "Pony",
		"Pony V7", "Qwen", "Qwen 2", "Qwen 3", "Stable Cascade", "SD 1.4", "SD 1.5", "SD 1.5 LCM", "SD 1.5 Hyper",
		"SD 2.0", "SD 2.0 768", "SD 2.1", "SD 2.1 768", "SD 2.1 Unclip", "SD 3", "SD 3.5", "SD 3.5 Large",
		"SD 3.5 Large Turbo", "SD 3.5 Medium", "SDXL 0.9", "SDXL 1.0", "SDXL 1.0 LCM", "SDXL Lightning", "SDXL Hyper",
		"SDXL Turbo", "SDXL Distilled", "Reve", "Seedream", "SVD", "SVD XT", "Sora 2", "Veo 3", "Wan Video",
		"Wan Video 1.3B t2v", "Wan Video 14B t2v", "Wan Video 14B i2v 480p", "Wan Video 14B i2v 720p",
		"Wan Video 2.2 TI2V-5B", "Wan Video 2.2 I2V-A14B", "Wan Video 2.2 T2V-A14B", "Wan Video 2.5 T2V",
		"Wan Video 2.5 I2V", "Wan Image 2.7", "Wan Video 2.7", "ZImageTurbo", "ZImageBase", "Vidu Q1", "MiniMax H3",
		"Kling", "Seedance", "ACE Audio", "PolyGen", "Tripo", "Hunyuan3D",
	}
}

// normalizeOr returns the canonical spelling of s in known, or s trimmed.
func normalizeOr(s string, known []string) string {
	v, _ := NormalizeEnum(s, known)
	return v
}

// SimilarNames returns up to max distinct names of known that contain s or
// are contained in it, ignoring case, spaces, '-', '_' and '.' ("sdxl" →
// "SDXL 0.9", "SDXL 1.0", "SDXL Lightning", ...; "sd1" → "SD 1.4",
// "SD 1.5", ...), in the order of known: the suggestions for a value
// NormalizeEnum did not recognise.
func SimilarNames(s string, known []string, max int) []string {
	key := looseKey(s)
	if key == "" {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, n := range known {
		k := looseKey(n)
		if seen[n] || k == "" || !(strings.Contains(k, key) || strings.Contains(key, k)) {
			continue
		}
		seen[n] = true
		if out = append(out, n); len(out) == max {
			break
		}
	}
	return out
}
