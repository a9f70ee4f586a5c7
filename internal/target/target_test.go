package target

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Target
		wantErr string
	}{
		{in: "12345", want: Target{ModelID: 12345}},
		{in: " 7 ", want: Target{ModelID: 7}},
		{in: "https://civitai.com/models/4201/realistic-vision", want: Target{ModelID: 4201}},
		{in: "https://civitai.com/models/4201/realistic-vision?modelVersionId=130072", want: Target{ModelID: 4201, VersionID: 130072}},
		{in: "civitai.red/models/4201", want: Target{ModelID: 4201}},
		{in: "https://www.civitai.com/models/1", want: Target{ModelID: 1}},
		{in: "https://civitai.com/model-versions/99", want: Target{VersionID: 99}},
		{in: "https://civitai.com/api/download/models/130072?type=Model&format=SafeTensor&fp=fp16", want: Target{VersionID: 130072, Type: "Model", Format: "SafeTensor", FP: "fp16"}},
		{in: "https://civitai.com/api/download/models/130072?fileId=55", want: Target{VersionID: 130072, FileID: 55}},
		{in: "https://civitai.com/api/v1/models/5", want: Target{ModelID: 5}},
		{in: "https://civitai.com/api/v1/model-versions/6", want: Target{VersionID: 6}},
		{in: "urn:air:sdxl:lora:civitai:328553@368189", want: Target{ModelID: 328553, VersionID: 368189}},
		{in: "urn:air:sd1:checkpoint:civitai:4201", want: Target{ModelID: 4201}},
		// The .format suffix is the file's extension: it chooses the file.
		{in: "urn:air:flux1:checkpoint:civitai:102@10202.gguf", want: Target{ModelID: 102, VersionID: 10202, Format: "GGUF"}},
		{in: "urn:air:sdxl:checkpoint:civitai:102@10202.SafeTensors", want: Target{ModelID: 102, VersionID: 10202, Format: "SafeTensor"}},
		{in: "urn:air:sd1:checkpoint:civitai:4201@1:layer.ckpt", want: Target{ModelID: 4201, VersionID: 1, Format: "PickleTensor"}},
		{in: "URN:AIR:flux1:lora:civitai:1@2.safetensors", want: Target{ModelID: 1, VersionID: 2, Format: "SafeTensor"}},
		{in: "http://127.0.0.1:8787/models/3", want: Target{ModelID: 3}},
		{in: "", wantErr: "empty"},
		{in: "abc", wantErr: "give a number such as 4201, a civitai.com link"},
		{in: "0", wantErr: "from 1 to 2147483647"},
		{in: "-5", wantErr: "positive"},
		{in: "99999999999", wantErr: "from 1 to 2147483647"},
		{in: "https://example.com/models/1", wantErr: `host "example.com"`},
		{in: "https://civitai.com/images/5", wantErr: "names no model"},
		{in: "https://civitai.com/models/abc", wantErr: `model id "abc"`},
		{in: "https://civitai.com/models/1?modelVersionId=x", wantErr: "modelVersionId"},
		{in: "urn:air:sdxl:lora:huggingface:1", wantErr: "not civitai"},
		{in: "urn:air:sdxl:lora", wantErr: "form urn:air"},
		{in: "civitai:102@10203", wantErr: "an AIR starts with urn:air:"},
		{in: "urn:air:sdxl:lora:civitai:1@x", wantErr: "version id"},
		{in: "urn:air:sdxl:lora:civitai:1@2.exe", wantErr: `format "exe" is not one of`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.in, "127.0.0.1:8787")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if d := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Target{}, "Input")); d != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tt.in, d)
			}
		})
	}
}

// A pasted download link may carry the user's API key (?token=, as
// CivitAI's docs tell wget users): Parse keeps it in Token only, never in
// Input or in an error.
func TestParseKeepsTheLinkTokenOutOfWhatIsShown(t *testing.T) {
	t.Parallel()
	const key = "0123456789abcdef"
	tests := []struct {
		in, wantInput, wantToken string
		wantErr                  bool
	}{
		{in: "https://civitai.com/api/download/models/10202?token=" + key, wantInput: "https://civitai.com/api/download/models/10202?token=REDACTED", wantToken: key},
		{in: "https://civitai.com/api/download/models/10202?type=Model&TOKEN=" + key + "&format=SafeTensor", wantInput: "https://civitai.com/api/download/models/10202?type=Model&TOKEN=REDACTED&format=SafeTensor", wantToken: key},
		{in: "https://civitai.com/api/download/models/10202?api_key=" + key, wantInput: "https://civitai.com/api/download/models/10202?api_key=REDACTED", wantToken: key},
		{in: "https://civitai.com/models/5?token=%20" + key + "%20", wantInput: "https://civitai.com/models/5?token=REDACTED", wantToken: key},
		{in: "https://civitai.com/models/5#token=" + key, wantInput: "https://civitai.com/models/5#token=REDACTED", wantToken: key},
		{in: "https://civitai.com/api/download/models/10202?type=Model#x=1&apikey=" + key, wantInput: "https://civitai.com/api/download/models/10202?type=Model#x=1&apikey=REDACTED", wantToken: key},
		{in: "https://civitai.com/models/5", wantInput: "https://civitai.com/models/5"},
		{in: "https://example.com/api/download/models/1?token=" + key, wantErr: true},
		{in: "https://civitai.com/api/download/models/x?token=" + key, wantErr: true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want an error", tt.in)
			}
			if strings.Contains(err.Error(), key) {
				t.Errorf("error shows the key: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		if got.Input != tt.wantInput || got.Token != tt.wantToken {
			t.Errorf("Parse(%q) = Input %q Token %q, want %q %q", tt.in, got.Input, got.Token, tt.wantInput, tt.wantToken)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1", "https://civitai.com/models/1/x?modelVersionId=2", "urn:air:sdxl:lora:civitai:1@2", "https://civitai.com/api/download/models/3?fileId=4", "https://civitai.com/api/download/models/3?token=abc&token=def", "civitai.red/models/9", "%zz", "urn:air::::::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse(s)
		if err != nil {
			if !strings.Contains(err.Error(), "is not a model id") {
				t.Fatalf("Parse(%q) error lacks the standard wording: %v", s, err)
			}
			return
		}
		if got.ModelID == 0 && got.VersionID == 0 {
			t.Fatalf("Parse(%q) succeeded with no id: %+v", s, got)
		}
		for _, m := range secretParam.FindAllStringSubmatch(got.Input, -1) {
			if !strings.HasSuffix(m[0], "=REDACTED") {
				t.Fatalf("Parse(%q) shows a token in Input %q", s, got.Input)
			}
		}
		for _, id := range []int64{got.ModelID, got.VersionID, got.FileID} {
			if id < 0 || id > 2147483647 {
				t.Fatalf("Parse(%q) id out of range: %+v", s, got)
			}
		}
	})
}

// A Windows path given where a model is expected is named as typed.
func TestErrorQuotesAPathAsTyped(t *testing.T) {
	t.Parallel()
	_, err := Parse(`C:\models\x.safetensors`)
	if err == nil || !strings.HasPrefix(err.Error(), `"C:\models\x.safetensors" is not a model id`) {
		t.Errorf("err = %v", err)
	}
}

func TestParseUser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want, wantErr string
	}{
		{in: "jerry__art2", want: "jerry__art2"},
		{in: " @jerry__art2 ", want: "jerry__art2"},
		{in: "https://civitai.com/user/jerry__art2", want: "jerry__art2"},
		{in: "https://civitai.red/user/jerry__art2/models?sort=Newest", want: "jerry__art2"},
		{in: "civitai.com/user/@jerry__art2/", want: "jerry__art2"},
		{in: "http://www.civitai.com/user/a%20b", want: "a b"},
		{in: "http://127.0.0.1:8787/user/bob", want: "bob"}, // the configured host
		{in: "", wantErr: "empty username"},
		{in: "@", wantErr: "empty username"},
		{in: "https://civitai.com/models/101", wantErr: "is not a user page"},
		{in: "https://civitai.com/user/", wantErr: "is not a user page"},
		{in: "https://example.com/user/bob", wantErr: `host "example.com" is not civitai.com`},
		{in: "ftp://civitai.com/user/bob", wantErr: "neither a username nor"},
	}
	for _, tt := range tests {
		got, err := ParseUser(tt.in, "127.0.0.1:8787")
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseUser(%q) = %q, %v; want error %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseUser(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
