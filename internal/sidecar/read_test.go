package sidecar

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const (
	chokeSHA   = "B76A1FC247DB893BC8C1290420F0E96B6F86129576A9FB885C20CB7EDBEFEEA5"
	chokeBLAKE = "E8E25E0D99471B5F9EE1296EC7228B0EA892BE0ADDC57C3C9E54F48CDA3DF009"
	semiSHA    = "7C0B4B21DAD60CE4E5A3F78D33261F4E556F94042E7FD19FBC8C734A80EC5A81"
	semiBLAKE  = "9CF9F55AA6591F0993A471A0E4E2932E34F797AE213BF2847059A544F146E843"
	vskSHA     = "260F2989F160C67B09FD68482D1CC45DE61A33EEC5D2FA6FCD6CF7E09BBA7D47"
	vskBLAKE   = "253BD9C3037584A20AD46C833E9BC90A1F8F7EA031FD81BF1E8392DBC9C45F3E"
)

var vskWords = []string{"VSKnormal", "VSKDress", "VSKJacketless", "VSKChristmas", "VSKFace"}

// ignorePath leaves Info.Path out of comparisons (it is checked apart).
var ignorePath = cmp.Options{cmpopts.IgnoreFields(Info{}, "Path", "HashSource", "Size"), cmpopts.IgnoreUnexported(Info{})}

func TestReadAnyFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dir, model string
		want       Info
	}{
		{"helper", "choke_hold_rnc_ilxl.safetensors", Info{
			ModelID: 902206, VersionID: 1421739, FileID: 1323445, FileName: "choke_hold_rnc_ilxl.safetensors",
			SHA256: chokeSHA, AutoV2: "B76A1FC247", BLAKE3: chokeBLAKE,
			ModelName: "(IL+Pony) Rear Naked Choke / 裸絞め", VersionName: "IL_v1.0",
			ModelType: "LORA", BaseModel: "Illustrious", TrainedWords: []string{`choke hold \(rnc\)`},
			Source: SuffixInfo,
		}},
		{"stabilitymatrix", "Semi_realistic.safetensors", Info{
			ModelID: 1580878, VersionID: 1967584, FileID: 1865079,
			SHA256: semiSHA, BLAKE3: semiBLAKE,
			ModelName: "Semi-realistic illustrious", VersionName: "v1.5",
			ModelType: "LORA", BaseModel: "Illustrious", TrainedWords: []string{"Srealist"},
			Source: SuffixStabilityMtx,
		}},
		{"loramanager", "Semi_realistic.safetensors", Info{
			ModelID: 1580878, VersionID: 1967584, FileID: 1865079, FileName: "Semi_realistic.safetensors",
			SHA256: semiSHA, AutoV2: "7C0B4B21DA", BLAKE3: semiBLAKE,
			ModelName: "Semi-realistic illustrious", VersionName: "v1.5",
			ModelType: "LORA", BaseModel: "Illustrious", TrainedWords: []string{"Srealist"},
			Source: SuffixLoraManager,
		}},
		{"civicomfy", "VSK.safetensors", Info{
			ModelID: 11821, VersionID: 127062, FileID: 91869,
			SHA256: vskSHA, AutoV2: "260F2989F1", BLAKE3: vskBLAKE,
			ModelName: "VSK-94 | Girls' Frontline", VersionName: "v2.0",
			ModelType: "LORA", BaseModel: "SD 1.5", TrainedWords: vskWords,
			Source: SuffixCivicomfy,
		}},
		{"a1111", "VSK.safetensors", Info{
			ModelID: 11821, SHA256: vskSHA, BaseModel: "SD1", TrainedWords: vskWords, Source: SuffixA1111,
		}},
		{"sha256", "VSK.safetensors", Info{SHA256: vskSHA, Source: SuffixSHA256}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			t.Parallel()
			model := filepath.Join("testdata", "read", tt.dir, tt.model)
			got, err := ReadAny(model)
			if err != nil {
				t.Fatalf("ReadAny: %v", err)
			}
			if diff := cmp.Diff(tt.want, *got, ignorePath); diff != "" {
				t.Errorf("ReadAny (-want +got):\n%s", diff)
			}
			if want := stem(model) + tt.want.Source; got.Path != want {
				t.Errorf("Path = %q, want %q", got.Path, want)
			}
		})
	}
}

func TestReadAnyNotOnCivitai(t *testing.T) {
	t.Parallel()
	t.Run("empty file", func(t *testing.T) {
		t.Parallel()
		in, err := ReadAny(filepath.Join("testdata", "read", "helper-emptyobj", "lost_model.safetensors"))
		if !errors.Is(err, ErrNotOnCivitai) || in != nil {
			t.Fatalf("ReadAny = %+v, %v; want nil, ErrNotOnCivitai", in, err)
		}
	})
	t.Run("empty file with a sha256 beside it", func(t *testing.T) {
		t.Parallel()
		in, err := ReadAny(filepath.Join("testdata", "read", "helper-notfound", "merged_mix.safetensors"))
		if !errors.Is(err, ErrNotOnCivitai) {
			t.Fatalf("err = %v, want ErrNotOnCivitai", err)
		}
		want := &Info{SHA256: "5D0C6B6D7E1E0C0E4F41B7A4C59B6CF1D2C8E3A2B1F0E9D8C7B6A5F4E3D2C1B0", Source: SuffixSHA256}
		if diff := cmp.Diff(want, in, ignorePath); diff != "" {
			t.Errorf("partial info (-want +got):\n%s", diff)
		}
	})
	t.Run("another sidecar names the version", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		copyFixture(t, "read/civicomfy/VSK.cminfo.json", filepath.Join(dir, "VSK.cminfo.json"))
		write(t, filepath.Join(dir, "VSK.civitai.info"), "")
		in, err := ReadAny(filepath.Join(dir, "VSK.safetensors"))
		if err != nil || in.VersionID != 127062 {
			t.Fatalf("ReadAny = %+v, %v", in, err)
		}
	})
}

func TestReadAnyErrors(t *testing.T) {
	t.Parallel()
	t.Run("none", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		write(t, filepath.Join(dir, "m.safetensors"), "weights")
		write(t, filepath.Join(dir, "other.civitai.info"), "{}")
		in, err := ReadAny(filepath.Join(dir, "m.safetensors"))
		if !errors.Is(err, fs.ErrNotExist) || in != nil {
			t.Fatalf("ReadAny = %+v, %v; want fs.ErrNotExist", in, err)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		t.Parallel()
		in, err := ReadAny(filepath.Join("testdata", "read", "broken", "choke_hold_rnc_ilxl.safetensors"))
		if !errors.Is(err, ErrMalformed) || in != nil {
			t.Fatalf("ReadAny = %+v, %v; want ErrMalformed", in, err)
		}
	})
	t.Run("malformed skipped when another parses", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		copyFixture(t, "read/broken/choke_hold_rnc_ilxl.civitai.info", filepath.Join(dir, "c.civitai.info"))
		write(t, filepath.Join(dir, "c.sha256"), strings.ToLower(chokeSHA)+"\n")
		in, err := ReadAny(filepath.Join(dir, "c.safetensors"))
		if err != nil || in.SHA256 != chokeSHA || in.Source != SuffixSHA256 {
			t.Fatalf("ReadAny = %+v, %v", in, err)
		}
	})
	t.Run("unrelated json is not a sidecar", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		write(t, filepath.Join(dir, "workflow.json"), `{"last_node_id": 9, "nodes": []}`)
		if _, err := ReadAny(filepath.Join(dir, "workflow.safetensors")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err = %v, want fs.ErrNotExist", err)
		}
	})
}

func TestReadAnyMerge(t *testing.T) {
	t.Parallel()
	t.Run("agreeing sidecars fill gaps", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		// A1111 .json (modelId, sha256, words) + .cminfo.json (everything): the
		// .cminfo.json wins; nothing is missing, so the result is exactly it.
		copyFixture(t, "read/a1111/VSK.json", filepath.Join(dir, "VSK.json"))
		copyFixture(t, "read/civicomfy/VSK.cminfo.json", filepath.Join(dir, "VSK.cminfo.json"))
		in, err := ReadAny(filepath.Join(dir, "VSK.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		if in.Source != SuffixCivicomfy || in.VersionID != 127062 || in.BaseModel != "SD 1.5" {
			t.Errorf("ReadAny = %+v; want the .cminfo.json", in)
		}
		// A version JSON without hashes for this file name gets them from the .sha256.
		dir2 := t.TempDir()
		copyFixture(t, "civitai-info-1.json", filepath.Join(dir2, "renamed.civitai.info"))
		write(t, filepath.Join(dir2, "renamed.sha256"), chokeSHA)
		in, err = ReadAny(filepath.Join(dir2, "renamed.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		// The sample has one file: its hashes apply even though the name differs.
		if in.Source != SuffixInfo || in.SHA256 != chokeSHA || in.FileID != 1323445 {
			t.Errorf("ReadAny = %+v", in)
		}
	})
	t.Run("disagreeing sidecars are not merged", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		copyFixture(t, "read/stabilitymatrix/Semi_realistic.cm-info.json", filepath.Join(dir, "x.cm-info.json"))
		// A stale A1111 .json of another file: different sha256, has words and a model id.
		write(t, filepath.Join(dir, "x.json"), `{"activation text": "other, words", "sha256": "`+strings.ToLower(vskSHA)+`", "modelId": 11821}`)
		in, err := ReadAny(filepath.Join(dir, "x.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		if in.Source != SuffixStabilityMtx || in.SHA256 != semiSHA || in.ModelID != 1580878 || !cmp.Equal(in.TrainedWords, []string{"Srealist"}) {
			t.Errorf("ReadAny = %+v; want the .cm-info.json untouched", in)
		}
	})
	t.Run("gaps filled", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		// A version with two files and a renamed model: the .civitai.info
		// cannot tell which file this is by its name; the .sha256 supplies
		// the hash, which is one of the version's files.
		write(t, filepath.Join(dir, "renamed.civitai.info"), twoFiles)
		write(t, filepath.Join(dir, "renamed.sha256"), strings.Repeat("b", 64)+" *renamed.safetensors")
		in, err := ReadAny(filepath.Join(dir, "renamed.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		want := Info{ModelID: 3, VersionID: 7, FileID: 2, FileName: "flux_dev.safetensors", SHA256: strings.Repeat("B", 64), AutoV2: "BBBBBBBBBB", Source: SuffixInfo}
		if diff := cmp.Diff(want, *in, ignorePath); diff != "" {
			t.Errorf("ReadAny (-want +got):\n%s", diff)
		}
	})
	t.Run("equal scores keep the earlier kind", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		copyFixture(t, "read/civicomfy/VSK.cminfo.json", filepath.Join(dir, "VSK.cminfo.json"))
		// The same data as a .cm-info.json (an earlier kind) scores the same.
		write(t, filepath.Join(dir, "VSK.cm-info.json"), `{"ModelId":11821,"ModelName":"VSK-94 | Girls' Frontline","ModelType":"LORA","VersionId":127062,"VersionName":"v2.0","BaseModel":"SD 1.5","RemoteFileId":91869,"Hashes":{"SHA256":"`+vskSHA+`","BLAKE3":"`+vskBLAKE+`"},"TrainedWords":["VSKnormal"]}`)
		in, err := ReadAny(filepath.Join(dir, "VSK.safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		// .cminfo.json has AutoV2 too, so it scores one more and wins.
		if in.Source != SuffixCivicomfy || in.AutoV2 != "260F2989F1" {
			t.Errorf("ReadAny = %+v", in)
		}
		os.Remove(filepath.Join(dir, "VSK.cminfo.json"))
		write(t, filepath.Join(dir, "VSK.cminfo.json"), `{"ModelId":11821,"ModelName":"VSK-94 | Girls' Frontline","ModelType":"LORA","VersionId":127062,"VersionName":"v2.0","BaseModel":"SD 1.5","PrimaryFileId":91869,"Hashes":{"SHA256":"`+vskSHA+`","BLAKE3":"`+vskBLAKE+`"},"TrainedWords":["other"]}`)
		if in, err = ReadAny(filepath.Join(dir, "VSK.safetensors")); err != nil || in.Source != SuffixStabilityMtx || !cmp.Equal(in.TrainedWords, []string{"VSKnormal"}) {
			t.Errorf("tie: ReadAny = %+v, %v; want the .cm-info.json", in, err)
		}
	})
}

// twoFiles is a version with two files (fp8 and full, as Flux dev).
var twoFiles = `{"id": 7, "modelId": 3, "files": [
	{"id": 1, "name": "flux_dev_fp8.safetensors", "primary": true, "hashes": {"SHA256": "` + strings.Repeat("A", 64) + `"}},
	{"id": 2, "name": "flux_dev.safetensors", "hashes": {"SHA256": "` + strings.Repeat("B", 64) + `", "AutoV2": "BBBBBBBBBB"}}]}`

func TestParseVersionFileChoice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		model  string
		fileID int64
		sha    string
	}{
		{"flux_dev.safetensors", 2, strings.Repeat("B", 64)},
		{"FLUX_DEV_FP8.safetensors", 1, strings.Repeat("A", 64)},
		{"renamed.safetensors", 0, ""}, // ambiguous: no hash rather than another file's
	}
	for _, tt := range tests {
		in, err := parseCivitaiInfo([]byte(twoFiles), tt.model)
		if err != nil {
			t.Fatal(err)
		}
		if in.VersionID != 7 || in.ModelID != 3 || in.FileID != tt.fileID || in.SHA256 != tt.sha {
			t.Errorf("%s: %+v", tt.model, in)
		}
	}
}

func TestLenientValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data string
		parse      func([]byte, string) (*Info, error)
		want       Info
	}{
		{"string ids and comma words", `{"ModelId": "12", "VersionId": 34.0, "TrainedWords": "a, b ,,c"}`, parseStabilityMatrix,
			Info{ModelID: 12, VersionID: 34, TrainedWords: []string{"a", "b", "c"}}},
		{"bad values ignored", `{"ModelId": -3, "VersionId": 1.5, "RemoteFileId": true, "ModelName": 7, "Hashes": {"SHA256": "xyz", "BLAKE3": null}}`, parseStabilityMatrix,
			Info{}},
		{"numeric ModelType ignored", `{"ModelType": 5, "ModelName": "n"}`, parseStabilityMatrix, Info{ModelName: "n"}},
		{"case-insensitive keys", `{"modelid": 5, "VERSIONID": 6}`, parseCivicomfy, Info{ModelID: 5, VersionID: 6}},
		{"bom", "\xef\xbb\xbf{\"id\": 9}", parseCivitaiInfo, Info{VersionID: 9}},
		{"lm without civitai", `{"sha256": "` + strings.Repeat("c", 64) + `", "from_civitai": false, "civitai": null, "model_name": "local"}`, parseLoraManager,
			Info{SHA256: strings.Repeat("C", 64), ModelName: "local"}},
		{"a1111 unknown version", `{"sd version": "Unknown", "activation text": ""}`, parseA1111, Info{}},
		// Civitai Helper's prompt list (zixaphir fork scripts/ch_lib/model.py):
		// trainedWords ["1girl, solo", "1boy, sword"] joined with " || ".
		{"a1111 helper prompt list", `{"activation text": "1girl, solo || 1boy, sword ||", "preferred weight": 0}`, parseA1111,
			Info{TrainedWords: []string{"1girl, solo", "1boy, sword"}}},
		{"a1111 comma words", `{"activation text": "fixlora, fixture style"}`, parseA1111,
			Info{TrainedWords: []string{"fixlora", "fixture style"}}},
		{"bare sha", "  " + strings.Repeat("d", 64) + "  \n", parseSHA256, Info{SHA256: strings.Repeat("D", 64)}},
		{"sha256sum text mode", strings.Repeat("e", 64) + "  m.safetensors\n", parseSHA256, Info{SHA256: strings.Repeat("E", 64)}},
		{"escaped sha256sum", `\` + strings.Repeat("f", 64) + "  m\\\\x.safetensors\n", parseSHA256, Info{SHA256: strings.Repeat("F", 64)}},
	}
	for _, tt := range tests {
		got, err := tt.parse([]byte(tt.data), "m.safetensors")
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.want, *got, cmpopts.EquateEmpty(), ignorePath); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	for _, bad := range []string{"", "\n\n", "not a hash", strings.Repeat("g", 64), strings.Repeat("a", 63)} {
		if in, err := parseSHA256([]byte(bad), "m"); err == nil {
			t.Errorf("parseSHA256(%q) = %+v, want error", bad, in)
		}
	}
}

func TestKinds(t *testing.T) {
	t.Parallel()
	want := []string{".civitai.info", ".cm-info.json", ".metadata.json", ".cminfo.json", ".json", ".sha256"}
	if diff := cmp.Diff(want, Kinds()); diff != "" {
		t.Errorf("Kinds (-want +got):\n%s", diff)
	}
}

// write creates a file with content.
func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyFixture copies testdata/name to dst.
func copyFixture(t *testing.T, name, dst string) {
	t.Helper()
	write(t, dst, string(readFixture(t, name)))
}

// One version can hold several files of the same name (fp16 and fp32):
// the local file's size picks the one the sidecar's hash belongs to, and
// a size that fits none, or both, gives no hash rather than another's.
func TestReadAnySameNameFiles(t *testing.T) {
	t.Parallel()
	info := `{"id": 7, "modelId": 3, "model": {"name": "M", "type": "Checkpoint"}, "files": [
		{"id": 71, "name": "m.safetensors", "sizeKB": 300, "hashes": {"SHA256": "` + strings.Repeat("A", 64) + `"}},
		{"id": 72, "name": "m.safetensors", "sizeKB": 200.5, "hashes": {"SHA256": "` + strings.Repeat("B", 64) + `"}},
		{"id": 73, "name": "m.safetensors", "sizeKB": 500, "hashes": {"SHA256": "` + strings.Repeat("C", 64) + `"}},
		{"id": 74, "name": "m.safetensors", "sizeKB": 500, "hashes": {"SHA256": "` + strings.Repeat("D", 64) + `"}},
		{"id": 75, "name": "other.vae.safetensors", "sizeKB": 100, "hashes": {"SHA256": "` + strings.Repeat("E", 64) + `"}}]}`
	for _, tt := range []struct {
		name   string
		size   int64
		fileID int64
		sha    string
	}{
		{"fits the second", 200*1024 + 512, 72, strings.Repeat("B", 64)},
		{"fits the first", 300 * 1024, 71, strings.Repeat("A", 64)},
		{"cut short: fits none", 100 * 1024, 0, ""},
		{"fits two", 500 * 1024, 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			model := filepath.Join(dir, "m.safetensors")
			write(t, filepath.Join(dir, "m.civitai.info"), info)
			if err := os.WriteFile(model, make([]byte, tt.size), 0o644); err != nil {
				t.Fatal(err)
			}
			in, err := ReadAny(model)
			if err != nil {
				t.Fatal(err)
			}
			if in.FileID != tt.fileID || in.SHA256 != tt.sha || in.VersionID != 7 {
				t.Errorf("file %d sha %q version %d; want file %d sha %q version 7", in.FileID, in.SHA256, in.VersionID, tt.fileID, tt.sha)
			}
			if in.Misfit != (tt.name == "cut short: fits none") {
				t.Errorf("Misfit = %v", in.Misfit)
			}
			if tt.fileID != 0 && !in.SizeMatches(tt.size) {
				t.Errorf("SizeMatches(%d) false for size %d", tt.size, in.Size)
			}
		})
	}
}

// Two files of one name and one size: another sidecar's SHA-256 (A1111's
// .json) picks among them; without one, PickByHash does with the file's
// own hash.
func TestReadAnySameSizePickedByHash(t *testing.T) {
	t.Parallel()
	c, d := strings.Repeat("C", 64), strings.Repeat("D", 64)
	info := `{"id": 7, "modelId": 3, "files": [
		{"id": 73, "name": "m.safetensors", "sizeKB": 500, "hashes": {"SHA256": "` + c + `"}},
		{"id": 74, "name": "m.safetensors", "sizeKB": 500.5, "hashes": {"SHA256": "` + d + `"}}]}`
	dir := t.TempDir()
	model := filepath.Join(dir, "m.safetensors")
	write(t, filepath.Join(dir, "m.civitai.info"), info)
	if err := os.WriteFile(model, make([]byte, 500*1024), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := ReadAny(model)
	if err != nil || in.FileID != 0 || in.SHA256 != "" {
		t.Fatalf("alone: %+v, %v; want no file, no hash", in, err)
	}
	if !in.PickByHash(strings.ToLower(d)) || in.FileID != 74 || in.SHA256 != d {
		t.Errorf("PickByHash: file %d sha %s, want 74", in.FileID, in.SHA256)
	}
	write(t, filepath.Join(dir, "m.json"), `{"activation text": "", "sha256": "`+strings.ToLower(c)+`"}`)
	in, err = ReadAny(model)
	if err != nil || in.FileID != 73 || in.SHA256 != c || in.Source != SuffixInfo || in.HashSource != SuffixInfo {
		t.Errorf("with the .json: %+v, %v; want file 73 from the .civitai.info", in, err)
	}
}
