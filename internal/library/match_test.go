package library

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/store"
)

// file builds an API file: id, type, format, fp, size (and quant type, and
// primary, when given).
func file(id int64, typ, format, fp, size string, more ...string) *api.File {
	f := &api.File{ID: id, Name: "f.safetensors", Type: typ, Metadata: api.FileMetadata{Format: format, FP: fp, Size: size}}
	for _, m := range more {
		if m == "primary" {
			f.Primary = true
		} else {
			f.Metadata.QuantType = m
		}
	}
	return f
}

func TestMatchFile(t *testing.T) {
	t.Parallel()
	// The files of Fixture Checkpoint XL's v3.0 (civitaitest), plus a GGUF.
	v3 := []*api.File{
		file(1, "Model", "SafeTensor", "fp16", "pruned", "primary"),
		file(2, "Model", "SafeTensor", "fp32", "full"),
		file(3, "Model", "PickleTensor", "fp32", "full"),
		file(4, "VAE", "SafeTensor", "", ""),
		file(5, "Model", "SafeTensor", "fp8", "pruned"),
		file(6, "Model", "GGUF", "", "pruned", "Q8_0"),
		file(7, "Model", "GGUF", "", "pruned", "Q4_K_M"),
	}
	tests := []struct {
		name  string
		old   *api.File
		files []*api.File
		want  int64 // 0: none
	}{
		{name: "the VAE gets the VAE, not the primary checkpoint", old: file(0, "VAE", "SafeTensor", "", ""), files: v3, want: 4},
		{name: "a PickleTensor gets the PickleTensor", old: file(0, "Model", "PickleTensor", "fp32", "full"), files: v3, want: 3},
		{name: "the primary fp16 gets the primary fp16", old: file(0, "Model", "SafeTensor", "fp16", "pruned", "primary"), files: v3, want: 1},
		{name: "fp32 full SafeTensor", old: file(0, "Model", "SafeTensor", "fp32", "full"), files: v3, want: 2},
		{name: "fp8", old: file(0, "Model", "SafeTensor", "fp8", "pruned"), files: v3, want: 5},
		{name: "the format wins over fp and size", old: file(0, "Model", "PickleTensor", "fp16", "pruned"), files: v3, want: 3},
		{name: "fp wins over size", old: file(0, "Model", "SafeTensor", "fp32", "pruned"), files: v3, want: 2},
		{name: "GGUF quantisation", old: file(0, "Model", "GGUF", "", "pruned", "Q4_K_M"), files: v3, want: 7},
		{name: "a GGUF is replaced by a GGUF only", old: file(0, "Model", "GGUF", "", "pruned", "Q4_K_M"), files: v3[:5], want: 0},
		{name: "a format the new version lacks: fp and size, then the primary", old: file(0, "Model", "ONNX", "fp16", "pruned", ""), files: v3[:5], want: 1},
		{name: "the type is compared loosely", old: file(0, "vae", "safetensor", "", ""), files: v3, want: 4},
		{name: "no file of that type", old: file(0, "Training Data", "Other", "", ""), files: v3, want: 0},
		{name: "no VAE in the new version", old: file(0, "VAE", "SafeTensor", "", ""), files: []*api.File{v3[0], v3[1]}, want: 0},
		{name: "a Config is not a Model", old: file(0, "Config", "Other", "", ""), files: v3, want: 0},
		{name: "Pruned Model gets a Pruned Model first", old: file(0, "Pruned Model", "SafeTensor", "fp16", "pruned"),
			files: []*api.File{file(1, "Model", "SafeTensor", "fp16", "pruned", "primary"), file(2, "Pruned Model", "SafeTensor", "fp32", "pruned")}, want: 2},
		{name: "Pruned Model gets a Model when there is no Pruned Model", old: file(0, "Pruned Model", "SafeTensor", "fp16", "pruned"), files: v3, want: 1},
		{name: "Model gets a Pruned Model when there is no Model", old: file(0, "Model", "SafeTensor", "fp16", "full"),
			files: []*api.File{v3[3], file(8, "Pruned Model", "SafeTensor", "fp16", "pruned")}, want: 8},
		{name: "a VAE never gets a Model", old: file(0, "VAE", "SafeTensor", "fp16", "pruned"), files: v3[:3], want: 0},
		{name: "ties go to the first", old: file(0, "Model", "SafeTensor", "", ""),
			files: []*api.File{file(1, "Model", "SafeTensor", "fp16", ""), file(2, "Model", "SafeTensor", "fp32", "")}, want: 1},
		{name: "no files", old: file(0, "Model", "SafeTensor", "", ""), files: nil, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got int64
			if f := MatchFile(tt.old, tt.files); f != nil {
				got = f.ID
			}
			if got != tt.want {
				t.Errorf("MatchFile = file %d, want %d", got, tt.want)
			}
		})
	}
}

func TestIdentifyFile(t *testing.T) {
	t.Parallel()
	named := func(f *api.File, name, sha string) *api.File {
		f.Name = name
		f.Hashes = api.Hashes{"SHA256": sha}
		return f
	}
	v1 := []*api.File{
		named(file(1, "Model", "SafeTensor", "fp16", "pruned", "primary"), "ck_v10.safetensors", "AA"),
		named(file(2, "Model", "SafeTensor", "fp32", "full"), "ck_v10.safetensors", "BB"),
		named(file(3, "VAE", "SafeTensor", "", ""), "ck_vae.safetensors", "CC"),
	}
	tests := []struct {
		name string
		row  store.File
		want int64
	}{
		{name: "by file id", row: store.File{Path: "/m/x", FileID: 2, SHA256: "CC"}, want: 2},
		{name: "by hash", row: store.File{Path: "/m/x", SHA256: "cc"}, want: 3},
		{name: "by the published name when only one file has it", row: store.File{Path: "/m/x", FileName: "ck_vae.safetensors"}, want: 3},
		{name: "by the name on disk", row: store.File{Path: "/m/vae/ck_vae.safetensors", SHA256: "DD"}, want: 3},
		{name: "a name two files have tells nothing", row: store.File{Path: "/m/ck_v10.safetensors"}, want: 0},
		{name: "unknown", row: store.File{Path: "/m/mine.safetensors", SHA256: "EE", FileID: 9}, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got int64
			if f := IdentifyFile(&tt.row, v1); f != nil {
				got = f.ID
			}
			if got != tt.want {
				t.Errorf("IdentifyFile = file %d, want %d", got, tt.want)
			}
		})
	}
}

func TestPlanFiles(t *testing.T) {
	t.Parallel()
	cur := &api.ModelVersion{ID: 11, Name: "v1.0", Files: []*api.File{
		file(1, "Model", "PickleTensor", "fp32", "full"),
		file(2, "VAE", "SafeTensor", "", ""),
		file(3, "Training Data", "Other", "", ""),
	}}
	latest := &api.ModelVersion{ID: 12, Name: "v2.0", Files: []*api.File{
		file(21, "Model", "SafeTensor", "fp16", "pruned", "primary"),
		file(22, "Model", "PickleTensor", "fp32", "full"),
		file(23, "VAE", "SafeTensor", "", ""),
	}}
	rows := []*store.File{
		{Path: "/c/models/checkpoints/ck.ckpt", FileID: 1},
		{Path: "/c/models/vae/vae.safetensors", FileID: 2},
		{Path: "/c/data.zip", FileID: 3},
		{Path: "/c/other.safetensors", FileID: 99},
	}
	got := PlanFiles(rows, cur, latest)
	type pair struct {
		Path     string
		Old, New int64
		Note     string
	}
	var pairs []pair
	for _, fu := range got {
		p := pair{Path: fu.Path, Note: fu.Note}
		if fu.Old != nil {
			p.Old = fu.Old.ID
		}
		if fu.New != nil {
			p.New = fu.New.ID
		}
		pairs = append(pairs, p)
	}
	want := []pair{
		{Path: "/c/models/checkpoints/ck.ckpt", Old: 1, New: 22},
		{Path: "/c/models/vae/vae.safetensors", Old: 2, New: 23},
		{Path: "/c/data.zip", Old: 3, Note: "v2.0 has no Training Data file"},
		{Path: "/c/other.safetensors", Note: "it is none of the files CivitAI lists for v1.0, so civit cannot tell which file of v2.0 replaces it"},
	}
	if diff := cmp.Diff(want, pairs); diff != "" {
		t.Errorf("PlanFiles (-want +got):\n%s", diff)
	}
	// The current version gone from CivitAI: nothing can be matched.
	for _, fu := range PlanFiles(rows[:1], nil, latest) {
		if fu.New != nil || fu.Note == "" {
			t.Errorf("without the current version: %+v", fu)
		}
	}
}
