package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// maxHashesPerCall is the server's limit for POST /model-versions/by-hash.
const maxHashesPerCall = 100

// GetModelVersion fetches /api/v1/model-versions/{id}.
func (c *Client) GetModelVersion(ctx context.Context, id int64) (*ModelVersion, error) {
	if id <= 0 {
		return nil, &ValidationError{Field: "version id", Value: strconv.FormatInt(id, 10), Reason: "must be a positive integer"}
	}
	return c.getVersion(ctx, "/api/v1/model-versions/"+strconv.FormatInt(id, 10))
}

// GetModelVersionByHash fetches /api/v1/model-versions/by-hash/{hash}. The
// hash may be any published kind: AutoV1 or CRC32 (8 hex digits), AutoV2
// (10), AutoV3 (12), SHA-256 or BLAKE3 (64). It is upper-cased; anything
// else is a *ValidationError. A miss is KindNotFound.
func (c *Client) GetModelVersionByHash(ctx context.Context, hash string) (*ModelVersion, error) {
	h, err := normalizeHash(hash, 8, 10, 12, 64)
	if err != nil {
		return nil, err
	}
	return c.getVersion(ctx, "/api/v1/model-versions/by-hash/"+h)
}

func (c *Client) getVersion(ctx context.Context, path string) (*ModelVersion, error) {
	v, err := fetch[ModelVersion](ctx, c, call{method: http.MethodGet, path: path, cache: true})
	if err != nil {
		return nil, err
	}
	if v.ID == 0 {
		return nil, c.shapeError(path)
	}
	return v, nil
}

// GetModelVersionsByHashes looks up many SHA-256 digests with POST
// /api/v1/model-versions/by-hash, at most 100 per call (it splits larger
// inputs). Digests are upper-cased and deduplicated; one that is not 64 hex
// digits is a *ValidationError and nothing is sent. It returns the versions
// found, in the server's order, each once; misses are simply absent (match
// them back through File.Hashes.SHA256()).
func (c *Client) GetModelVersionsByHashes(ctx context.Context, sha256s []string) ([]*ModelVersion, error) {
	hashes := make([]string, 0, len(sha256s))
	seen := map[string]struct{}{}
	for _, s := range sha256s {
		h, err := normalizeHash(s, 64)
		if err != nil {
			return nil, err
		}
		if _, dup := seen[h]; dup {
			continue
		}
		seen[h] = struct{}{}
		hashes = append(hashes, h)
	}
	var out []*ModelVersion
	seenIDs := map[int64]struct{}{}
	for start := 0; start < len(hashes); start += maxHashesPerCall {
		chunk := hashes[start:min(start+maxHashesPerCall, len(hashes))]
		body, err := json.Marshal(chunk)
		if err != nil {
			return nil, err
		}
		res, err := fetch[[]*ModelVersion](ctx, c, call{method: http.MethodPost, path: "/api/v1/model-versions/by-hash", body: body})
		if err != nil {
			return nil, err
		}
		for _, v := range *res {
			if v == nil || v.ID == 0 {
				continue
			}
			if _, dup := seenIDs[v.ID]; dup {
				continue
			}
			seenIDs[v.ID] = struct{}{}
			out = append(out, v)
		}
	}
	return out, nil
}

// normalizeHash trims and upper-cases a hex digest and checks its length.
func normalizeHash(s string, lengths ...int) (string, error) {
	h := strings.ToUpper(strings.TrimSpace(s))
	okLen := false
	for _, n := range lengths {
		okLen = okLen || len(h) == n
	}
	reason := "must be hex of length " + joinInts(lengths)
	if !okLen {
		return "", &ValidationError{Field: "hash", Value: truncate(s, 80), Reason: reason}
	}
	for _, r := range h {
		if (r < '0' || r > '9') && (r < 'A' || r > 'F') {
			return "", &ValidationError{Field: "hash", Value: truncate(s, 80), Reason: reason}
		}
	}
	return h, nil
}

func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
