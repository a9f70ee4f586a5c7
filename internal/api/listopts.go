package api

import (
	"net/url"
	"strconv"
)

// ListOptions are the query parameters of the page-based endpoints
// /api/v1/tags and /api/v1/creators. Zero values are omitted.
type ListOptions struct {
	Query string
	Limit int // 0 omits; otherwise 1..200
	Page  int // 1-based
}

func (o *ListOptions) values() (url.Values, error) {
	q := url.Values{}
	if o == nil {
		return q, nil
	}
	if o.Limit < 0 || o.Limit > 200 {
		return nil, &ValidationError{Field: "limit", Value: strconv.Itoa(o.Limit), Reason: "must be between 1 and 200"}
	}
	if o.Page < 0 {
		return nil, &ValidationError{Field: "page", Value: strconv.Itoa(o.Page), Reason: "must be 1 or more"}
	}
	setNonEmpty(q, "query", o.Query)
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Page > 0 {
		q.Set("page", strconv.Itoa(o.Page))
	}
	return q, nil
}
