package api

import (
	"encoding/json"
	"strings"
)

// ModelType is a model's type as the API spells it (LORA, Checkpoint, ...).
// Values outside the known set are kept as received.
type ModelType string

// The model types known to the server (HEAD of civitai/civitai, 2026).
const (
	ModelTypeCheckpoint        ModelType = "Checkpoint"
	ModelTypeTextualInversion  ModelType = "TextualInversion"
	ModelTypeHypernetwork      ModelType = "Hypernetwork"
	ModelTypeAestheticGradient ModelType = "AestheticGradient"
	ModelTypeLORA              ModelType = "LORA"
	ModelTypeLoCon             ModelType = "LoCon"
	ModelTypeDoRA              ModelType = "DoRA"
	ModelTypeControlnet        ModelType = "Controlnet"
	ModelTypeUpscaler          ModelType = "Upscaler"
	ModelTypeMotionModule      ModelType = "MotionModule"
	ModelTypeVAE               ModelType = "VAE"
	ModelTypeTextEncoder       ModelType = "TextEncoder"
	ModelTypeUNet              ModelType = "UNet"
	ModelTypeCLIPVision        ModelType = "CLIPVision"
	ModelTypePoses             ModelType = "Poses"
	ModelTypeWildcards         ModelType = "Wildcards"
	ModelTypeWorkflows         ModelType = "Workflows"
	ModelTypeComfyWorkflows    ModelType = "ComfyWorkflows"
	ModelTypeDetection         ModelType = "Detection"
	ModelTypeVisionLanguage    ModelType = "VisionLanguage"
	ModelTypeCLIP              ModelType = "CLIP"
	ModelTypeLLM               ModelType = "LLM"
	ModelTypeOther             ModelType = "Other"
)

// KnownModelTypes returns the known model types in the server's order.
func KnownModelTypes() []ModelType {
	return []ModelType{
		ModelTypeCheckpoint, ModelTypeTextualInversion, ModelTypeHypernetwork, ModelTypeAestheticGradient,
		ModelTypeLORA, ModelTypeLoCon, ModelTypeDoRA, ModelTypeControlnet, ModelTypeUpscaler,
		ModelTypeMotionModule, ModelTypeVAE, ModelTypeTextEncoder, ModelTypeUNet, ModelTypeCLIPVision,
		ModelTypePoses, ModelTypeWildcards, ModelTypeWorkflows, ModelTypeComfyWorkflows,
		ModelTypeDetection, ModelTypeVisionLanguage, ModelTypeCLIP, ModelTypeLLM, ModelTypeOther,
	}
}

// modelTypeAlias maps folded spellings (see foldKey) that are not simply a
// folded known name to the known type.
func modelTypeAlias(key string) (ModelType, bool) {
	switch key {
	case "lycoris", "lyco":
		return ModelTypeLoCon, true
	case "embedding", "embeddings", "ti", "textualinversions":
		return ModelTypeTextualInversion, true
	case "upscale", "upscalers":
		return ModelTypeUpscaler, true
	case "motion", "motionmodules", "animatediff":
		return ModelTypeMotionModule, true
	case "hypernet", "hypernetworks":
		return ModelTypeHypernetwork, true
	case "checkpoints", "ckpt":
		return ModelTypeCheckpoint, true
	case "loras":
		return ModelTypeLORA, true
	case "controlnets":
		return ModelTypeControlnet, true
	case "pose":
		return ModelTypePoses, true
	case "wildcard":
		return ModelTypeWildcards, true
	case "workflow":
		return ModelTypeWorkflows, true
	case "comfyworkflow", "comfy":
		return ModelTypeComfyWorkflows, true
	case "vlm":
		return ModelTypeVisionLanguage, true
	case "aesthetic":
		return ModelTypeAestheticGradient, true
	}
	return "", false
}

// ParseModelType maps s to a known model type, ignoring case, whitespace,
// '-' and '_', and accepting common aliases ("lora", "Textual Inversion",
// "embedding", "ti", "ControlNet", "lycoris", "upscale", "motion", ...).
// Unknown values are returned trimmed but otherwise unchanged. It is
// idempotent.
func ParseModelType(s string) ModelType {
	key := foldKey(s)
	if key == "" {
		return ""
	}
	for _, t := range KnownModelTypes() {
		if foldKey(string(t)) == key {
			return t
		}
	}
	if t, ok := modelTypeAlias(key); ok {
		return t
	}
	return ModelType(strings.TrimSpace(s))
}

// Known reports whether t is one of KnownModelTypes.
func (t ModelType) Known() bool {
	for _, k := range KnownModelTypes() {
		if k == t {
			return true
		}
	}
	return false
}

// UnmarshalJSON decodes a string through ParseModelType; non-strings are "".
func (t *ModelType) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) != nil {
		*t = ""
		return nil
	}
	*t = ParseModelType(s)
	return nil
}
