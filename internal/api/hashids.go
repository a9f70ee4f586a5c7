package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
)

// maxHashesPerIDsCall is the limit of /model-versions/by-hash/ids
// (civitai-api.md §2.4).
const maxHashesPerIDsCall = 10000

// hashID is one answer of /model-versions/by-hash/ids.
type hashID struct {
	ModelVersionID int64  `json:"modelVersionId"`
	Hash           string `json:"hash"`
}

// GetModelVersionIDsByHashes asks POST /api/v1/model-versions/by-hash/ids
// which of up to 10,000 SHA-256 hashes a call CivitAI knows: the answer
// maps each known hash (upper case) to its version id, and leaves the
// others out. It is how a scan of many files spares the heavier bulk
// lookups of files CivitAI does not have.
func (c *Client) GetModelVersionIDsByHashes(ctx context.Context, sha256s []string) (map[string]int64, error) {
	var hashes []string
	seen := map[string]bool{}
	for _, s := range sha256s {
		h, err := normalizeHash(s, 64)
		if err != nil {
			return nil, err
		}
		if !seen[h] {
			seen[h] = true
			hashes = append(hashes, h)
		}
	}
	out := map[string]int64{}
	for start := 0; start < len(hashes); start += maxHashesPerIDsCall {
		chunk := hashes[start:min(start+maxHashesPerIDsCall, len(hashes))]
		body, err := json.Marshal(chunk)
		if err != nil {
			return nil, err
		}
		res, err := fetch[[]hashID](ctx, c, call{method: http.MethodPost, path: "/api/v1/model-versions/by-hash/ids", body: body})
		if err != nil {
			return nil, err
		}
		for _, r := range *res {
			if h := strings.ToUpper(strings.TrimSpace(r.Hash)); r.ModelVersionID > 0 && seen[h] {
				out[h] = r.ModelVersionID
			}
		}
	}
	return out, nil
}
