// Package layout maps a CivitAI model/file to the folder a UI expects it in:
// ComfyUI, AUTOMATIC1111 WebUI, Forge, SwarmUI and InvokeAI, or Flat (no
// routing: everything in the output folder).
//
// Dir answers "where does this file go", Table lists the whole routing of a
// layout and Markdown renders it for the README and `--help`. Folders are
// slash-separated and relative to the UI's root folder (see RootHelp); join
// them with filepath.Join(root, filepath.FromSlash(dir)).
//
// The folder names were checked against each UI's source (cited next to
// each table in dirs.go). Model types CivitAI adds later, and types a UI has
// no folder for, go to an "other" folder of that UI so nothing is lost.
package layout

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/civit/civit/internal/api"
)

// Layout names a UI folder convention. The zero value is Flat.
type Layout string

// The supported layouts.
const (
	Flat     Layout = ""
	ComfyUI  Layout = "comfyui"
	A1111    Layout = "a1111"
	Forge    Layout = "forge"
	SwarmUI  Layout = "swarmui"
	InvokeAI Layout = "invokeai"
)

// flatName is how Flat is spelled on the command line and in messages.
const flatName = "flat"

// all lists the layouts in display order.
func all() []Layout { return []Layout{ComfyUI, A1111, Forge, SwarmUI, InvokeAI, Flat} }

// Names returns the names Parse accepts (aliases aside), in display order.
func Names() []string {
	ls := all()
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.String()
	}
	return names
}

// Parse reads a layout name case-insensitively. "comfy", "automatic1111",
// "swarm" and "invoke" are accepted as aliases; "" and "flat" mean Flat.
// The error lists the valid names.
func Parse(s string) (Layout, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", flatName, "none":
		return Flat, nil
	case "comfyui", "comfy":
		return ComfyUI, nil
	case "a1111", "automatic1111":
		return A1111, nil
	case "forge":
		return Forge, nil
	case "swarmui", "swarm":
		return SwarmUI, nil
	case "invokeai", "invoke":
		return InvokeAI, nil
	}
	return Flat, fmt.Errorf("unknown layout %q (valid: %s)", s, strings.Join(Names(), ", "))
}

// String returns the layout's name ("flat" for Flat).
func (l Layout) String() string {
	if l == Flat {
		return flatName
	}
	return string(l)
}

// Set parses s into l; with String and Type it makes *Layout a pflag.Value
// so `--layout` is validated by the flag parser.
func (l *Layout) Set(s string) error {
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// Type names the flag value type in help output.
func (l *Layout) Type() string { return "layout" }

// Title returns the UI's display name.
func (l Layout) Title() string {
	switch l {
	case ComfyUI:
		return "ComfyUI"
	case A1111:
		return "AUTOMATIC1111 WebUI"
	case Forge:
		return "Stable Diffusion WebUI Forge"
	case SwarmUI:
		return "SwarmUI"
	case InvokeAI:
		return "InvokeAI"
	}
	return "Flat"
}

// RootHelp says which folder `--root` should name for the layout.
func RootHelp(l Layout) string {
	switch l {
	case ComfyUI:
		return "the ComfyUI folder (the one holding main.py and models/)"
	case A1111:
		return "the stable-diffusion-webui folder (the one holding webui.py and models/)"
	case Forge:
		return "the Forge folder (the one holding webui.py and models/)"
	case SwarmUI:
		return "the SwarmUI folder (the one holding Models/ and Data/), with the default Models and Data paths"
	case InvokeAI:
		return "the InvokeAI root folder (the one holding invokeai.yaml and models/); use Model Manager > Scan Folder to register the files"
	}
	return "the output folder; every file goes straight into it"
}

// ModelsFolderItself is CheckRoot's answer for a root that is a UI's
// models folder (files would go to models/models/loras): download refuses
// it, where the other answers are warnings.
const ModelsFolderItself = "is a models folder itself"

// InsideModelsFolder is CheckRoot's answer for a root inside a UI's models
// folder (models/loras: files would go to loras/models/loras): refused too.
const InsideModelsFolder = "is a folder inside a models folder"

// CheckRoot says why root does not look like the folder RootHelp names
// for the layout ("" when it does, and for Flat): it does not exist yet,
// it is the UI's models folder itself (files would go to
// models/models/loras) or a folder in it (models/loras/models/loras),
// it is another UI's folder, or it holds none of the
// UI's own files and folders. A typo'd --root would otherwise fill a
// folder no UI reads.
func CheckRoot(l Layout, root string) string {
	own, ok := rootMarks[l]
	if !ok {
		return ""
	}
	clean := filepath.Clean(root)
	base, parent := filepath.Base(clean), filepath.Base(filepath.Dir(clean))
	// inUIModels: root is a folder in the models folder of this UI's
	// root (ComfyUI/models/loras), not only in any folder named models.
	inUIModels := strings.EqualFold(parent, "models") && slices.ContainsFunc(own.distinct, func(m string) bool {
		_, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(clean)), m))
		return err == nil
	})
	fi, err := os.Stat(root)
	if err != nil {
		switch {
		case strings.EqualFold(base, "models"):
			return ModelsFolderItself // made now, filled as models/models/...
		case inUIModels:
			return InsideModelsFolder
		}
		return "does not exist yet"
	}
	if !fi.IsDir() {
		return "is not a folder"
	}
	has := func(m string) bool {
		_, err := os.Stat(filepath.Join(root, m))
		return err == nil
	}
	if slices.ContainsFunc(own.distinct, has) {
		return ""
	}
	for _, other := range all() {
		if m, ok := rootMarks[other]; ok && other.Title() != l.Title() && slices.ContainsFunc(m.distinct, has) {
			return "looks like the folder of " + other.Title()
		}
	}
	if slices.ContainsFunc(own.shared, has) {
		return ""
	}
	if strings.EqualFold(base, "models") {
		return ModelsFolderItself
	}
	if inUIModels {
		return InsideModelsFolder
	}
	return fmt.Sprintf("holds none of %s", strings.Join(append(slices.Clone(own.distinct), own.shared...), ", "))
}

// rootMarks are the files and folders a UI's root holds: distinct ones
// (only that UI has them) and shared ones (models/, which several have).
var rootMarks = map[Layout]struct{ distinct, shared []string }{
	ComfyUI:  {[]string{"main.py", "custom_nodes"}, []string{"models"}},
	A1111:    {[]string{"webui.py", "extensions"}, []string{"models"}},
	Forge:    {[]string{"webui.py", "extensions"}, []string{"models"}},
	SwarmUI:  {[]string{"launchtools", "Data"}, []string{"Models"}},
	InvokeAI: {[]string{"invokeai.yaml"}, []string{"models"}},
}

// Dir returns the folder, relative to the UI's root and slash-separated,
// for a file of a model. modelType is CivitAI's model type (Checkpoint,
// LORA, TextualInversion, ...; unknown types go to the UI's "other"
// folder). fileType is the file's files[].type; where it names another kind
// of file it wins over the model type (a VAE bundled with a checkpoint goes
// to the VAE folder; a Negative file to the embeddings), Model, Pruned
// Model, Config, Archive and Other files stay beside the model, and Training
// Data goes to a training_data folder that no UI scans. baseModel is
// CivitAI's base model; only InvokeAI uses it (see InvokeAIBase). format is
// the file's metadata.format: a GGUF checkpoint (Flux, Wan, ... quantized)
// is a diffusion model only, which ComfyUI (through ComfyUI-GGUF) and
// SwarmUI load from their diffusion_models folder, not from checkpoints.
// Matching is case-insensitive and ignores spaces, '-' and '_'. Flat always
// returns "".
func Dir(l Layout, modelType, fileType, format, baseModel string) string {
	k := modelKind(modelType)
	if fk, ok := fileKind(fileType); ok {
		k = fk
	}
	if k == kCheckpoint && normType(format) == "gguf" {
		k = kUNet
	}
	d := dirFor(l, k)
	if l == InvokeAI {
		d = strings.ReplaceAll(d, basePlaceholder, InvokeAIBase(baseModel))
	}
	return d
}

// ExtraNetwork reports whether A1111 and Forge show a file of this model
// and file type as a card in their extra networks tabs (checkpoints, Lora,
// textual inversion, hypernetworks), whose user metadata is NAME.json
// beside it. Other kinds get no such .json: in a workflows or wildcards
// folder one would be read as a workflow or a wildcard file.
func ExtraNetwork(modelType, fileType string) bool {
	k := modelKind(modelType)
	if fk, ok := fileKind(fileType); ok {
		k = fk
	}
	switch k {
	case kCheckpoint, kUNet, kLora, kEmbedding, kHypernetwork:
		return true
	}
	return false
}

// basePlaceholder stands for the InvokeAI base folder in Table rows.
const basePlaceholder = "<base>"

// InvokeAIBase maps a CivitAI base model to InvokeAI's BaseModelType folder
// (invokeai/backend/model_manager/taxonomy.py): sd-1, sd-2, sdxl (SDXL and
// its families Pony, Illustrious, NoobAI), sd-3, flux (FLUX.1), flux2,
// z-image, qwen-image, and "any" for everything else, including "".
func InvokeAIBase(baseModel string) string {
	if b, ok := invokeBases[api.BaseModelFamily(baseModel)]; ok {
		return b
	}
	return "any"
}

var invokeBases = map[api.Family]string{
	api.FamilySD1: "sd-1", api.FamilySD2: "sd-2", api.FamilySD3: "sd-3", api.FamilySDXL: "sdxl",
	api.FamilyFlux1: "flux", api.FamilyFlux2: "flux2", api.FamilyZImage: "z-image", api.FamilyQwen: "qwen-image",
}

// normType folds a CivitAI type name for matching: lower case, without
// spaces, '-' and '_'.
func normType(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if r == ' ' || r == '-' || r == '_' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// modelKind classifies a CivitAI model type.
func modelKind(modelType string) kind {
	switch normType(modelType) {
	case "checkpoint", "model":
		return kCheckpoint
	case "lora", "locon", "dora", "lycoris":
		return kLora
	case "textualinversion", "embedding":
		return kEmbedding
	case "hypernetwork":
		return kHypernetwork
	case "aestheticgradient":
		return kAesthetic
	case "controlnet":
		return kControlNet
	case "upscaler":
		return kUpscaler
	case "motionmodule":
		return kMotion
	case "vae":
		return kVAE
	case "textencoder":
		return kTextEncoder
	case "clip":
		return kCLIP
	case "unet", "diffusionmodel":
		return kUNet
	case "clipvision":
		return kCLIPVision
	case "poses":
		return kPoses
	case "wildcards":
		return kWildcards
	case "workflows", "comfyworkflows":
		return kWorkflow
	case "detection":
		return kDetection
	case "visionlanguage":
		return kVLM
	case "llm":
		return kLLM
	}
	return kOther
}

// fileKind classifies a files[].type that overrides the model type. ok is
// false for file types that stay beside the model (Model, Pruned Model,
// Config, Archive, Other, unknown).
func fileKind(fileType string) (k kind, ok bool) {
	switch normType(fileType) {
	case "vae":
		return kVAE, true
	case "textencoder":
		return kTextEncoder, true
	case "visionencoder", "clipvision":
		return kCLIPVision, true
	case "unet", "diffusionmodel":
		return kUNet, true
	case "controlnet":
		return kControlNet, true
	case "upscaler":
		return kUpscaler, true
	case "workflow":
		return kWorkflow, true
	case "negative":
		return kEmbedding, true
	case "enhancementlora":
		return kLora, true
	case "trainingdata":
		return kTraining, true
	}
	return 0, false
}
