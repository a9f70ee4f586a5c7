package api

import (
	"bytes"
	"encoding/json"
	"errors"
)

// Model is a CivitAI model as returned by /api/v1/models and
// /api/v1/models/{id}, decoded leniently across all known eras of the API.
//
// Raw holds the exact bytes received. When Raw is set, MarshalJSON writes
// Raw (so unknown fields survive --json output); edits to the other fields
// are then not reflected. Clear Raw to marshal the fields instead.
type Model struct {
	ID                    int64           `json:"id"`
	Name                  string          `json:"name"`
	Description           string          `json:"description"` // HTML
	Type                  ModelType       `json:"type"`
	POI                   bool            `json:"poi"`
	NSFW                  FlexBool        `json:"nsfw"`
	NSFWLevel             FlexInt         `json:"nsfwLevel"` // bit flags PG=1 PG13=2 R=4 X=8 XXX=16 Blocked=32
	Availability          string          `json:"availability,omitempty"`
	Mode                  string          `json:"mode,omitempty"` // "", "Archived" or "TakenDown"
	SupportsGeneration    bool            `json:"supportsGeneration,omitempty"`
	AllowNoCredit         *bool           `json:"allowNoCredit,omitempty"`
	AllowDerivatives      *bool           `json:"allowDerivatives,omitempty"`
	AllowDifferentLicense *bool           `json:"allowDifferentLicense,omitempty"`
	AllowCommercialUse    CommercialUse   `json:"allowCommercialUse"`
	Stats                 Stats           `json:"stats"`
	Creator               *Creator        `json:"creator,omitempty"` // absent for the civitai account
	Tags                  Tags            `json:"tags"`
	ModelVersions         []*ModelVersion `json:"modelVersions"`
	Raw                   json.RawMessage `json:"-"`
}

// ModelVersion is one version of a model: from a model's modelVersions,
// /api/v1/model-versions/{id} or the by-hash endpoints. Fields absent in a
// given shape are zero. Raw and MarshalJSON behave as on Model.
type ModelVersion struct {
	ID                   int64           `json:"id"`
	ModelID              int64           `json:"modelId,omitempty"`
	Index                *int            `json:"index,omitempty"`
	Name                 string          `json:"name"`
	Description          string          `json:"description,omitempty"`
	BaseModel            string          `json:"baseModel"`
	BaseModelType        string          `json:"baseModelType,omitempty"`
	CreatedAt            Time            `json:"createdAt"`
	UpdatedAt            Time            `json:"updatedAt"`
	PublishedAt          Time            `json:"publishedAt"`
	Status               string          `json:"status,omitempty"`
	Availability         string          `json:"availability,omitempty"` // Public, EarlyAccess, Private, Unsearchable
	NSFWLevel            FlexInt         `json:"nsfwLevel"`
	TrainedWords         []string        `json:"trainedWords"`
	UploadType           string          `json:"uploadType,omitempty"`
	UsageControl         string          `json:"usageControl,omitempty"`
	AIR                  string          `json:"air,omitempty"`
	EarlyAccessTimeFrame int             `json:"earlyAccessTimeFrame,omitempty"` // days (2022-2024)
	EarlyAccessDeadline  Time            `json:"earlyAccessDeadline"`
	EarlyAccessEndsAt    Time            `json:"earlyAccessEndsAt"`
	Stats                Stats           `json:"stats"`
	Model                *VersionModel   `json:"model,omitempty"`
	Files                []*File         `json:"files"`
	Images               []*Image        `json:"images"`
	DownloadURL          string          `json:"downloadUrl,omitempty"`
	Raw                  json.RawMessage `json:"-"`
}

// VersionModel is the short model summary embedded in a model version.
type VersionModel struct {
	Name string    `json:"name"`
	Type ModelType `json:"type"`
	NSFW FlexBool  `json:"nsfw"`
	POI  bool      `json:"poi"`
	Mode string    `json:"mode,omitempty"`
}

// Stats are a model's or version's counters. Every field is nil when the
// server sent null or nothing (creators may hide download counts). Counts
// accept integers, floats and numeric strings.
type Stats struct {
	DownloadCount     *int64   `json:"downloadCount"`
	FavoriteCount     *int64   `json:"favoriteCount,omitempty"`
	ThumbsUpCount     *int64   `json:"thumbsUpCount,omitempty"`
	ThumbsDownCount   *int64   `json:"thumbsDownCount,omitempty"`
	CommentCount      *int64   `json:"commentCount,omitempty"`
	RatingCount       *int64   `json:"ratingCount,omitempty"`
	TippedAmountCount *int64   `json:"tippedAmountCount,omitempty"`
	Rating            *float64 `json:"rating,omitempty"`
}

// Creator is a model's author, also the item of /api/v1/creators.
type Creator struct {
	Username   string `json:"username"`
	Image      string `json:"image,omitempty"` // avatar URL; may be ""
	ModelCount int    `json:"modelCount,omitempty"`
	Link       string `json:"link,omitempty"`
}

// Tag is an item of /api/v1/tags. ModelCount is 0 on current servers.
type Tag struct {
	Name       string `json:"name"`
	Link       string `json:"link,omitempty"`
	ModelCount int    `json:"modelCount,omitempty"`
}

// isNull reports whether b is the JSON literal null.
func isNull(b []byte) bool { return bytes.Equal(bytes.TrimSpace(b), []byte("null")) }

// tolerable reports whether a json.Unmarshal error is a type mismatch of one
// nested field, after which the rest of the value was still decoded.
func tolerable(err error) bool {
	var ute *json.UnmarshalTypeError
	return err == nil || (errors.As(err, &ute) && ute.Field != "")
}

// UnmarshalJSON decodes leniently and keeps the raw bytes. A value that is
// not an object leaves the Model zero; it never fails.
func (m *Model) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		return nil
	}
	type plain Model
	var p plain
	if !tolerable(json.Unmarshal(b, &p)) {
		*m = Model{}
		return nil
	}
	*m = Model(p)
	m.Raw = bytes.Clone(bytes.TrimSpace(b))
	m.ModelVersions = compact(m.ModelVersions)
	if m.Creator != nil && *m.Creator == (Creator{}) {
		m.Creator = nil // a non-object creator
	}
	return nil
}

// MarshalJSON writes Raw when set, else the fields.
func (m Model) MarshalJSON() ([]byte, error) {
	if len(m.Raw) > 0 {
		return m.Raw, nil
	}
	type plain Model
	return json.Marshal(plain(m))
}

// UnmarshalJSON decodes leniently and keeps the raw bytes. A value that is
// not an object leaves the ModelVersion zero; it never fails.
func (v *ModelVersion) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		return nil
	}
	type plain ModelVersion
	var p plain
	if !tolerable(json.Unmarshal(b, &p)) {
		*v = ModelVersion{}
		return nil
	}
	*v = ModelVersion(p)
	v.Raw = bytes.Clone(bytes.TrimSpace(b))
	v.Files = compact(v.Files)
	v.Images = compact(v.Images)
	if v.Model != nil && *v.Model == (VersionModel{}) {
		v.Model = nil // a non-object model summary
	}
	return nil
}

// MarshalJSON writes Raw when set, else the fields.
func (v ModelVersion) MarshalJSON() ([]byte, error) {
	if len(v.Raw) > 0 {
		return v.Raw, nil
	}
	type plain ModelVersion
	return json.Marshal(plain(v))
}

// UnmarshalJSON accepts integer or float counts, numeric strings and null.
func (s *Stats) UnmarshalJSON(b []byte) error {
	var aux struct {
		DownloadCount     looseNum `json:"downloadCount"`
		FavoriteCount     looseNum `json:"favoriteCount"`
		ThumbsUpCount     looseNum `json:"thumbsUpCount"`
		ThumbsDownCount   looseNum `json:"thumbsDownCount"`
		CommentCount      looseNum `json:"commentCount"`
		RatingCount       looseNum `json:"ratingCount"`
		TippedAmountCount looseNum `json:"tippedAmountCount"`
		Rating            looseNum `json:"rating"`
	}
	*s = Stats{}
	if !tolerable(json.Unmarshal(b, &aux)) {
		return nil
	}
	*s = Stats{
		DownloadCount:     aux.DownloadCount.int64Ptr(),
		FavoriteCount:     aux.FavoriteCount.int64Ptr(),
		ThumbsUpCount:     aux.ThumbsUpCount.int64Ptr(),
		ThumbsDownCount:   aux.ThumbsDownCount.int64Ptr(),
		CommentCount:      aux.CommentCount.int64Ptr(),
		RatingCount:       aux.RatingCount.int64Ptr(),
		TippedAmountCount: aux.TippedAmountCount.int64Ptr(),
		Rating:            aux.Rating.float64Ptr(),
	}
	return nil
}

// UnmarshalJSON decodes leniently (null image, float model counts).
func (c *Creator) UnmarshalJSON(b []byte) error {
	var aux struct {
		Username   string   `json:"username"`
		Image      *string  `json:"image"`
		ModelCount looseNum `json:"modelCount"`
		Link       string   `json:"link"`
	}
	if !tolerable(json.Unmarshal(b, &aux)) {
		return nil
	}
	*c = Creator{Username: aux.Username, ModelCount: aux.ModelCount.int(), Link: aux.Link}
	if aux.Image != nil {
		c.Image = *aux.Image
	}
	return nil
}

// UnmarshalJSON decodes leniently (float model counts).
func (t *Tag) UnmarshalJSON(b []byte) error {
	var aux struct {
		Name       string   `json:"name"`
		Link       string   `json:"link"`
		ModelCount looseNum `json:"modelCount"`
	}
	if !tolerable(json.Unmarshal(b, &aux)) {
		return nil
	}
	*t = Tag{Name: aux.Name, Link: aux.Link, ModelCount: aux.ModelCount.int()}
	return nil
}

// compact drops nil entries (JSON nulls in arrays).
func compact[T any](s []*T) []*T {
	out := s[:0]
	for _, v := range s {
		if v != nil {
			out = append(out, v)
		}
	}
	if len(out) == 0 && s == nil {
		return nil
	}
	return out
}
