package layout

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/layouts.md from MarkdownAll")

// modelTypes is CivitAI's ModelType enum (civitai-api.md §4) plus a type
// the server may add later.
var modelTypes = []string{
	"Checkpoint", "TextualInversion", "Hypernetwork", "AestheticGradient", "LORA", "LoCon", "DoRA",
	"Controlnet", "Upscaler", "MotionModule", "VAE", "TextEncoder", "UNet", "CLIPVision", "Poses",
	"Wildcards", "Workflows", "ComfyWorkflows", "Detection", "VisionLanguage", "CLIP", "LLM", "Other",
	"BrandNewType",
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Layout
		wantErr bool
	}{
		{in: "", want: Flat},
		{in: "flat", want: Flat},
		{in: "FLAT", want: Flat},
		{in: "comfyui", want: ComfyUI},
		{in: "ComfyUI", want: ComfyUI},
		{in: " comfy ", want: ComfyUI},
		{in: "a1111", want: A1111},
		{in: "Automatic1111", want: A1111},
		{in: "forge", want: Forge},
		{in: "SwarmUI", want: SwarmUI},
		{in: "swarm", want: SwarmUI},
		{in: "InvokeAI", want: InvokeAI},
		{in: "invoke", want: InvokeAI},
		{in: "fooocus", wantErr: true},
		{in: "comfyui2", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Parse(%q) = %q, want error", tt.in, got)
				}
				for _, n := range Names() {
					if !strings.Contains(err.Error(), n) {
						t.Errorf("error %q does not list %q", err, n)
					}
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Parse(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestNamesRoundTrip(t *testing.T) {
	t.Parallel()
	want := []string{"comfyui", "a1111", "forge", "swarmui", "invokeai", "flat"}
	if diff := cmp.Diff(want, Names()); diff != "" {
		t.Fatalf("Names() (-want +got):\n%s", diff)
	}
	for _, n := range Names() {
		l, err := Parse(n)
		if err != nil || l.String() != n {
			t.Errorf("Parse(%q) = %q (%v), String() = %q", n, l, err, l.String())
		}
	}
}

func TestSetAndType(t *testing.T) {
	t.Parallel()
	var l Layout
	if err := l.Set("Comfy"); err != nil || l != ComfyUI {
		t.Fatalf("Set(Comfy) = %v, layout %q", err, l)
	}
	if err := l.Set("nope"); err == nil || l != ComfyUI {
		t.Fatalf("Set(nope) = %v, layout %q; want error and unchanged value", err, l)
	}
	if l.Type() != "layout" {
		t.Errorf("Type() = %q", l.Type())
	}
}

// TestDirModelTypes pins every model type × layout (primary file, SDXL base).
func TestDirModelTypes(t *testing.T) {
	t.Parallel()
	type dirs struct{ comfy, a1111, forge, swarm, invoke string }
	want := map[string]dirs{
		"Checkpoint":        {"models/checkpoints", "models/Stable-diffusion", "models/Stable-diffusion", "Models/Stable-Diffusion", "models/sdxl/main"},
		"TextualInversion":  {"models/embeddings", "embeddings", "embeddings", "Models/Embeddings", "models/sdxl/embedding"},
		"Hypernetwork":      {"models/hypernetworks", "models/hypernetworks", "models/hypernetworks", "Models/hypernetworks", "models/other"},
		"AestheticGradient": {"models/other", "extensions/stable-diffusion-webui-aesthetic-gradients/aesthetic_embeddings", "extensions/stable-diffusion-webui-aesthetic-gradients/aesthetic_embeddings", "Models/other", "models/other"},
		"LORA":              {"models/loras", "models/Lora", "models/Lora", "Models/Lora", "models/sdxl/lora"},
		"LoCon":             {"models/loras", "models/Lora", "models/Lora", "Models/Lora", "models/sdxl/lora"},
		"DoRA":              {"models/loras", "models/Lora", "models/Lora", "Models/Lora", "models/sdxl/lora"},
		"Controlnet":        {"models/controlnet", "models/ControlNet", "models/ControlNet", "Models/controlnet", "models/sdxl/controlnet"},
		"Upscaler":          {"models/upscale_models", "models/ESRGAN", "models/ESRGAN", "Models/upscale_models", "models/any/spandrel_image_to_image"},
		"MotionModule":      {"models/animatediff_models", "extensions/sd-webui-animatediff/model", "extensions/sd-webui-animatediff/model", "Models/other", "models/other"},
		"VAE":               {"models/vae", "models/VAE", "models/VAE", "Models/VAE", "models/sdxl/vae"},
		"TextEncoder":       {"models/text_encoders", "models/text_encoder", "models/text_encoder", "Models/clip", "models/any/t5_encoder"},
		"UNet":              {"models/diffusion_models", "models/Stable-diffusion", "models/Stable-diffusion", "Models/diffusion_models", "models/sdxl/main"},
		"CLIPVision":        {"models/clip_vision", "models/clip_vision", "models/clip_vision", "Models/clip_vision", "models/any/clip_vision"},
		"Poses":             {"input/poses", "models/Poses", "models/Poses", "Models/other", "models/other"},
		"Wildcards":         {"models/wildcards", "extensions/sd-dynamic-prompts/wildcards", "extensions/sd-dynamic-prompts/wildcards", "Data/Wildcards", "models/other"},
		"Workflows":         {"user/default/workflows", "models/Workflows", "models/Workflows", "Models/other", "models/other"},
		"ComfyWorkflows":    {"user/default/workflows", "models/Workflows", "models/Workflows", "Models/other", "models/other"},
		"Detection":         {"models/ultralytics/bbox", "models/adetailer", "models/adetailer", "Models/yolov8", "models/other"},
		"VisionLanguage":    {"models/LLM", "models/Other", "models/Other", "Models/other", "models/any/llava_onevision"},
		"CLIP":              {"models/text_encoders", "models/text_encoder", "models/text_encoder", "Models/clip", "models/any/clip_embed"},
		"LLM":               {"models/LLM", "models/Other", "models/Other", "Models/other", "models/other"},
		"Other":             {"models/other", "models/Other", "models/Other", "Models/other", "models/other"},
		"BrandNewType":      {"models/other", "models/Other", "models/Other", "Models/other", "models/other"},
	}
	if len(want) != len(modelTypes) {
		t.Fatalf("expectation table has %d types, modelTypes %d", len(want), len(modelTypes))
	}
	for _, mt := range modelTypes {
		w, ok := want[mt]
		if !ok {
			t.Fatalf("no expectation for %s", mt)
		}
		for _, tc := range []struct {
			l    Layout
			want string
		}{{ComfyUI, w.comfy}, {A1111, w.a1111}, {Forge, w.forge}, {SwarmUI, w.swarm}, {InvokeAI, w.invoke}, {Flat, ""}} {
			t.Run(tc.l.String()+"/"+mt, func(t *testing.T) {
				t.Parallel()
				for _, ft := range []string{"", "Model", "Pruned Model"} {
					if got := Dir(tc.l, mt, ft, "", "SDXL 1.0"); got != tc.want {
						t.Errorf("Dir(%s, %q, %q, SDXL 1.0) = %q, want %q", tc.l, mt, ft, got, tc.want)
					}
				}
			})
		}
	}
}

func TestDirFileTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		l                         Layout
		modelType, fileType, base string
		want                      string
	}{
		// A VAE bundled with a checkpoint goes to the VAE folder.
		{ComfyUI, "Checkpoint", "VAE", "SD 1.5", "models/vae"},
		{A1111, "Checkpoint", "VAE", "SD 1.5", "models/VAE"},
		{InvokeAI, "Checkpoint", "VAE", "Flux.1 D", "models/flux/vae"},
		// Flux checkpoints ship text encoders and transformer-only files.
		{ComfyUI, "Checkpoint", "Text Encoder", "Flux.1 D", "models/text_encoders"},
		{Forge, "Checkpoint", "Text Encoder", "Flux.1 D", "models/text_encoder"},
		{ComfyUI, "Checkpoint", "Diffusion Model", "Flux.1 D", "models/diffusion_models"},
		{ComfyUI, "Checkpoint", "UNet", "Flux.1 D", "models/diffusion_models"},
		{Forge, "Checkpoint", "Diffusion Model", "Flux.1 D", "models/Stable-diffusion"},
		{InvokeAI, "Checkpoint", "Diffusion Model", "Flux.1 D", "models/flux/main"},
		{SwarmUI, "Checkpoint", "Vision Encoder", "Wan Video 14B i2v 480p", "Models/clip_vision"},
		{ComfyUI, "Controlnet", "ControlNet", "SDXL 1.0", "models/controlnet"},
		{ComfyUI, "Checkpoint", "Upscaler", "", "models/upscale_models"},
		{ComfyUI, "Checkpoint", "Workflow", "", "user/default/workflows"},
		{ComfyUI, "LORA", "Enhancement LoRA", "", "models/loras"},
		{A1111, "TextualInversion", "Negative", "SD 1.5", "embeddings"},
		{InvokeAI, "TextualInversion", "Negative", "SD 1.5", "models/sd-1/embedding"},
		// Config, Archive and Other stay beside the model.
		{A1111, "Checkpoint", "Config", "SD 2.1 768", "models/Stable-diffusion"},
		{ComfyUI, "LORA", "Config", "", "models/loras"},
		{SwarmUI, "Wildcards", "Archive", "", "Data/Wildcards"},
		{ComfyUI, "Poses", "Archive", "", "input/poses"},
		{ComfyUI, "LORA", "Other", "", "models/loras"},
		{ComfyUI, "LORA", "Some Future Type", "", "models/loras"},
		// Training data goes where no UI scans.
		{ComfyUI, "LORA", "Training Data", "", "models/training_data"},
		{SwarmUI, "LORA", "Training Data", "", "Models/training_data"},
		{Flat, "LORA", "Training Data", "", ""},
		// Matching ignores case, spaces, '-' and '_'.
		{ComfyUI, "lora", "vae", "", "models/vae"},
		{ComfyUI, "Textual Inversion", "text_encoder", "", "models/text_encoders"},
		{ComfyUI, "motion-module", "", "", "models/animatediff_models"},
	}
	for _, tt := range tests {
		t.Run(tt.l.String()+"/"+tt.modelType+"/"+tt.fileType, func(t *testing.T) {
			t.Parallel()
			if got := Dir(tt.l, tt.modelType, tt.fileType, "", tt.base); got != tt.want {
				t.Errorf("Dir(%s, %q, %q, %q) = %q, want %q", tt.l, tt.modelType, tt.fileType, tt.base, got, tt.want)
			}
		})
	}
}

func TestInvokeAIBase(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"SD 1.4": "sd-1", "SD 1.5": "sd-1", "SD 1.5 LCM": "sd-1", "SD 1.5 Hyper": "sd-1",
		"SD 2.0": "sd-2", "SD 2.1 768": "sd-2", "SD 2.1 Unclip": "sd-2",
		"SDXL 0.9": "sdxl", "SDXL 1.0": "sdxl", "SDXL Lightning": "sdxl", "SDXL Turbo": "sdxl",
		"Pony": "sdxl", "Illustrious": "sdxl", "NoobAI": "sdxl", "illustrious": "sdxl",
		"SD 3": "sd-3", "SD 3.5 Large": "sd-3", "SD 3.5 Medium": "sd-3",
		"Flux.1 D": "flux", "Flux.1 S": "flux", "Flux.1 Krea": "flux", "Flux.1 Kontext": "flux",
		"Flux.2 D": "flux2", "Flux.2 Klein 9B": "flux2",
		"ZImageTurbo": "z-image", "ZImageBase": "z-image", "Qwen": "qwen-image",
		"Pony V7": "any", "Wan Video 14B t2v": "any", "Hunyuan Video": "any", "Other": "any", "": "any",
	}
	for in, want := range tests {
		if got := InvokeAIBase(in); got != want {
			t.Errorf("InvokeAIBase(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTableConsistentWithDir checks that every row of Table is what Dir
// returns, and that every model type has exactly one row.
func TestTableConsistentWithDir(t *testing.T) {
	t.Parallel()
	bases := []string{"SD 1.5", "SDXL 1.0", "Flux.1 D", "Wan Video 14B t2v", ""}
	for _, l := range all() {
		t.Run(l.String(), func(t *testing.T) {
			t.Parallel()
			rows := Table(l)
			seen := map[string]int{}
			besides := 0
			for _, r := range rows {
				if r.Kind == "" {
					t.Errorf("row %+v has no Kind", r)
				}
				if r.Beside {
					besides++
					for _, ft := range r.FileTypes {
						for _, mt := range modelTypes {
							for _, base := range bases {
								if got, want := Dir(l, mt, ft, "", base), Dir(l, mt, "", "", base); got != want {
									t.Errorf("Dir(%s, %s, %s, %s) = %q, want beside the model %q", l, mt, ft, base, got, want)
								}
							}
						}
					}
					continue
				}
				for _, base := range bases {
					want := strings.ReplaceAll(r.Dir, basePlaceholder, InvokeAIBase(base))
					for _, mt := range r.ModelTypes {
						seen[mt]++
						if got := Dir(l, mt, "Model", "", base); got != want {
							t.Errorf("row %q: Dir(%s, %s, Model, %s) = %q, want %q", r.Kind, l, mt, base, got, want)
						}
					}
					for _, ft := range r.FileTypes {
						for _, mt := range modelTypes {
							if got := Dir(l, mt, ft, "", base); got != want {
								t.Errorf("row %q: Dir(%s, %s, %s, %s) = %q, want %q", r.Kind, l, mt, ft, base, got, want)
							}
						}
					}
				}
				if l != InvokeAI && strings.Contains(r.Dir, basePlaceholder) {
					t.Errorf("row %q of %s has a base placeholder", r.Kind, l)
				}
				if l == Flat && r.Dir != "" {
					t.Errorf("flat row %q has Dir %q", r.Kind, r.Dir)
				}
				if l != Flat && r.Dir == "" {
					t.Errorf("row %q of %s has no Dir", r.Kind, l)
				}
			}
			if besides != 1 {
				t.Errorf("%d Beside rows, want 1", besides)
			}
			for _, mt := range modelTypes[:len(modelTypes)-1] { // all but the unknown one
				if seen[mt] != len(bases) {
					t.Errorf("model type %s appears in %d rows, want exactly 1", mt, seen[mt]/len(bases))
				}
			}
			// Unknown types go to the row holding "Other".
			other := Dir(l, "Other", "", "", "")
			if got := Dir(l, "BrandNewType", "", "", ""); got != other {
				t.Errorf("unknown type goes to %q, want the Other row %q", got, other)
			}
		})
	}
}

func TestMarkdownGolden(t *testing.T) {
	t.Parallel()
	got := MarkdownAll()
	path := filepath.Join("testdata", "layouts.md")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/layout -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("MarkdownAll() differs from %s; run go test ./internal/layout -update and review (-want +got):\n%s", path, diff)
	}
	for _, l := range all() {
		md := Markdown(l)
		if !strings.Contains(got, md) {
			t.Errorf("MarkdownAll lacks the %s section", l)
		}
		want := len(Table(l)) + 1 // header row + one per route
		if l == Flat {
			want = 0
		}
		if n := strings.Count(md, "\n| "); n != want {
			t.Errorf("Markdown(%s) has %d table rows, want %d", l, n, want)
		}
	}
}

// A GGUF checkpoint is a quantized diffusion model: ComfyUI-GGUF's loader
// and SwarmUI list diffusion_models (and unet), never checkpoints. A1111,
// Forge and InvokeAI keep both kinds in one folder.
func TestDirGGUF(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		l                        Layout
		modelType, fileType, fmt string
		want                     string
	}{
		{ComfyUI, "Checkpoint", "Model", "GGUF", "models/diffusion_models"},
		{ComfyUI, "Checkpoint", "Pruned Model", "gguf", "models/diffusion_models"},
		{SwarmUI, "Checkpoint", "Model", "GGUF", "Models/diffusion_models"},
		{Forge, "Checkpoint", "Model", "GGUF", "models/Stable-diffusion"},
		{InvokeAI, "Checkpoint", "Model", "GGUF", "models/flux/main"},
		{ComfyUI, "Checkpoint", "Model", "SafeTensor", "models/checkpoints"},
		{ComfyUI, "Checkpoint", "VAE", "GGUF", "models/vae"},
		{ComfyUI, "TextEncoder", "Model", "GGUF", "models/text_encoders"},
		{ComfyUI, "LORA", "Model", "GGUF", "models/loras"},
	} {
		if got := Dir(tt.l, tt.modelType, tt.fileType, tt.fmt, "Flux.1 D"); got != tt.want {
			t.Errorf("Dir(%s, %q, %q, %q) = %q, want %q", tt.l, tt.modelType, tt.fileType, tt.fmt, got, tt.want)
		}
	}
}

func TestExtraNetwork(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		modelType, fileType string
		want                bool
	}{
		{"Checkpoint", "Model", true}, {"LORA", "", true}, {"LoCon", "Model", true}, {"DoRA", "", true},
		{"TextualInversion", "", true}, {"Hypernetwork", "", true}, {"Checkpoint", "Diffusion Model", true},
		{"LORA", "Negative", true},
		{"Workflows", "Archive", false}, {"Wildcards", "", false}, {"Poses", "", false}, {"Other", "", false},
		{"Checkpoint", "VAE", false}, {"Checkpoint", "Training Data", false}, {"Controlnet", "", false},
		{"Upscaler", "", false}, {"MotionModule", "", false}, {"BrandNewType", "", false},
	} {
		if got := ExtraNetwork(tt.modelType, tt.fileType); got != tt.want {
			t.Errorf("ExtraNetwork(%q, %q) = %v, want %v", tt.modelType, tt.fileType, got, tt.want)
		}
	}
}

func TestCheckRoot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	comfy := filepath.Join(dir, "ComfyUI")
	for _, p := range []string{"ComfyUI/models/loras", "ComfyUI/custom_nodes", "webui/extensions", "Swarm/Models", "empty"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(p)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(comfy, "main.py"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		l    Layout
		root string
		want string // a part of the answer; "" for none
	}{
		{ComfyUI, comfy, ""},
		{A1111, filepath.Join(dir, "webui"), ""},
		{SwarmUI, filepath.Join(dir, "Swarm"), ""},
		{Flat, filepath.Join(dir, "nowhere"), ""},
		{ComfyUI, filepath.Join(comfy, "models"), "is a models folder itself"},
		// Not made yet: the same mistake (models/models/...).
		{ComfyUI, filepath.Join(dir, "new", "models"), "is a models folder itself"},
		// A type folder of the UI's models folder, there or not yet.
		{ComfyUI, filepath.Join(comfy, "models", "loras"), "is a folder inside a models folder"},
		{ComfyUI, filepath.Join(comfy, "models", "unet"), "is a folder inside a models folder"},
		// In a folder named models that is no UI's: a new UI root there.
		{ComfyUI, filepath.Join(dir, "models", "ComfyUI"), "does not exist yet"},
		{ComfyUI, filepath.Join(dir, "ComfyUl"), "does not exist yet"},
		{InvokeAI, filepath.Join(dir, "empty"), "holds none of invokeai.yaml, models"},
		{ComfyUI, filepath.Join(comfy, "main.py"), "is not a folder"},
		// Another UI's folder: models/ alone does not make it this one's.
		{A1111, comfy, "looks like the folder of ComfyUI"},
		{InvokeAI, comfy, "looks like the folder of ComfyUI"},
		{Forge, filepath.Join(dir, "webui"), ""},
	} {
		got := CheckRoot(tt.l, tt.root)
		if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("CheckRoot(%s, %s) = %q, want %q", tt.l, tt.root, got, tt.want)
		}
	}
}
