package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ImagesOptions are the query parameters of /api/v1/images. Zero values are
// omitted.
type ImagesOptions struct {
	ModelID        int64
	ModelVersionID int64
	PostID         int64
	Username       string
	// NSFW is None, Soft, Mature, X (see ImageNSFWLevels) or true/false;
	// absent means PG only.
	NSFW   string
	Sort   string // one of ImageSorts()
	Period string // one of Periods()
	// Type is one of MediaTypes(): image, video or audio.
	Type string
	// BaseModels are exact base model names (see ResolveBaseModels), sent
	// comma-separated as this endpoint wants (civitai-api.md §2.6).
	BaseModels []string
	Limit      int // 0 omits; otherwise 1..200
	Cursor     string
	WithMeta   bool // ask for generation parameters (meta is null without it)
}

func (o *ImagesOptions) values() (url.Values, error) {
	q := url.Values{}
	if o == nil {
		return q, nil
	}
	if o.Limit < 0 || o.Limit > 200 {
		return nil, &ValidationError{Field: "limit", Value: strconv.Itoa(o.Limit), Reason: "must be between 1 and 200"}
	}
	setID(q, "modelId", o.ModelID)
	setID(q, "modelVersionId", o.ModelVersionID)
	setID(q, "postId", o.PostID)
	setNonEmpty(q, "username", o.Username)
	if n := strings.TrimSpace(o.NSFW); n != "" {
		if b, err := strconv.ParseBool(n); err == nil {
			q.Set("nsfw", strconv.FormatBool(b))
		} else {
			q.Set("nsfw", normalizeOr(n, ImageNSFWLevels()))
		}
	}
	setNonEmpty(q, "sort", normalizeOr(o.Sort, ImageSorts()))
	setNonEmpty(q, "period", normalizeOr(o.Period, Periods()))
	setNonEmpty(q, "type", normalizeOr(o.Type, MediaTypes()))
	var bases []string
	for _, b := range o.BaseModels {
		if b = strings.TrimSpace(b); b != "" {
			bases = append(bases, b)
		}
	}
	setNonEmpty(q, "baseModels", strings.Join(bases, ","))
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	setNonEmpty(q, "cursor", o.Cursor)
	if o.WithMeta {
		q.Set("withMeta", "true")
	}
	return q, nil
}

func setID(q url.Values, key string, id int64) {
	if id > 0 {
		q.Set(key, strconv.FormatInt(id, 10))
	}
}

// ListImages fetches one page of /api/v1/images. Its nextCursor was a
// number in 2023; Metadata.NextCursor is always text. Answers are cached,
// except for sort=Random: a cached random page would repeat itself.
func (c *Client) ListImages(ctx context.Context, opts *ImagesOptions) (*ImagesPage, error) {
	q, err := opts.values()
	if err != nil {
		return nil, err
	}
	random := q.Get("sort") == "Random"
	p, err := fetch[ImagesPage](ctx, c, call{method: http.MethodGet, path: "/api/v1/images", query: q, cache: !random})
	if err != nil {
		return nil, err
	}
	p.Items = compact(p.Items)
	return p, nil
}
