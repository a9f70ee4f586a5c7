package images

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/iostreams"
)

func TestNewCmdImages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    Options
		wantErr string
	}{
		{name: "model", args: []string{"101"}, want: Options{ModelID: 101, Limit: 10}},
		{name: "new filters", args: []string{"101", "--period", "week", "--user", "bob", "--type", "Video", "-b", "sd15", "--sort", "random"},
			want: Options{ModelID: 101, Period: "Week", User: "bob", Type: "video", BaseModels: []string{"sd15"}, Sort: "Random", Limit: 10}},
		{name: "user alone", args: []string{"--user", "bob"}, want: Options{User: "bob", Limit: 10}},
		{name: "nothing to list", args: nil, wantErr: "missing a model id, URL, `--version` or `--user`"},
		{name: "bad type", args: []string{"101", "--type", "gif"}, wantErr: `invalid value "gif" for ` + "`--type`: valid values are \"image\", \"video\", \"audio\""},
		{name: "bad period", args: []string{"101", "--period", "decade"}, wantErr: "`--period`"},
		{name: "user twice", args: []string{"101", "-u", "a", "-u", "b"}, wantErr: "`--user` can be given once"},
		{name: "sort twice", args: []string{"101", "-s", "newest", "-s", "oldest"}, wantErr: "`--sort` can be given once"},
		{name: "version twice", args: []string{"--version", "1", "--version", "2"}, wantErr: "`--version` can be given once"},
		{name: "URL and --version disagree", args: []string{"https://civitai.com/models/101?modelVersionId=10101", "--version", "10102"},
			wantErr: "the URL names version 10101 but `--version` says 10102"},
		{name: "limit 0", args: []string{"101", "--limit", "0"}, wantErr: "`--limit` must be between 1 and 200, got 0"},
		{name: "nsfw with a value", args: []string{"101", "--nsfw", "X"}, wantErr: "`--nsfw` takes no value: \"X\" was read as a second argument"},
		{name: "nsfw with a bool", args: []string{"101", "--nsfw", "true"}, wantErr: "`--nsfw` takes no value: \"true\""},
		{name: "nsfw false with --user", args: []string{"--user", "bob", "--nsfw", "false"}, wantErr: "`--nsfw` takes no value: \"false\" was read as the model id or URL"},
		{name: "nsfw true with --version", args: []string{"--version", "10101", "--nsfw", "true"}, wantErr: "`--nsfw` takes no value: \"true\""},
		{name: "nsfw false before the id", args: []string{"--nsfw", "false", "101"}, wantErr: "`--nsfw` takes no value: \"false\" was read as an argument"},
		{name: "nsfw and model 1", args: []string{"--nsfw", "1"}, want: Options{ModelID: 1, NSFW: true, Limit: 10}},
		{name: "two ids", args: []string{"101", "102", "--nsfw"}, wantErr: "expected one model id or URL, got 2 arguments"},
		{name: "empty user", args: []string{"101", "--user", ""}, wantErr: "`--user` needs a value, got an empty one"},
		{name: "empty base model", args: []string{"101", "-b", "sdxl", "-b", " "}, wantErr: "`--base-model` needs a value"},
		{name: "empty type", args: []string{"101", "--type="}, wantErr: "`--type` needs a value"},
		{name: "user page URL", args: []string{"--user", "https://civitai.com/user/jerry__art2"}, want: Options{User: "jerry__art2", Limit: 10}},
		{name: "user @name", args: []string{"--user", "@bob"}, want: Options{User: "bob", Limit: 10}},
		{name: "user URL of a model", args: []string{"--user", "https://civitai.com/models/101"}, wantErr: "is not a user page"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, _ := iostreams.Test()
			var got *Options
			cmd := NewCmdImages(&cmdutil.Factory{IOStreams: ios}, func(_ context.Context, o *Options) error {
				got = o
				return nil
			})
			cmd.SetArgs(append([]string{}, tt.args...)) // never nil: cobra would read os.Args
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Factory = nil
			if d := cmp.Diff(tt.want, *got); d != "" {
				t.Errorf("options (-want +got):\n%s", d)
			}
		})
	}
}
