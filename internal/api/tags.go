package api

import (
	"context"
	"net/http"
)

// ListTags fetches one page of /api/v1/tags (model tags). Page with
// Metadata.NextPage; the totals may be 0 on current servers.
func (c *Client) ListTags(ctx context.Context, opts *ListOptions) (*TagsPage, error) {
	q, err := opts.values()
	if err != nil {
		return nil, err
	}
	p, err := fetch[TagsPage](ctx, c, call{method: http.MethodGet, path: "/api/v1/tags", query: q, cache: true})
	if err != nil {
		return nil, err
	}
	p.Items = compact(p.Items)
	return p, nil
}
