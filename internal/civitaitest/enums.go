package civitaitest

// Enumerations as the real server spells them (civitai-api.md §4). They are
// used both to generate the catalog and to validate query parameters the way
// the server's Zod schemas do (exact, case-sensitive).

// ModelTypes is the ModelType enum (§4, HEAD order).
var modelTypes = []string{
	"Checkpoint", "TextualInversion", "Hypernetwork", "AestheticGradient", "LORA", "LoCon", "DoRA",
	"Controlnet", "Upscaler", "MotionModule", "VAE", "TextEncoder", "UNet", "CLIPVision", "Poses",
	"Wildcards", "Workflows", "ComfyWorkflows", "Detection", "VisionLanguage", "CLIP", "LLM", "Other",
}

// modelSorts is the ModelSort enum accepted by /models?sort= (§4).
var modelSorts = []string{
	"Highest Rated", "Most Downloaded", "Most Liked", "Most Discussed", "Most Collected",
	"Most Images", "Newest", "Oldest",
}

// imageSorts is the ImageSort enum accepted by /images?sort= (§4).
var imageSorts = []string{"Most Reactions", "Most Comments", "Most Collected", "Newest", "Oldest", "Random"}

// periods is the MetricTimeframe enum (§4).
var periods = []string{"Day", "Week", "Month", "Year", "AllTime"}

// modelFileTypes is constants.modelFileTypes (§4).
var modelFileTypes = []string{
	"Model", "Text Encoder", "Vision Encoder", "Pruned Model", "Negative", "Training Data", "VAE",
	"Config", "Archive", "UNet", "Diffusion Model", "CLIPVision", "ControlNet", "Workflow",
	"Upscaler", "Enhancement LoRA", "Other",
}

// fileFormats and fileSizes are the download query enums (§2.10, §4);
// fileFPs and quantTypes are the values the site offers (constants, §4),
// but the download endpoint takes fp and quantType as free strings (§2.10).
var (
	fileFormats = []string{"SafeTensor", "PickleTensor", "GGUF", "Diffusers", "Core ML", "ONNX", "Other"}
	fileSizes   = []string{"full", "pruned"}
	fileFPs     = []string{"fp32", "fp16", "bf16", "mxfp8", "fp8_mixed", "fp8_scaled", "fp8", "int8", "nf4", "nvfp4", "int4"}
	quantTypes  = []string{
		"None", "Q8_0", "Q6_K", "Q5_K_M", "Q5_K_S", "Q5_0", "Q5_1", "Q4_K_M", "Q4_K_S", "Q4_0", "Q4_1",
		"Q3_K_L", "Q3_K_M", "Q3_K_S", "Q2_K", "IQ4_XS", "IQ3_XXS", "TQ2_0", "TQ1_0",
	}
)

// checkpointTypes and commercialUses (§4).
var (
	checkpointTypes = []string{"Trained", "Merge"}
	commercialUses  = []string{"None", "Image", "RentCivit", "Rent", "Sell"}
	baseModelTypes  = []string{"Standard", "Inpainting", "Refiner", "Pix2Pix"}
)

// baseModels is the BaseModel list (§4, HEAD, 99 names).
var baseModels = []string{
	"Anima", "AuraFlow", "Chroma", "CogVideoX", "Ernie", "Flux.1 S", "Flux.1 D", "Flux.1 Krea",
	"Flux.1 Kontext", "Flux.2 D", "Flux.2 Klein 9B", "Flux.2 Klein 9B-base", "Flux.2 Klein 4B",
	"Flux.2 Klein 4B-base", "Flux 3 Video", "Grok", "HappyHorse", "HiDream", "HiDream-O1", "Hunyuan 1",
	"Hunyuan Video", "Ideogram 4.0", "Boogu", "Illustrious", "Imagen4", "Kolors", "Krea 2", "LTXV",
	"LTXV2", "LTXV 2.3", "Lens", "Lumina", "MageFlow", "MAI", "Mochi", "Nano Banana", "NoobAI", "ODOR",
	"OpenAI", "Upscaler", "Other", "PixArt a", "PixArt E", "Playground v2", "Pony", "Pony V7", "Qwen",
	"Qwen 2", "Qwen 3", "Stable Cascade", "SD 1.4", "SD 1.5", "SD 1.5 LCM", "SD 1.5 Hyper", "SD 2.0",
	"SD 2.0 768", "SD 2.1", "SD 2.1 768", "SD 2.1 Unclip", "SD 3", "SD 3.5", "SD 3.5 Large",
	"SD 3.5 Large Turbo", "SD 3.5 Medium", "SDXL 0.9", "SDXL 1.0", "SDXL 1.0 LCM", "SDXL Lightning",
	"SDXL Hyper", "SDXL Turbo", "SDXL Distilled", "Reve", "Seedream", "SVD", "SVD XT", "Sora 2", "Veo 3",
	"Wan Video", "Wan Video 1.3B t2v", "Wan Video 14B t2v", "Wan Video 14B i2v 480p",
	"Wan Video 14B i2v 720p", "Wan Video 2.2 TI2V-5B", "Wan Video 2.2 I2V-A14B",
	"Wan Video 2.2 T2V-A14B", "Wan Video 2.5 T2V", "Wan Video 2.5 I2V", "Wan Image 2.7",
	"Wan Video 2.7", "ZImageTurbo", "ZImageBase", "Vidu Q1", "MiniMax H3", "Kling", "Seedance",
	"ACE Audio", "PolyGen", "Tripo", "Hunyuan3D",
}

// commonBaseModels are the base models the generator actually uses, with
// weights roughly matching what the site lists.
var commonBaseModels = []weighted{
	{"SDXL 1.0", 22}, {"Illustrious", 22}, {"Pony", 14}, {"SD 1.5", 14}, {"Flux.1 D", 10},
	{"NoobAI", 5}, {"Wan Video 14B t2v", 3}, {"Qwen", 3}, {"SD 3.5 Large", 2}, {"Flux.1 S", 2},
	{"ZImageTurbo", 2}, {"Other", 1},
}

// legacyNSFWNames maps the images endpoint's string nsfwLevel (§2.6, §4).
func legacyNSFWName(level int) string {
	switch {
	case level >= 32:
		return "Blocked"
	case level >= 8:
		return "X"
	case level >= 4:
		return "Mature"
	case level >= 2:
		return "Soft"
	default:
		return "None"
	}
}

// NSFW browsing-level bit flags (§4 "NSFW levels").
const (
	nsfwPG      = 1
	nsfwPG13    = 2
	nsfwR       = 4
	nsfwX       = 8
	nsfwXXX     = 16
	nsfwBlocked = 32
	browsingAll = 31
)

type weighted struct {
	v string
	w int
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
