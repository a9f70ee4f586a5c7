package api

import "encoding/json"

// Metadata is the pagination block of list responses. Cursor endpoints set
// NextCursor (absent on the last page); page endpoints set NextPage,
// PrevPage and, in older eras, the totals.
type Metadata struct {
	NextCursor  string `json:"nextCursor,omitempty"` // accepted as string or number
	NextPage    string `json:"nextPage,omitempty"`
	PrevPage    string `json:"prevPage,omitempty"`
	CurrentPage int    `json:"currentPage,omitempty"`
	PageSize    int    `json:"pageSize,omitempty"`
	TotalItems  int    `json:"totalItems,omitempty"`
	TotalPages  int    `json:"totalPages,omitempty"`
}

// UnmarshalJSON decodes leniently: numeric cursors become strings, numbers
// may be floats or strings, nulls are zero. It never fails.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	var aux struct {
		NextCursor  json.RawMessage `json:"nextCursor"`
		NextPage    *string         `json:"nextPage"`
		PrevPage    *string         `json:"prevPage"`
		CurrentPage looseNum        `json:"currentPage"`
		PageSize    looseNum        `json:"pageSize"`
		TotalItems  looseNum        `json:"totalItems"`
		TotalPages  looseNum        `json:"totalPages"`
	}
	*m = Metadata{}
	if !tolerable(json.Unmarshal(b, &aux)) {
		return nil
	}
	*m = Metadata{
		NextCursor:  cursorText(aux.NextCursor),
		CurrentPage: aux.CurrentPage.int(),
		PageSize:    aux.PageSize.int(),
		TotalItems:  aux.TotalItems.int(),
		TotalPages:  aux.TotalPages.int(),
	}
	if aux.NextPage != nil {
		m.NextPage = *aux.NextPage
	}
	if aux.PrevPage != nil {
		m.PrevPage = *aux.PrevPage
	}
	return nil
}

// ModelsPage is one page of /api/v1/models.
type ModelsPage struct {
	Items    []*Model `json:"items"`
	Metadata Metadata `json:"metadata"`
}

// ImagesPage is one page of /api/v1/images.
type ImagesPage struct {
	Items    []*Image `json:"items"`
	Metadata Metadata `json:"metadata"`
}

// TagsPage is one page of /api/v1/tags.
type TagsPage struct {
	Items    []*Tag   `json:"items"`
	Metadata Metadata `json:"metadata"`
}

// CreatorsPage is one page of /api/v1/creators.
type CreatorsPage struct {
	Items    []*Creator `json:"items"`
	Metadata Metadata   `json:"metadata"`
}
