package api

import (
	"context"
	"net/http"
	"strconv"
)

// VersionMini is the light answer of /api/v1/model-versions/mini/{id}
// (civitai-api.md §2.5): what a download of the version's primary file
// needs, without asking the download endpoint (which counts downloads and
// is rate limited per user).
type VersionMini struct {
	ModelName         string   `json:"modelName"`
	VersionName       string   `json:"versionName"`
	BaseModel         string   `json:"baseModel"`
	Availability      string   `json:"availability"`
	FileName          string   `json:"fileName"`
	RequireAuth       FlexBool `json:"requireAuth"`     // a key is needed to download
	CheckPermission   FlexBool `json:"checkPermission"` // early access or paid: access must be bought
	EarlyAccessEndsAt Time     `json:"earlyAccessEndsAt"`
	DownloadURLs      []string `json:"downloadUrls"`
}

// GetVersionMini fetches /api/v1/model-versions/mini/{id}, the cheap
// pre-flight of a download (`civit download --dry-run`).
func (c *Client) GetVersionMini(ctx context.Context, id int64) (*VersionMini, error) {
	if id <= 0 {
		return nil, &ValidationError{Field: "version id", Value: strconv.FormatInt(id, 10), Reason: "must be a positive integer"}
	}
	return fetch[VersionMini](ctx, c, call{method: http.MethodGet, path: "/api/v1/model-versions/mini/" + strconv.FormatInt(id, 10), cache: true})
}
