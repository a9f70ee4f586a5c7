package layout

// kind is what a file is for, after folding model and file types.
type kind int

const (
	kCheckpoint kind = iota
	kLora
	kEmbedding
	kHypernetwork
	kAesthetic
	kControlNet
	kUpscaler
	kMotion
	kVAE
	kTextEncoder
	kCLIP
	kUNet
	kCLIPVision
	kPoses
	kWildcards
	kWorkflow
	kDetection
	kVLM
	kLLM
	kOther
	kTraining
	numKinds
)

// kindTypes returns the CivitAI model types (ModelType enum) and file types
// (ModelFileType enum) that land in k's folder, in the spelling of
// /api/v1/enums (see civitai-api.md §4). It drives Table.
func kindTypes(k kind) (modelTypes, fileTypes []string) {
	switch k {
	case kCheckpoint:
		return []string{"Checkpoint"}, nil
	case kLora:
		return []string{"LORA", "LoCon", "DoRA"}, []string{"Enhancement LoRA"}
	case kEmbedding:
		return []string{"TextualInversion"}, []string{"Negative"}
	case kHypernetwork:
		return []string{"Hypernetwork"}, nil
	case kAesthetic:
		return []string{"AestheticGradient"}, nil
	case kControlNet:
		return []string{"Controlnet"}, []string{"ControlNet"}
	case kUpscaler:
		return []string{"Upscaler"}, []string{"Upscaler"}
	case kMotion:
		return []string{"MotionModule"}, nil
	case kVAE:
		return []string{"VAE"}, []string{"VAE"}
	case kTextEncoder:
		return []string{"TextEncoder"}, []string{"Text Encoder"}
	case kCLIP:
		return []string{"CLIP"}, nil
	case kUNet:
		return []string{"UNet"}, []string{"UNet", "Diffusion Model"}
	case kCLIPVision:
		return []string{"CLIPVision"}, []string{"CLIPVision", "Vision Encoder"}
	case kPoses:
		return []string{"Poses"}, nil
	case kWildcards:
		return []string{"Wildcards"}, nil
	case kWorkflow:
		return []string{"Workflows", "ComfyWorkflows"}, []string{"Workflow"}
	case kDetection:
		return []string{"Detection"}, nil
	case kVLM:
		return []string{"VisionLanguage"}, nil
	case kLLM:
		return []string{"LLM"}, nil
	case kOther:
		return []string{"Other"}, nil
	case kTraining:
		return nil, []string{"Training Data"}
	}
	return nil, nil
}

// besideFileTypes are the file types that stay in their model type's folder.
func besideFileTypes() []string {
	return []string{"Model", "Pruned Model", "Config", "Archive", "Other"}
}

// dirFor returns k's folder in layout l; InvokeAI folders may hold
// basePlaceholder. Unknown layouts behave like Flat.
func dirFor(l Layout, k kind) string {
	switch l {
	case ComfyUI:
		return comfyDir(k)
	case A1111:
		return a1111Dir(k)
	case Forge:
		return forgeDir(k)
	case SwarmUI:
		return swarmDir(k)
	case InvokeAI:
		return invokeDir(k)
	}
	return ""
}

// comfyDir: ComfyUI folder_paths.py (comfyanonymous/ComfyUI) registers
// models/checkpoints, loras, vae, text_encoders (legacy clip), diffusion_models
// (legacy unet), clip_vision, embeddings, controlnet, upscale_models,
// hypernetworks and configs. Custom-node folders: models/animatediff_models
// (ComfyUI-AnimateDiff-Evolved), models/ultralytics/bbox (Impact Pack's
// UltralyticsDetectorProvider), models/LLM (Florence2 and other VLM/LLM
// nodes, a convention rather than core). Wildcards go to models/wildcards
// rather than inside a node pack whose folder name varies
// (ComfyUI-Impact-Pack vs comfyui-impact-pack): point impact-pack.ini's
// custom_wildcards at it. Workflows go to user/default/workflows, where the
// ComfyUI frontend saves and lists them; poses are images, so input/poses.
func comfyDir(k kind) string {
	switch k {
	case kCheckpoint:
		return "models/checkpoints"
	case kLora:
		return "models/loras"
	case kEmbedding:
		return "models/embeddings"
	case kHypernetwork:
		return "models/hypernetworks"
	case kControlNet:
		return "models/controlnet"
	case kUpscaler:
		return "models/upscale_models"
	case kMotion:
		return "models/animatediff_models"
	case kVAE:
		return "models/vae"
	case kTextEncoder, kCLIP:
		return "models/text_encoders"
	case kUNet:
		return "models/diffusion_models"
	case kCLIPVision:
		return "models/clip_vision"
	case kPoses:
		return "input/poses"
	case kWildcards:
		return "models/wildcards"
	case kWorkflow:
		return "user/default/workflows"
	case kDetection:
		return "models/ultralytics/bbox"
	case kVLM, kLLM:
		return "models/LLM"
	case kTraining:
		return "models/training_data"
	}
	return "models/other" // kAesthetic (unsupported by ComfyUI), kOther
}

// a1111Dir: AUTOMATIC1111/stable-diffusion-webui modules/cmd_args.py
// (embeddings at the root, models/hypernetworks, models/ESRGAN),
// modules/sd_models.py (models/Stable-diffusion), modules/sd_vae.py
// (models/VAE), extensions-builtin/Lora/preload.py (models/Lora; since 1.5
// the built-in Lora extension also loads LyCORIS/LoCon/DoRA from there, so
// models/LyCORIS is not used). The rest follows sd-civitai-browser-plus
// scripts/civitai_api.py contenttype_folder, so files land where Browser+
// users already keep them: models/ControlNet, models/Poses,
// models/Workflows, models/Other, models/adetailer (ADetailer's folder),
// extensions/sd-webui-animatediff/model,
// extensions/sd-dynamic-prompts/wildcards and
// extensions/stable-diffusion-webui-aesthetic-gradients/aesthetic_embeddings.
// A1111 has no text-encoder, UNet or CLIP-vision loader: those use Forge's
// folders (models/text_encoder, models/Stable-diffusion) and
// models/clip_vision so a later switch to Forge finds them.
func a1111Dir(k kind) string {
	switch k {
	case kCheckpoint, kUNet:
		return "models/Stable-diffusion"
	case kLora:
		return "models/Lora"
	case kEmbedding:
		return "embeddings"
	case kHypernetwork:
		return "models/hypernetworks"
	case kAesthetic:
		return "extensions/stable-diffusion-webui-aesthetic-gradients/aesthetic_embeddings"
	case kControlNet:
		return "models/ControlNet"
	case kUpscaler:
		return "models/ESRGAN"
	case kMotion:
		return "extensions/sd-webui-animatediff/model"
	case kVAE:
		return "models/VAE"
	case kTextEncoder, kCLIP:
		return "models/text_encoder"
	case kCLIPVision:
		return "models/clip_vision"
	case kPoses:
		return "models/Poses"
	case kWildcards:
		return "extensions/sd-dynamic-prompts/wildcards"
	case kWorkflow:
		return "models/Workflows"
	case kDetection:
		return "models/adetailer"
	case kTraining:
		return "models/training_data"
	}
	return "models/Other" // kVLM, kLLM, kOther
}

// forgeDir: lllyasviel/stable-diffusion-webui-forge keeps A1111's folders
// (modules/cmd_args.py, extensions-builtin/sd_forge_lora/preload.py) and
// adds --text-encoder-dir, whose default is models/text_encoder; Flux and
// other UNet-only files are picked from the checkpoint list, so they go to
// models/Stable-diffusion.
func forgeDir(k kind) string { return a1111Dir(k) }

// swarmDir: mcmonkeyprojects/SwarmUI src/Core/Settings.cs PathsData
// (ModelRoot "Models" with Stable-Diffusion, Lora, VAE, Embeddings,
// controlnet, clip, clip_vision; Data/Wildcards) and
// src/BuiltinExtensions/ComfyUIBackend/ComfyUISelfStartBackend.cs
// EnsureComfyFile, which also hands Models/upscale_models, hypernetworks,
// diffusion_models and yolov8 (SwarmYolo) to its ComfyUI backend.
func swarmDir(k kind) string {
	switch k {
	case kCheckpoint:
		return "Models/Stable-Diffusion"
	case kLora:
		return "Models/Lora"
	case kEmbedding:
		return "Models/Embeddings"
	case kHypernetwork:
		return "Models/hypernetworks"
	case kControlNet:
		return "Models/controlnet"
	case kUpscaler:
		return "Models/upscale_models"
	case kVAE:
		return "Models/VAE"
	case kTextEncoder, kCLIP:
		return "Models/clip"
	case kUNet:
		return "Models/diffusion_models"
	case kCLIPVision:
		return "Models/clip_vision"
	case kWildcards:
		return "Data/Wildcards"
	case kDetection:
		return "Models/yolov8"
	case kTraining:
		return "Models/training_data"
	}
	return "Models/other" // aesthetic, motion, poses, workflows, VLM, LLM, other
}

// invokeDir: invoke-ai/InvokeAI installs a model to
// models/<BaseModelType>/<ModelType>/ (model_install_default.py:
// models_path / info.base.value / info.type.value); the values come from
// invokeai/backend/model_manager/taxonomy.py. Encoders, CLIP vision,
// upscalers (spandrel_image_to_image) and VLMs (llava_onevision) have no
// base architecture, so their base is "any".
func invokeDir(k kind) string {
	switch k {
	case kCheckpoint, kUNet:
		return "models/" + basePlaceholder + "/main"
	case kLora:
		return "models/" + basePlaceholder + "/lora"
	case kEmbedding:
		return "models/" + basePlaceholder + "/embedding"
	case kControlNet:
		return "models/" + basePlaceholder + "/controlnet"
	case kVAE:
		return "models/" + basePlaceholder + "/vae"
	case kUpscaler:
		return "models/any/spandrel_image_to_image"
	case kTextEncoder:
		return "models/any/t5_encoder"
	case kCLIP:
		return "models/any/clip_embed"
	case kCLIPVision:
		return "models/any/clip_vision"
	case kVLM:
		return "models/any/llava_onevision"
	case kTraining:
		return "models/training_data"
	}
	return "models/other" // hypernetwork, aesthetic, motion, poses, wildcards, workflows, detection, LLM, other
}
