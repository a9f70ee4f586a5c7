package update

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/iostreams"
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
		{name: "bad rate", args: "1 --rate 0", wantErr: "`--rate` must be between"},
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
