package api

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// The lenient types below never make the enclosing object fail to decode:
// a value they cannot read becomes their zero value.

// FlexBool is a boolean that also accepts "true"/"false", 0/1 and the
// legacy image nsfw strings ("None" is false; "Soft", "Mature", "X",
// "Blocked" are true). null and unknown values are false.
type FlexBool bool

// UnmarshalJSON implements the leniency described on FlexBool.
func (f *FlexBool) UnmarshalJSON(b []byte) error {
	*f = false
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return nil
	case b[0] == 't':
		*f = string(b) == "true"
	case b[0] == '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			*f = FlexBool(parseBoolText(s))
		}
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		if v, err := strconv.ParseFloat(string(b), 64); err == nil {
			*f = v != 0
		}
	}
	return nil
}

func parseBoolText(s string) bool {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "true", "yes", "1", "soft", "mature", "x", "xxx", "r", "blocked":
		return true
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return v != 0
	}
	return false
}

// MarshalJSON writes true or false.
func (f FlexBool) MarshalJSON() ([]byte, error) {
	return strconv.AppendBool(nil, bool(f)), nil
}

// FlexInt is an integer that also accepts floats (rounded), numeric strings
// and the legacy nsfw level strings None=1, Soft=2, Mature=4, X=8,
// Blocked=32. When the JSON value was a string it is kept in Raw, and the
// value is encoded back as that string.
type FlexInt struct {
	Value int64
	Raw   string
}

// nsfwLevels maps the legacy nsfw strings to the NsfwLevel bit flags.
func nsfwLevel(s string) (int64, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "none", "pg":
		return 1, true
	case "soft", "pg13":
		return 2, true
	case "mature", "r":
		return 4, true
	case "x":
		return 8, true
	case "xxx":
		return 16, true
	case "blocked":
		return 32, true
	}
	return 0, false
}

// UnmarshalJSON implements the leniency described on FlexInt.
func (f *FlexInt) UnmarshalJSON(b []byte) error {
	*f = FlexInt{}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	if b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) != nil {
			return nil
		}
		f.Raw = s
		if v, ok := nsfwLevel(s); ok {
			f.Value = v
		} else if v, ok := parseIntText(s); ok {
			f.Value = v
		}
		return nil
	}
	if v, ok := parseIntText(string(b)); ok {
		f.Value = v
	}
	return nil
}

// MarshalJSON writes Raw as a string when set, else Value as a number.
func (f FlexInt) MarshalJSON() ([]byte, error) {
	if f.Raw != "" {
		return json.Marshal(f.Raw)
	}
	return strconv.AppendInt(nil, f.Value, 10), nil
}

// parseIntText reads an integer or a float (rounded), rejecting values
// outside int64.
func parseIntText(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, true
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v >= math.MaxInt64 || v <= math.MinInt64 {
		return 0, false
	}
	return int64(math.Round(v)), true
}

// looseNum decodes a number, a numeric string or null; ok is false when
// the value was absent, null or unreadable.
type looseNum struct {
	v  float64
	i  int64
	ok bool
}

// UnmarshalJSON implements the leniency described on looseNum.
func (n *looseNum) UnmarshalJSON(b []byte) error {
	*n = looseNum{}
	s := strings.TrimSpace(string(b))
	if strings.HasPrefix(s, `"`) {
		if json.Unmarshal([]byte(s), &s) != nil {
			return nil
		}
	}
	if i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
		*n = looseNum{v: float64(i), i: i, ok: true}
		return nil
	}
	if i, ok := parseIntText(s); ok {
		v, _ := strconv.ParseFloat(strings.TrimSpace(s), 64)
		*n = looseNum{v: v, i: i, ok: true}
	}
	return nil
}

func (n looseNum) int64Ptr() *int64 {
	if !n.ok {
		return nil
	}
	v := n.i
	return &v
}

func (n looseNum) float64Ptr() *float64 {
	if !n.ok {
		return nil
	}
	v := n.v
	return &v
}

func (n looseNum) int() int { return int(n.i) }

// CommercialUse lists the commercial uses a model's license allows. It
// accepts a single string ("Rent"), an array (["Image","Rent"]) or a
// Postgres array literal ("{Image,RentCivit}"); "" and null are empty. It
// encodes as a JSON array.
type CommercialUse []string

// UnmarshalJSON implements the leniency described on CommercialUse.
func (c *CommercialUse) UnmarshalJSON(b []byte) error {
	*c = nil
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	var out []string
	switch b[0] {
	case '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			out = splitPGArray(s)
		}
	case '[':
		var list []any
		if json.Unmarshal(b, &list) == nil {
			for _, v := range list {
				if s, ok := v.(string); ok {
					out = append(out, splitPGArray(s)...)
				}
			}
		}
	}
	if len(out) > 0 {
		*c = out
	}
	return nil
}

// MarshalJSON writes a JSON array ([] when empty).
func (c CommercialUse) MarshalJSON() ([]byte, error) {
	if c == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]string(c))
}

// splitPGArray reads "X", "{X,Y}" or "{\"X\",\"Y\"}" into its elements.
func splitPGArray(s string) []string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
		s = s[1 : len(s)-1]
	} else if s != "" {
		return []string{s}
	}
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		p = strings.Trim(strings.TrimSpace(p), `"`)
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Tags is a list of tag names. It accepts ["a","b"] and the 2022 shape
// [{"name":"a"}]; it encodes as a JSON array of strings.
type Tags []string

// UnmarshalJSON implements the leniency described on Tags.
func (t *Tags) UnmarshalJSON(b []byte) error {
	*t = nil
	var list []json.RawMessage
	if json.Unmarshal(b, &list) != nil {
		return nil
	}
	var out Tags
	for _, raw := range list {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if s != "" {
				out = append(out, s)
			}
			continue
		}
		var obj struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(raw, &obj) == nil && obj.Name != "" {
			out = append(out, obj.Name)
		}
	}
	*t = out
	return nil
}

// MarshalJSON writes a JSON array of strings ([] when empty).
func (t Tags) MarshalJSON() ([]byte, error) {
	if t == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]string(t))
}

// cursorText reads a cursor that is a string or a number; anything else
// (null, objects) is "".
func cursorText(raw json.RawMessage) string {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 {
		return ""
	}
	switch {
	case b[0] == '"':
		var s string
		if json.Unmarshal(b, &s) == nil {
			return strings.TrimSpace(s)
		}
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		var n json.Number
		if json.Unmarshal(b, &n) == nil {
			return n.String()
		}
	}
	return ""
}
