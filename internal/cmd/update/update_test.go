package update

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/iostreams"
	"github.com/civit/civit/internal/library"
	"github.com/civit/civit/internal/store"
)

func TestNewCmdUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    string
		tty     bool
		want    Options
		wantErr string
	}{
		{name: "ids and urls", args: "102 https://civitai.com/models/4201/some-name", want: Options{ModelIDs: []int64{102, 4201}, Rate: 2}},
		{name: "all", args: "--all --keep-old", want: Options{All: true, KeepOld: true, Rate: 2}},
		{name: "nothing", args: "", wantErr: "give model ids to update, or `--all`"},
		{name: "ids and all", args: "1 --all", wantErr: "give either model ids or `--all`, not both"},
		{name: "keep and remove", args: "1 --keep-old --remove-old", wantErr: "give either `--keep-old` or `--remove-old`"},
		{name: "remove without yes off a terminal", args: "1 --remove-old", wantErr: "`--remove-old` deletes files: confirm with `--yes`"},
		{name: "remove with yes", args: "1 --remove-old -y", want: Options{ModelIDs: []int64{1}, RemoveOld: true, Yes: true, Rate: 2}},
		{name: "remove on a terminal asks later", args: "1 --remove-old", tty: true, want: Options{ModelIDs: []int64{1}, RemoveOld: true, Rate: 2}},
		{name: "remove dry run", args: "1 --remove-old --dry-run", want: Options{ModelIDs: []int64{1}, RemoveOld: true, DryRun: true, Rate: 2}},
		{name: "a version is not a model", args: "https://civitai.com/model-versions/5", wantErr: "names a version, not a model"},
		{name: "all of a type", args: "--all --type lora,locon", want: Options{All: true, Types: []string{"lora", "locon"}, Rate: 2}},
		{name: "type without all", args: "1 --type lora", wantErr: "`--type` goes with `--all`"},
		{name: "bad rate", args: "1 --rate 0", wantErr: "`--rate` must be more than 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, _ := iostreams.Test()
			ios.SetStdinTTY(tt.tty)
			ios.SetStdoutTTY(tt.tty)
			f := &cmdutil.Factory{IOStreams: ios}
			var got *Options
			cmd := NewCmdUpdate(f, func(_ context.Context, o *Options) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(&strings.Builder{})
			cmd.SetErr(&strings.Builder{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				var fe *cmdutil.FlagError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &fe) {
					t.Fatalf("error %v, want usage error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Factory = nil
			if diff := cmp.Diff(&tt.want, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewPlan(t *testing.T) {
	t.Parallel()
	ref := func(id int64, name, sha string) *library.FileRef {
		return &library.FileRef{ID: id, Name: name, SHA256: sha}
	}
	ckV1, vaeV1 := ref(1, "ck_v10.ckpt", "A1"), ref(2, "vae.safetensors", "A2")
	ckV3, vaeV3 := ref(31, "ck_v30.ckpt", "B1"), ref(32, "vae.safetensors", "B2")
	type wantJob struct {
		Dir, Dest string
		File      int64
		Olds      []string
		InPlace   bool
		Err       string
	}
	tests := []struct {
		name      string
		files     []*library.FileUpdate
		removeOld bool
		// key compares paths (nil: newPlan, the platform's way).
		key  func(string) string
		want []wantJob
		kept []string
	}{
		{
			name: "each file into its own folder",
			files: []*library.FileUpdate{
				{Path: "/c/models/checkpoints/ck_v10.ckpt", Old: ckV1, New: ckV3},
				{Path: "/c/models/vae/vae_v1.safetensors", Old: vaeV1, New: vaeV3},
			},
			want: []wantJob{
				{Dir: "/c/models/checkpoints", Dest: "/c/models/checkpoints/ck_v30.ckpt", File: 31, Olds: []string{"/c/models/checkpoints/ck_v10.ckpt"}},
				{Dir: "/c/models/vae", Dest: "/c/models/vae/vae.safetensors", File: 32, Olds: []string{"/c/models/vae/vae_v1.safetensors"}},
			},
		},
		{
			name: "two UIs: once per folder",
			files: []*library.FileUpdate{
				{Path: "/comfy/ck_v10.ckpt", Old: ckV1, New: ckV3},
				{Path: "/webui/ck_v10.ckpt", Old: ckV1, New: ckV3},
			},
			want: []wantJob{
				{Dir: "/comfy", Dest: "/comfy/ck_v30.ckpt", File: 31, Olds: []string{"/comfy/ck_v10.ckpt"}},
				{Dir: "/webui", Dest: "/webui/ck_v30.ckpt", File: 31, Olds: []string{"/webui/ck_v10.ckpt"}},
			},
		},
		{
			name: "two old files, one replacement",
			files: []*library.FileUpdate{
				{Path: "/m/a.ckpt", Old: ckV1, New: ckV3},
				{Path: "/m/b.ckpt", Old: ref(3, "b.ckpt", "A3"), New: ckV3},
			},
			want: []wantJob{{Dir: "/m", Dest: "/m/ck_v30.ckpt", File: 31, Olds: []string{"/m/a.ckpt", "/m/b.ckpt"}}},
		},
		{
			name:  "no replacement: kept",
			files: []*library.FileUpdate{{Path: "/m/data.zip", Old: ref(4, "data.zip", "A4"), Note: "v3.0 has no Training Data file"}},
			kept:  []string{"/m/data.zip"},
		},
		{
			name:  "same name needs --remove-old",
			files: []*library.FileUpdate{{Path: "/v/vae.safetensors", Old: vaeV1, New: vaeV3}},
			want: []wantJob{{Dir: "/v", Dest: "/v/vae.safetensors", File: 32, Olds: []string{"/v/vae.safetensors"}, InPlace: true,
				Err: "the new version's file vae.safetensors has the same name as the old one"}},
		},
		{
			name:      "same name with --remove-old",
			files:     []*library.FileUpdate{{Path: "/v/vae.safetensors", Old: vaeV1, New: vaeV3}},
			removeOld: true,
			want:      []wantJob{{Dir: "/v", Dest: "/v/vae.safetensors", File: 32, Olds: []string{"/v/vae.safetensors"}, InPlace: true}},
		},
		{
			name:  "same name, same content",
			files: []*library.FileUpdate{{Path: "/v/vae.safetensors", Old: vaeV1, New: ref(33, "vae.safetensors", "A2")}},
			want:  []wantJob{{Dir: "/v", Dest: "/v/vae.safetensors", File: 33, Olds: []string{"/v/vae.safetensors"}, InPlace: true}},
		},
		{
			name: "two new files with one name in one folder",
			files: []*library.FileUpdate{
				{Path: "/m/fp16.safetensors", Old: ref(5, "x.safetensors", "A5"), New: ref(35, "x.safetensors", "B5")},
				{Path: "/m/fp32.safetensors", Old: ref(6, "x.safetensors", "A6"), New: ref(36, "x.safetensors", "B6")},
			},
			removeOld: true,
			want: []wantJob{
				{Dir: "/m", Dest: "/m/x.safetensors", File: 35, Olds: []string{"/m/fp16.safetensors"}},
				{Dir: "/m", File: 36, Olds: []string{"/m/fp32.safetensors"}, Err: "files 35 and 36 of v3.0 have the same name x.safetensors"},
			},
		},
		{
			name: "a new file would overwrite another old file",
			files: []*library.FileUpdate{
				{Path: "/m/ck_v30.ckpt", Old: ref(7, "ck_v30.ckpt", "A7"), Note: "v3.0 has no Config file"},
				{Path: "/m/ck_v10.ckpt", Old: ckV1, New: ckV3},
			},
			removeOld: true,
			want: []wantJob{{Dir: "/m", Dest: "/m/ck_v30.ckpt", File: 31, Olds: []string{"/m/ck_v10.ckpt"},
				Err: "would overwrite /m/ck_v30.ckpt, which it does not replace"}},
			kept: []string{"/m/ck_v30.ckpt"},
		},
		// Where case does not matter (Windows), a new file whose name
		// differs from the old one's in case only is the same file.
		{
			name:      "in place, the name in another case, case ignored",
			files:     []*library.FileUpdate{{Path: "/v/VAE.safetensors", Old: vaeV1, New: vaeV3}},
			removeOld: true,
			key:       strings.ToUpper,
			want:      []wantJob{{Dir: "/v", Dest: "/v/vae.safetensors", File: 32, Olds: []string{"/v/VAE.safetensors"}, InPlace: true}},
		},
		{
			name:  "in place, the name in another case, case ignored, without --remove-old",
			files: []*library.FileUpdate{{Path: "/v/VAE.safetensors", Old: vaeV1, New: vaeV3}},
			key:   strings.ToUpper,
			want: []wantJob{{Dir: "/v", Dest: "/v/vae.safetensors", File: 32, Olds: []string{"/v/VAE.safetensors"}, InPlace: true,
				Err: "the new version's file vae.safetensors has the same name as the old one"}},
		},
		{
			name:      "beside, the name in another case, case matters",
			files:     []*library.FileUpdate{{Path: "/v/VAE.safetensors", Old: vaeV1, New: vaeV3}},
			removeOld: true,
			key:       func(p string) string { return p },
			want:      []wantJob{{Dir: "/v", Dest: "/v/vae.safetensors", File: 32, Olds: []string{"/v/VAE.safetensors"}}},
		},
		{
			name: "two new files with one name in two cases, case ignored",
			files: []*library.FileUpdate{
				{Path: "/m/a.ckpt", Old: ref(1, "a.ckpt", "A1"), New: ref(41, "X.safetensors", "C1")},
				{Path: "/m/b.ckpt", Old: ref(2, "b.ckpt", "A2"), New: ref(42, "x.safetensors", "C2")},
			},
			key: strings.ToUpper,
			want: []wantJob{
				{Dir: "/m", Dest: "/m/X.safetensors", File: 41, Olds: []string{"/m/a.ckpt"}},
				{Dir: "/m", File: 42, Olds: []string{"/m/b.ckpt"}, Err: "files 41 and 42 of v3.0 have the same name x.safetensors"},
			},
		},
		{
			name: "a new file would overwrite another old file in another case, case ignored",
			files: []*library.FileUpdate{
				{Path: "/m/CK_V30.ckpt", Old: ref(7, "CK_V30.ckpt", "A7"), Note: "v3.0 has no Config file"},
				{Path: "/m/ck_v10.ckpt", Old: ckV1, New: ckV3},
			},
			removeOld: true,
			key:       strings.ToUpper,
			want: []wantJob{{Dir: "/m", Dest: "/m/ck_v30.ckpt", File: 31, Olds: []string{"/m/ck_v10.ckpt"},
				Err: "would overwrite /m/ck_v30.ckpt, which it does not replace"}},
			kept: []string{"/m/CK_V30.ckpt"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := &library.Update{ModelID: 1, Model: "M", Current: library.VersionRef{ID: 10, Name: "v1.0"}, Latest: &store.VersionInfo{ID: 30, Name: "v3.0"}}
			// The paths are written with slashes; the library's are the
			// platform's (\c\models\... on Windows).
			native := func(ps []string) []string {
				var out []string
				for _, p := range ps {
					out = append(out, filepath.FromSlash(p))
				}
				return out
			}
			var files []*library.FileUpdate
			for _, fu := range tt.files {
				c := *fu
				c.Path = filepath.FromSlash(c.Path)
				files = append(files, &c)
			}
			for i := range tt.want {
				w := &tt.want[i]
				w.Dir, w.Dest, w.Olds = filepath.FromSlash(w.Dir), filepath.FromSlash(w.Dest), native(w.Olds)
				w.Err = strings.ReplaceAll(w.Err, "/", string(filepath.Separator))
			}
			tt.kept = native(tt.kept)
			p := newPlan(u, files, tt.removeOld)
			if tt.key != nil {
				p = planFiles(u, files, tt.removeOld, tt.key)
			}
			var got []wantJob
			for _, j := range p.jobs {
				w := wantJob{Dir: j.dir, Dest: j.dest, File: j.file.ID, Olds: j.olds, InPlace: j.inPlace}
				if j.err != nil {
					w.Err = j.err.Error()
				}
				got = append(got, w)
			}
			var kept []string
			for _, fu := range p.kept {
				kept = append(kept, fu.Path)
			}
			// An error matches when one text has the other (cmp needs it
			// symmetric); none matches only none.
			errContains := cmp.Comparer(func(a, b string) bool {
				return a == b || a != "" && b != "" && (strings.Contains(a, b) || strings.Contains(b, a))
			})
			if diff := cmp.Diff(tt.want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Err" }, errContains)); diff != "" {
				t.Errorf("jobs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.kept, kept); diff != "" {
				t.Errorf("kept (-want +got):\n%s", diff)
			}
			if wantFailed := slices.ContainsFunc(tt.want, func(j wantJob) bool { return j.Err != "" }); p.failed() != wantFailed {
				t.Errorf("failed() = %v, want %v", p.failed(), wantFailed)
			}
		})
	}
}

// On Windows the old file MyLora.safetensors and the new version's
// mylora.safetensors, which replaced it, are one file: removing the old
// versions' files must not delete it.
func TestRemoveOldKeepsTheNewFileInAnotherCase(t *testing.T) {
	t.Parallel()
	if !store.FoldPathCase {
		t.Skip("paths differing in case are different files here")
	}
	ctx := t.Context()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "library.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	newPath, oldPath := filepath.Join(dir, "mylora.safetensors"), filepath.Join(dir, "MyLora.safetensors")
	if err := os.WriteFile(newPath, []byte("v3.0"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := st.Upsert(ctx,
		&store.File{Path: newPath, SHA256: strings.Repeat("B", 64), ModelID: 1, VersionID: 30, State: store.StateIdentified},
		&store.File{Path: oldPath, SHA256: strings.Repeat("A", 64), ModelID: 1, VersionID: 10, State: store.StateIdentified}); err != nil {
		t.Fatal(err)
	}
	u := &library.Update{ModelID: 1, Current: library.VersionRef{ID: 10}, Latest: &store.VersionInfo{ID: 30}}
	gone, err := removeOld(ctx, st, u, []string{oldPath})
	if err != nil {
		t.Fatal(err)
	}
	if len(gone) != 0 {
		t.Errorf("removed %q, want nothing: that path holds the new version", gone)
	}
	if b, err := os.ReadFile(newPath); err != nil || string(b) != "v3.0" {
		t.Errorf("the new version's file: %q, %v", b, err)
	}
}
