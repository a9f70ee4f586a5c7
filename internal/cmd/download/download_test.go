package download

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	dl "github.com/civit/civit/internal/download"
	"github.com/civit/civit/internal/layout"
	"github.com/civit/civit/internal/target"
)

func TestParseRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		err  bool
	}{
		{in: "500K", want: 500 << 10},
		{in: "20M", want: 20 << 20},
		{in: "1.5G", want: 3 << 29},
		{in: "20MB/s", want: 20 << 20},
		{in: "20MiB", want: 20 << 20},
		{in: "4096", want: 4096},
		{in: "fast", err: true},
		{in: "0", err: true},
		{in: "-5M", err: true},
		{in: "100", err: true}, // below 1K
		{in: "NaN", err: true}, // was taken as no limit at all
		{in: "nanM", err: true},
		{in: "inf", err: true},
	}
	for _, tt := range tests {
		got, err := ParseRate(tt.in)
		if (err != nil) != tt.err || (!tt.err && got != tt.want) {
			t.Errorf("ParseRate(%q) = %d, %v; want %d, err %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestReadTargets(t *testing.T) {
	t.Parallel()
	const text = "# comment\n\n 101 \nhttps://civitai.com/models/5 # trailing note\n" +
		"4201\tRealistic Vision\tCheckpoint\tSD 1.5\t1.2M\t2 days ago\n" // a line of `civit search | ...`
	const want = "101|https://civitai.com/models/5|4201"
	p := filepath.Join(t.TempDir(), "t.txt")
	os.WriteFile(p, []byte(text), 0o644)
	for _, tc := range []struct{ path, in string }{{p, ""}, {"-", text}} {
		lines, err := readTargets(tc.path, strings.NewReader(tc.in))
		if err != nil {
			t.Fatal(err)
		}
		var got, pos []string
		for _, l := range lines {
			got, pos = append(got, l.text), append(pos, l.pos)
		}
		if strings.Join(got, "|") != want {
			t.Errorf("readTargets(%q) = %q, want %q", tc.path, got, want)
		}
		name := map[string]string{"-": "stdin"}[tc.path]
		if name == "" {
			name = tc.path
		}
		if wantPos := name + ":3|" + name + ":4|" + name + ":5"; strings.Join(pos, "|") != wantPos {
			t.Errorf("positions %q, want %q", pos, wantPos)
		}
	}
	if _, err := readTargets(filepath.Join(t.TempDir(), "missing.txt"), nil); err == nil {
		t.Error("a missing file is not an error")
	}
}

func testVersion() *api.ModelVersion {
	f := func(id int64, name, typ, format, fp, size string, primary bool) *api.File {
		return &api.File{ID: id, Name: name, Type: typ, Metadata: api.FileMetadata{Format: format, FP: fp, Size: size}, Primary: api.FlexBool(primary)}
	}
	return &api.ModelVersion{ID: 10, Name: "v1", BaseModel: "SDXL 1.0", Files: []*api.File{
		f(1, "m.safetensors", "Model", "SafeTensor", "fp16", "pruned", true),
		f(2, "m.safetensors", "Model", "SafeTensor", "fp32", "full", false),
		f(3, "m.ckpt", "Model", "PickleTensor", "fp32", "full", false),
		f(4, "vae.safetensors", "VAE", "SafeTensor", "", "", false),
		f(5, "Crème \"Brûlée\".safetensors", "Model", "SafeTensor", "bf16", "", false),
	}}
}

func TestChooseFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		o       Options
		t       target.Target
		want    []int64
		wantErr string
	}{
		{name: "primary by default", want: []int64{1}},
		{name: "by id", o: Options{File: "3"}, want: []int64{3}},
		{name: "by unique name", o: Options{File: "VAE.safetensors"}, want: []int64{4}},
		{name: "decomposed name (macOS)", o: Options{File: "Cre\u0300me \"Bru\u0302le\u0301e\".safetensors"}, want: []int64{5}},
		{name: "the name civit saved it under", o: Options{File: "crème _brûlée_.SAFETENSORS"}, want: []int64{5}},
		{name: "ambiguous name", o: Options{File: "m.safetensors"}, wantErr: "has 2 files named"},
		{name: "fp and format", o: Options{FP: "fp32", Format: "safetensor"}, want: []int64{2}},
		{name: "type", o: Options{FileType: "vae"}, want: []int64{4}},
		{name: "size full prefers model files", o: Options{Size: "full"}, want: []int64{2}},
		{name: "all files of a kind", o: Options{FP: "fp32", AllFiles: true}, want: []int64{2, 3}},
		{name: "link fileId", t: target.Target{FileID: 4}, want: []int64{4}},
		{name: "link selectors", t: target.Target{Format: "PickleTensor"}, want: []int64{3}},
		{name: "nothing matches lists files", o: Options{FP: "int4"}, wantErr: "its files are:\n    1  m.safetensors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := &planner{o: &tt.o}
			got, err := p.chooseFiles(testVersion(), tt.t)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, f := range got {
				ids = append(ids, f.ID)
			}
			if len(ids) != len(tt.want) {
				t.Fatalf("got %v, want %v", ids, tt.want)
			}
			for i := range ids {
				if ids[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", ids, tt.want)
				}
			}
		})
	}
}

// A server-supplied name never leads outside the destination folder, nor
// do the model's values that --subdir puts in folder names.
func TestDestIsContained(t *testing.T) {
	t.Parallel()
	v := testVersion()
	sub, err := layout.ParseSubdir("{base}/{creator}/{model} {version}")
	if err != nil {
		t.Fatal(err)
	}
	fields := layout.Fields{Type: "LORA", Base: `C:\Windows`, Creator: "..", Model: "../../etc", Version: "/abs"}
	for _, name := range []string{"../../etc/passwd", "/abs/model.safetensors", `..\..\win.ckpt`, "a/b/c.safetensors", "con.safetensors"} {
		for _, o := range []*Options{{OutputDir: "out"}, {Layout: layout.ComfyUI, Root: "root"}, {OutputDir: "out", Subdir: sub}, {Layout: layout.ComfyUI, Root: "root", Subdir: sub}} {
			p := &planner{o: o}
			f := &api.File{ID: 9, Name: name, Type: "Model"}
			got, err := p.dest(v, f, fields)
			if err != nil {
				continue // refusing is fine too
			}
			base := o.OutputDir
			if base == "" {
				base = o.Root
			}
			rel, err := filepath.Rel(base, got)
			if err != nil || strings.HasPrefix(rel, "..") || filepath.IsAbs(rel) {
				t.Errorf("dest(%q) = %q escapes %q", name, got, base)
			}
			if strings.ContainsAny(filepath.Base(got), `/\`) {
				t.Errorf("dest(%q) = %q keeps a separator", name, got)
			}
		}
	}
}

// A lone file gets the big read buffer even though -j defaults to 5: the
// buffer follows the files that really run at once.
func TestBufferSizeFollowsTheFilesRunningAtOnce(t *testing.T) {
	t.Parallel()
	items := func(statuses ...string) []*item {
		var out []*item
		for _, s := range statuses {
			out = append(out, &item{Status: s})
		}
		return out
	}
	tests := []struct {
		jobs  int
		items []*item
		want  int
	}{
		{jobs: 5, items: items("planned"), want: 512 << 10},
		{jobs: 5, items: items("planned", "failed", "failed"), want: 512 << 10},
		{jobs: 1, items: items("planned", "planned", "planned"), want: 512 << 10},
		{jobs: 5, items: items("planned", "planned"), want: 128 << 10},
		{jobs: 5, items: nil, want: 512 << 10},
	}
	for _, tt := range tests {
		if got := bufferSize(concurrent(tt.jobs, tt.items)); got != tt.want {
			t.Errorf("jobs %d, %d items: buffer %d, want %d", tt.jobs, len(tt.items), got, tt.want)
		}
	}
}

// Under a low --limit-rate each file gets fewer connections: -j5 -x16 at
// 64 KiB/s opened 80, each trickling 800 B/s.
func TestConnsUnderLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		limit       int64
		jobs, conns int
		want        int
	}{
		{limit: 64 << 10, jobs: 5, conns: 16, want: 1},
		{limit: 64 << 10, jobs: 1, conns: 1, want: 1},
		{limit: 2 << 20, jobs: 5, conns: 16, want: 3},
		{limit: 2 << 20, jobs: 1, conns: 8, want: 8},
		{limit: 1 << 30, jobs: 5, conns: 8, want: 8},
		// Shares past 2^31 connections: int() of them wrapped on
		// GOARCH=386 (300000G gave 1 connection).
		{limit: 300000 << 30, jobs: 1, conns: 8, want: 8},
		{limit: 1 << 50, jobs: 1, conns: 16, want: 16},
	}
	for _, tt := range tests {
		if got := connsUnderLimit(tt.limit, tt.jobs, tt.conns); got != tt.want {
			t.Errorf("connsUnderLimit(%d, -j%d, -x%d) = %d, want %d", tt.limit, tt.jobs, tt.conns, got, tt.want)
		}
	}
}

func TestChooseVersions(t *testing.T) {
	t.Parallel()
	future := api.Time{Time: time.Now().Add(48 * time.Hour)}
	m := &api.Model{ID: 7, Name: "m", ModelVersions: []*api.ModelVersion{
		{ID: 4, Name: "v4", BaseModel: "SDXL 1.0", EarlyAccessDeadline: future},
		{ID: 3, Name: "v3", BaseModel: "SD 1.5"},
		{ID: 2, Name: "v2", BaseModel: "SDXL 1.0"},
		{ID: 1, Name: "v1", BaseModel: "SDXL 1.0"},
	}}
	tests := []struct {
		name    string
		o       Options
		want    []int64
		wantErr string
	}{
		{name: "newest not in early access", want: []int64{3}},
		{name: "all versions", o: Options{AllVersions: true}, want: []int64{4, 3, 2, 1}},
		{name: "newest for a base model", o: Options{BaseModel: "sdxl1.0"}, want: []int64{2}},
		{name: "all for a base model", o: Options{BaseModel: "SD 1.5", AllVersions: true}, want: []int64{3}},
		{name: "no version for the base model", o: Options{BaseModel: "Flux.1 D"}, wantErr: `has no version for base model "Flux.1 D"; its versions are for "SDXL 1.0", "SD 1.5"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := &planner{o: &tt.o, warn: func(string, ...any) {}}
			got, err := p.chooseVersions(m, p.warn)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, v := range got {
				ids = append(ids, v.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.want) {
				t.Fatalf("got %v, want %v", ids, tt.want)
			}
		})
	}
}

// On a file system that ignores case, two files whose names differ only by
// case would be one file: the second is refused at planning.
func TestDedupeFoldsCase(t *testing.T) {
	t.Parallel()
	v := &api.ModelVersion{ID: 1, Name: "v1"}
	mk := func(id int64, dest string) *item {
		return &item{Target: "t", Version: v, File: &api.File{ID: id, Name: filepath.Base(dest)}, Dest: dest}
	}
	items := func() []*item {
		return []*item{mk(1, "m/Lora.safetensors"), mk(2, "m/lora.safetensors"), mk(1, "m/Lora.safetensors")}
	}
	out := dedupe(items(), false)
	if len(out) != 2 || out[1].Err != nil {
		t.Fatalf("case kept: %d items, second err %v; want 2, nil", len(out), out[1].Err)
	}
	out = dedupe(items(), true)
	if len(out) != 2 || out[1].Status != "failed" || out[1].Err == nil {
		t.Fatalf("case folded: %d items, second %q %v; want it refused", len(out), out[1].Status, out[1].Err)
	}
}

// A verified file that cannot take its name because a UI holds the old
// one (Windows) is not blamed on the server or the network: the only
// advice is InUseError's own (close the program, run the command again).
func TestExplainInUse(t *testing.T) {
	t.Parallel()
	held := &dl.InUseError{Path: filepath.Join("models", "lora.safetensors"), Err: &os.LinkError{Op: "rename", Old: "lora.safetensors.part", New: "lora.safetensors", Err: syscall.EBUSY}}
	err := explain(&item{Target: "101", Err: held})
	var he *cmdutil.HintError
	if errors.As(err, &he) {
		t.Errorf("explain added the hint %q to %v", he.Hint, held)
	}
	var iu *dl.InUseError
	if !errors.As(err, &iu) {
		t.Errorf("explain(%v) = %v, want the InUseError", held, err)
	}
}
