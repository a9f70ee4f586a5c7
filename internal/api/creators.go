package api

import (
	"context"
	"net/http"
)

// ListCreators fetches one page of /api/v1/creators. The totals may be
// lower bounds when searching.
func (c *Client) ListCreators(ctx context.Context, opts *ListOptions) (*CreatorsPage, error) {
	q, err := opts.values()
	if err != nil {
		return nil, err
	}
	p, err := fetch[CreatorsPage](ctx, c, call{method: http.MethodGet, path: "/api/v1/creators", query: q, cache: true})
	if err != nil {
		return nil, err
	}
	p.Items = compact(p.Items)
	return p, nil
}
