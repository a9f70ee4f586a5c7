package api

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseTime(t *testing.T) {
	t.Parallel()
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: "2025-07-15T02:17:06.358Z", want: utc(2025, 7, 15, 2, 17, 6, 358e6)},
		{in: "2025-07-15T02:17:06Z", want: utc(2025, 7, 15, 2, 17, 6, 0)},
		{in: "2025-07-15T02:17:06.1Z", want: utc(2025, 7, 15, 2, 17, 6, 1e8)},
		{in: "2025-07-15T02:17:06.123456789Z", want: utc(2025, 7, 15, 2, 17, 6, 123456789)},
		{in: "2025-07-15T04:17:06.358+02:00", want: utc(2025, 7, 15, 2, 17, 6, 358e6)},
		{in: "2025-07-15T04:17:06+0200", want: utc(2025, 7, 15, 2, 17, 6, 0)},
		{in: "2025-07-02T19:16:12.819", want: utc(2025, 7, 2, 19, 16, 12, 819e6)}, // Postgres TIMESTAMP(3): no zone
		{in: "2025-07-02T19:16:12.82", want: utc(2025, 7, 2, 19, 16, 12, 820e6)},  // trailing zero dropped
		{in: "2025-07-02T19:16:12", want: utc(2025, 7, 2, 19, 16, 12, 0)},
		{in: "2025-07-02 19:16:12.819", want: utc(2025, 7, 2, 19, 16, 12, 819e6)},
		{in: "2025-07-02 19:16:12+00", want: utc(2025, 7, 2, 19, 16, 12, 0)},
		{in: "2025-07-02t19:16:12z", want: utc(2025, 7, 2, 19, 16, 12, 0)},
		{in: "2025-07-02", want: utc(2025, 7, 2, 0, 0, 0, 0)},
		{in: "  2025-07-02T19:16  ", want: utc(2025, 7, 2, 19, 16, 0, 0)},
		{in: "", wantErr: true},
		{in: "yesterday", wantErr: true},
		{in: "2025-13-02", wantErr: true},
		{in: "2025-07-02T25:00:00Z", wantErr: true},
		{in: "1752545826", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseTime(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTimeJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		wantZero bool
		wantOut  string
	}{
		{in: `"2025-07-15T02:17:06.358Z"`, wantOut: `"2025-07-15T02:17:06.358Z"`},
		{in: `"2025-07-02T19:16:12.819"`, wantOut: `"2025-07-02T19:16:12.819Z"`},
		{in: `null`, wantZero: true, wantOut: `null`},
		{in: `""`, wantZero: true, wantOut: `null`},
		{in: `"garbage"`, wantZero: true, wantOut: `null`},
		{in: `12345`, wantZero: true, wantOut: `null`},
		{in: `{}`, wantZero: true, wantOut: `null`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			var v Time
			if err := json.Unmarshal([]byte(tt.in), &v); err != nil {
				t.Fatalf("unmarshal: %v", err)
			}
			if v.IsZero() != tt.wantZero {
				t.Errorf("IsZero = %v, want %v", v.IsZero(), tt.wantZero)
			}
			out, err := json.Marshal(v)
			if err != nil || string(out) != tt.wantOut {
				t.Errorf("marshal = %s, %v; want %s", out, err, tt.wantOut)
			}
		})
	}
}

// TestBadDateKeepsModel: one unreadable date must not lose the model.
func TestBadDateKeepsModel(t *testing.T) {
	t.Parallel()
	in := `{"id":7,"name":"x","modelVersions":[{"id":8,"createdAt":"not a date","publishedAt":"2024-01-02","files":[{"id":9,"scannedAt":42}]}]}`
	m, err := decodeJSON[Model]([]byte(in))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	v := m.ModelVersions[0]
	if m.ID != 7 || v.ID != 8 || !v.CreatedAt.IsZero() || v.PublishedAt.IsZero() || v.Files[0].ID != 9 {
		t.Errorf("model = %+v, version = %+v", m, v)
	}
}

// TestWrongTypesTolerated: a wrongly typed field deep inside leaves that
// field zero and keeps everything else.
func TestWrongTypesTolerated(t *testing.T) {
	t.Parallel()
	in := `{"items":[{"id":1,"name":5,"creator":"bob","poi":"yes","modelVersions":[{"id":2,"name":"v","files":"none","images":[null,{"url":"u","width":"wide"}]}]}, null, "junk", {"id":3}],
	        "metadata":{"nextCursor":{"x":1},"currentPage":"2","pageSize":20.0}}`
	p, err := decodeJSON[ModelsPage]([]byte(in))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	p.Items = validModels(p.Items)
	if len(p.Items) != 2 || p.Items[0].ID != 1 || p.Items[1].ID != 3 {
		t.Fatalf("items = %+v", p.Items)
	}
	m := p.Items[0]
	if m.Name != "" || m.Creator != nil || m.ModelVersions[0].Name != "v" || len(m.ModelVersions[0].Images) != 1 {
		t.Errorf("model = %+v", m)
	}
	if diff := cmp.Diff(Metadata{CurrentPage: 2, PageSize: 20}, p.Metadata); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
}

func TestDecodeJSONErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		kind     ErrorKind
	}{
		{"truncated", `{"items":[`, KindNotJSON},
		{"syntax", `{"items":]`, KindNotJSON},
		{"whole value wrong", `[1,2]`, KindUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := decodeJSON[ModelsPage]([]byte(tt.in))
			e, ok := err.(*Error)
			if !ok || e.Kind != tt.kind {
				t.Errorf("err = %v, want kind %v", err, tt.kind)
			}
		})
	}
}

func TestFlexBool(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want FlexBool
	}{
		{`true`, true}, {`false`, false}, {`"true"`, true}, {`"false"`, false},
		{`1`, true}, {`0`, false}, {`null`, false},
		{`"None"`, false}, {`"Soft"`, true}, {`"Mature"`, true}, {`"X"`, true}, {`"Blocked"`, true},
		{`"weird"`, false}, {`{}`, false}, {`[]`, false},
	}
	for _, tt := range tests {
		var got FlexBool = !tt.want // prove the value is overwritten
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
			t.Errorf("%s: %v", tt.in, err)
		}
		if got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.in, got, tt.want)
		}
		out, _ := json.Marshal(got)
		if string(out) != map[FlexBool]string{true: "true", false: "false"}[tt.want] {
			t.Errorf("%s: marshal = %s", tt.in, out)
		}
	}
}

func TestFlexInt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    FlexInt
		wantOut string
	}{
		{`23`, FlexInt{Value: 23}, `23`},
		{`4.6`, FlexInt{Value: 5}, `5`},
		{`"7"`, FlexInt{Value: 7, Raw: "7"}, `"7"`},
		{`null`, FlexInt{}, `0`},
		{`"None"`, FlexInt{Value: 1, Raw: "None"}, `"None"`},
		{`"Soft"`, FlexInt{Value: 2, Raw: "Soft"}, `"Soft"`},
		{`"Mature"`, FlexInt{Value: 4, Raw: "Mature"}, `"Mature"`},
		{`"X"`, FlexInt{Value: 8, Raw: "X"}, `"X"`},
		{`"Blocked"`, FlexInt{Value: 32, Raw: "Blocked"}, `"Blocked"`},
		{`"huh"`, FlexInt{Raw: "huh"}, `"huh"`},
		{`1e300`, FlexInt{}, `0`},
		{`true`, FlexInt{}, `0`},
	}
	for _, tt := range tests {
		var got FlexInt
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
			t.Errorf("%s: %v", tt.in, err)
		}
		if got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.in, got, tt.want)
		}
		if out, _ := json.Marshal(got); string(out) != tt.wantOut {
			t.Errorf("%s: marshal = %s, want %s", tt.in, out, tt.wantOut)
		}
	}
}

func TestCommercialUse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    CommercialUse
		wantOut string
	}{
		{`"Rent"`, CommercialUse{"Rent"}, `["Rent"]`},
		{`["Image","Rent"]`, CommercialUse{"Image", "Rent"}, `["Image","Rent"]`},
		{`"{Image,RentCivit}"`, CommercialUse{"Image", "RentCivit"}, `["Image","RentCivit"]`},
		{`"{}"`, nil, `[]`},
		{`""`, nil, `[]`},
		{`null`, nil, `[]`},
		{`[null, 3, "Sell"]`, CommercialUse{"Sell"}, `["Sell"]`},
		{`true`, nil, `[]`},
	}
	for _, tt := range tests {
		var got CommercialUse
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
			t.Errorf("%s: %v", tt.in, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.in, diff)
		}
		if out, _ := json.Marshal(got); string(out) != tt.wantOut {
			t.Errorf("%s: marshal = %s, want %s", tt.in, out, tt.wantOut)
		}
	}
}

func TestTags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Tags
	}{
		{`["a","b"]`, Tags{"a", "b"}},
		{`[{"name":"a"},{"name":"b","id":3}]`, Tags{"a", "b"}},
		{`["a",{"name":"b"},null,5,{"id":1}]`, Tags{"a", "b"}},
		{`null`, nil},
		{`"a"`, nil},
	}
	for _, tt := range tests {
		var got Tags
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
			t.Errorf("%s: %v", tt.in, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.in, diff)
		}
	}
	if out, _ := json.Marshal(Tags{"a"}); string(out) != `["a"]` {
		t.Errorf("marshal = %s", out)
	}
}

func TestCursorText(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		`"75363|932023|257749"`:      "75363|932023|257749",
		`101`:                        "101",
		`12345678901234567890`:       "12345678901234567890",
		`"2024-04-01T00:00:00.000Z"`: "2024-04-01T00:00:00.000Z",
		`null`:                       "",
		`{}`:                         "",
		``:                           "",
	}
	for in, want := range tests {
		if got := cursorText(json.RawMessage(in)); got != want {
			t.Errorf("cursorText(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestStatsNullsAndFloats(t *testing.T) {
	t.Parallel()
	var s Stats
	in := `{"downloadCount":null,"thumbsUpCount":12.0,"commentCount":"3","rating":4.5,"tippedAmountCount":7}`
	if err := json.Unmarshal([]byte(in), &s); err != nil {
		t.Fatal(err)
	}
	want := Stats{ThumbsUpCount: ptr[int64](12), CommentCount: ptr[int64](3), Rating: ptr(4.5), TippedAmountCount: ptr[int64](7)}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

func TestHashes(t *testing.T) {
	t.Parallel()
	var h Hashes
	if err := json.Unmarshal([]byte(`{"SHA256":"ab12","AutoV2":null,"CRC32":5,"blake3":"cd34"}`), &h); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Hashes{"SHA256": "ab12", "blake3": "cd34"}, h); diff != "" {
		t.Errorf("hashes (-want +got):\n%s", diff)
	}
	if h.SHA256() != "AB12" || h.BLAKE3() != "CD34" || h.Get("sha256") != "AB12" || h.Get("AutoV2") != "" {
		t.Errorf("accessors: %q %q %q", h.SHA256(), h.BLAKE3(), h.Get("sha256"))
	}
	var nilH Hashes
	if nilH.SHA256() != "" {
		t.Error("nil Hashes")
	}
}

func TestFileSizeBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kb   float64
		want int64
	}{{0, 0}, {1, 1024}, {17.017578125, 17426}, {0.0004, 0}, {0.0005, 1}, {-3, 0}}
	for _, tt := range tests {
		f := &File{SizeKB: tt.kb}
		if got := f.SizeBytes(); got != tt.want {
			t.Errorf("SizeBytes(%v) = %d, want %d", tt.kb, got, tt.want)
		}
	}
}

func TestImageMeta(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in   string
		wantPrompt string
		wantSeed   string
		wantCFG    string
		wantNil    bool
	}{
		{name: "object", in: `{"meta":{"prompt":"cat","seed":12345678901234567890,"cfgScale":7.5}}`, wantPrompt: "cat", wantSeed: "12345678901234567890", wantCFG: "7.5"},
		{name: "null", in: `{"meta":null}`, wantNil: true},
		{name: "absent", in: `{}`, wantNil: true},
		{name: "legacy wrapper", in: `{"meta":{"id":5,"meta":{"prompt":"dog","seed":"42","CFG scale":"6"}}}`, wantPrompt: "dog", wantSeed: "42", wantCFG: "6"},
		{name: "wrapper of null", in: `{"meta":{"id":5,"meta":null}}`, wantNil: true},
		{name: "not an object", in: `{"meta":"x"}`, wantNil: true},
		{name: "case-insensitive keys", in: `{"meta":{"Prompt":"owl","Seed":1,"cfg_scale":3}}`, wantPrompt: "owl", wantSeed: "1", wantCFG: "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var im Image
			if err := json.Unmarshal([]byte(tt.in), &im); err != nil {
				t.Fatal(err)
			}
			if (im.Meta == nil) != tt.wantNil {
				t.Errorf("Meta = %v, wantNil %v", im.Meta, tt.wantNil)
			}
			if im.Prompt() != tt.wantPrompt || im.Seed() != tt.wantSeed || im.CFGScale() != tt.wantCFG {
				t.Errorf("prompt/seed/cfg = %q/%q/%q", im.Prompt(), im.Seed(), im.CFGScale())
			}
		})
	}
}

func TestImageLegacyNSFW(t *testing.T) {
	t.Parallel()
	var v ModelVersion
	in := `{"id":1,"images":[{"url":"a","nsfw":"None"},{"url":"b","nsfw":"Mature"},{"url":"c","nsfw":true,"nsfwLevel":"X"}]}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	got := []any{v.Images[0].NSFW, v.Images[1].NSFW, v.Images[2].NSFW, v.Images[2].NSFWLevel}
	want := []any{FlexBool(false), FlexBool(true), FlexBool(true), FlexInt{Value: 8, Raw: "X"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("legacy nsfw (-want +got):\n%s", diff)
	}
}

// TestMarshalWithoutRaw: hand-built values marshal their fields.
func TestMarshalWithoutRaw(t *testing.T) {
	t.Parallel()
	m := Model{ID: 5, Name: "n", Type: ModelTypeLORA, ModelVersions: []*ModelVersion{{ID: 6, PublishedAt: Time{time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}}}}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back Model
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	back.Raw, back.ModelVersions[0].Raw = nil, nil
	if diff := cmp.Diff(m, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestParseModelType(t *testing.T) {
	t.Parallel()
	tests := map[string]ModelType{
		"LORA": ModelTypeLORA, "lora": ModelTypeLORA, " Lora ": ModelTypeLORA,
		"Textual Inversion": ModelTypeTextualInversion, "textual_inversion": ModelTypeTextualInversion,
		"embedding": ModelTypeTextualInversion, "ti": ModelTypeTextualInversion,
		"controlnet": ModelTypeControlnet, "ControlNet": ModelTypeControlnet,
		"lycoris": ModelTypeLoCon, "LoCon": ModelTypeLoCon, "upscale": ModelTypeUpscaler,
		"motion": ModelTypeMotionModule, "motion-module": ModelTypeMotionModule,
		"vae": ModelTypeVAE, "clip_vision": ModelTypeCLIPVision, "comfy workflows": ModelTypeComfyWorkflows,
		"checkpoint": ModelTypeCheckpoint, "dora": ModelTypeDoRA, "llm": ModelTypeLLM,
		"  Brand New Type ": "Brand New Type", "": "", "   ": "",
	}
	for in, want := range tests {
		if got := ParseModelType(in); got != want {
			t.Errorf("ParseModelType(%q) = %q, want %q", in, got, want)
		}
	}
	for _, k := range KnownModelTypes() {
		if ParseModelType(string(k)) != k || !k.Known() {
			t.Errorf("known type %q does not map to itself", k)
		}
	}
	if ModelType("lora").Known() {
		t.Error(`"lora" should not be Known before parsing`)
	}
}

func TestNormalizeEnum(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		known  []string
		want   string
		wantOK bool
	}{
		{"most downloaded", ModelSorts(), "Most Downloaded", true},
		{"MostDownloaded", ModelSorts(), "Most Downloaded", true},
		{"most-downloaded", ModelSorts(), "Most Downloaded", true},
		{"alltime", Periods(), "AllTime", true},
		{"all time", Periods(), "AllTime", true},
		{"sdxl 1.0", BaseModels(), "SDXL 1.0", true},
		{"SDXL1.0", BaseModels(), "SDXL 1.0", true},
		{"flux.1 d", BaseModels(), "Flux.1 D", true},
		{"safetensor", FileFormats(), "SafeTensor", true},
		{"FP16", FilePrecisions(), "fp16", true},
		{"pruned model", ModelFileTypes(), "Pruned Model", true},
		{" bogus ", ModelSorts(), "bogus", false},
		{"", ModelSorts(), "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeEnum(tt.in, tt.known)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("NormalizeEnum(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2025-07-15T02:17:06.358Z", "2025-07-02T19:16:12.819", "2025-07-02", "2025-07-02 19:16:12+02:00", "", "x", "2025-07-02T19:16:12.1234567891234Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s)
		if err != nil {
			if !got.IsZero() {
				t.Fatalf("error with non-zero time %v", got)
			}
			return
		}
		// Whatever parses must survive a round trip through RFC 3339.
		back, err := ParseTime(got.Format(time.RFC3339Nano))
		if err != nil || !back.Equal(got) {
			t.Fatalf("round trip of %q: %v -> %v, %v", s, got, back, err)
		}
		var tm Time
		if err := json.Unmarshal([]byte(mustJSONString(s)), &tm); err != nil || !tm.Equal(got) {
			t.Fatalf("Time.UnmarshalJSON(%q) = %v, %v; want %v", s, tm, err, got)
		}
	})
}

func mustJSONString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func FuzzParseModelType(f *testing.F) {
	for _, s := range []string{"lora", "Textual Inversion", " LoCon ", "\tlora", "x-y_z", "", "İ", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := ParseModelType(s)
		twice := ParseModelType(string(once))
		if once != twice {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, once, twice)
		}
	})
}

func FuzzDecodeModel(f *testing.F) {
	// Small seeds only: the fuzzer minimises every new input, which is very
	// slow for the 40-240 KB samples (they are decoded in samples_test.go).
	f.Add(sample(f, "model-list-item-1.json"))
	f.Add([]byte(`{"id":1,"type":"lora","nsfw":"X","nsfwLevel":"Soft","allowCommercialUse":"{Image,Rent}","stats":{"downloadCount":null,"rating":4.5},` +
		`"creator":{"username":"u","image":null},"tags":[{"name":"a"},"b"],"modelVersions":[{"id":2,"createdAt":"2025-07-02T19:16:12.819",` +
		`"files":[{"id":3,"sizeKB":1.5,"metadata":{"fp":null},"hashes":{"SHA256":"ab"},"primary":"true"}],"images":[{"url":"u","meta":{"id":1,"meta":{"seed":1}}}]}]}`))
	for _, s := range []string{`{}`, `null`, `[]`, `{"id":"1"}`, `{"modelVersions":[{"images":[{"meta":{"id":1,"meta":null}}]}]}`, `{"tags":[{"name":1}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Model
		_ = json.Unmarshal(b, &m)
		_, _ = decodeJSON[Model](b)
		_, _ = decodeJSON[ModelsPage](b)
		_, _ = decodeJSON[ImagesPage](b)
		if len(m.Raw) > 0 && !json.Valid(m.Raw) {
			t.Fatalf("Raw is not valid JSON: %q", m.Raw)
		}
		if _, err := json.Marshal(m); err != nil && len(m.Raw) == 0 {
			t.Fatalf("marshal of decoded model: %v", err)
		}
	})
}
