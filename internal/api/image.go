package api

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
)

// Image is a gallery image or video: an item of /api/v1/images or an
// example image of a model version. Raw and MarshalJSON behave as on Model.
type Image struct {
	ID     int64  `json:"id,omitempty"`
	URL    string `json:"url"`
	Hash   string `json:"hash,omitempty"` // blurhash
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
	Type   string `json:"type,omitempty"` // image, video, audio
	// NSFW is the legacy flag: a bool, or "None"/"Soft"/"Mature"/"X".
	NSFW FlexBool `json:"nsfw"`
	// NSFWLevel is an int bitmask, or on /images a legacy string
	// None/Soft/Mature/X/Blocked mapped to 1/2/4/8/32 (kept in Raw).
	NSFWLevel FlexInt `json:"nsfwLevel"`
	CreatedAt Time    `json:"createdAt"`
	PostID    int64   `json:"postId,omitempty"`
	Username  string  `json:"username,omitempty"`
	BaseModel string  `json:"baseModel,omitempty"`
	// Meta holds the generation parameters (prompt, seed, ...) or nil.
	// Numbers are json.Number so large seeds stay exact. The legacy
	// wrapper {"id":..,"meta":{...}} is unwrapped.
	Meta map[string]any  `json:"meta"`
	Raw  json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes leniently and keeps the raw bytes; it never fails.
func (im *Image) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		return nil
	}
	type plain Image
	var aux struct {
		plain
		Meta json.RawMessage `json:"meta"`
	}
	if !tolerable(json.Unmarshal(b, &aux)) {
		*im = Image{}
		return nil
	}
	*im = Image(aux.plain)
	im.Meta = decodeMeta(aux.Meta)
	im.Raw = bytes.Clone(bytes.TrimSpace(b))
	return nil
}

// MarshalJSON writes Raw when set, else the fields.
func (im Image) MarshalJSON() ([]byte, error) {
	if len(im.Raw) > 0 {
		return im.Raw, nil
	}
	type plain Image
	return json.Marshal(plain(im))
}

// decodeMeta reads an image's meta: an object, null, or the legacy wrapper
// {"id":..,"meta":{...}}.
func decodeMeta(raw json.RawMessage) map[string]any {
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil || m == nil {
		return nil
	}
	if inner, ok := m["meta"]; ok && len(m) <= 2 {
		if _, hasOther := m["id"]; len(m) == 1 || hasOther {
			inner, _ := inner.(map[string]any)
			return inner
		}
	}
	return m
}

// metaText returns a Meta value as text, finding the key leniently (case,
// spaces, '_' and '-' ignored). Numbers are written without exponent.
func (im *Image) metaText(keys ...string) string {
	if im == nil || im.Meta == nil {
		return ""
	}
	var v any
	found := false
	for _, k := range keys {
		if x, ok := im.Meta[k]; ok {
			v, found = x, true
			break
		}
	}
	if !found {
		for _, k := range keys {
			want := foldKey(k)
			for mk, x := range im.Meta {
				if foldKey(mk) == want {
					v, found = x, true
					break
				}
			}
			if found {
				break
			}
		}
	}
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// foldKey lower-cases s and drops spaces, '_' and '-'.
func foldKey(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '_' || r == '-' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// Prompt returns the positive prompt, or "".
func (im *Image) Prompt() string { return im.metaText("prompt") }

// NegativePrompt returns the negative prompt, or "".
func (im *Image) NegativePrompt() string { return im.metaText("negativePrompt") }

// Sampler returns the sampler name, or "".
func (im *Image) Sampler() string { return im.metaText("sampler") }

// Steps returns the step count as text, or "".
func (im *Image) Steps() string { return im.metaText("steps") }

// Seed returns the seed as text (exact for large values), or "".
func (im *Image) Seed() string { return im.metaText("seed") }

// CFGScale returns the CFG scale as text, or "".
func (im *Image) CFGScale() string { return im.metaText("cfgScale", "cfg") }
