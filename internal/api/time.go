package api

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Time is a timestamp decoded leniently from the API. JSON null, "" and
// unparsable strings decode to the zero Time (check IsZero), never to
// time.Now. It encodes as RFC 3339 with nanoseconds, or null when zero.
type Time struct{ time.Time }

// errBadTime is returned by ParseTime for text it cannot read.
var errBadTime = errors.New("unrecognised time format")

// timeLayouts are tried in order by ParseTime after normalisation ('T'
// separator, upper-case 'Z'). Go accepts any number of fraction digits
// after the seconds even when the layout has none.
func timeLayouts() [7]string {
	return [...]string{
		time.RFC3339,
		"2006-01-02T15:04:05Z0700",
		"2006-01-02T15:04:05Z07",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04:05",
		"2006-01-02T15:04",
		"2006-01-02",
	}
}

// ParseTime reads the timestamp shapes seen from the API and its tools:
// RFC 3339 with or without a fraction (any number of digits), with Z or an
// offset, without a zone (assumed UTC), date only (2006-01-02), and a space
// instead of the 'T'. Surrounding whitespace is ignored. It fails on
// anything else, including "".
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) < len("2006-01-02") {
		return time.Time{}, errBadTime
	}
	if len(s) > 10 && (s[10] == ' ' || s[10] == 't') {
		s = s[:10] + "T" + s[11:]
	}
	if strings.HasSuffix(s, "z") {
		s = s[:len(s)-1] + "Z"
	}
	if strings.HasSuffix(s, " UTC") {
		s = strings.TrimSuffix(s, " UTC") + "Z"
	}
	for _, layout := range timeLayouts() {
		t, err := time.Parse(layout, s)
		if err == nil {
			return t, nil
		}
	}
	return time.Time{}, errBadTime
}

// UnmarshalJSON accepts an RFC 3339-like string, "" or null. It never
// returns an error: an unreadable value becomes the zero Time.
func (t *Time) UnmarshalJSON(b []byte) error {
	t.Time = time.Time{}
	var s string
	if json.Unmarshal(b, &s) != nil {
		return nil
	}
	if v, err := ParseTime(s); err == nil {
		t.Time = v
	}
	return nil
}

// MarshalJSON writes RFC 3339 with nanoseconds, or null for the zero Time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.Format(time.RFC3339Nano))
}
