package api

import (
	"net/http"
	"net/url"
	"testing"
)

func TestListImagesFilters(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, Options{})
	mux.HandleFunc("/api/v1/images", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{
			"username": {"bob"}, "period": {"Week"}, "sort": {"Random"}, "type": {"video"},
			"baseModels": {"SDXL 1.0,Pony"}, "limit": {"5"},
		})
		writeJSON(w, 200, `{"items":[],"metadata":{}}`)
	})
	_, err := c.ListImages(t.Context(), &ImagesOptions{Username: "bob", Period: "week", Sort: "random", Type: "Video",
		BaseModels: []string{"SDXL 1.0", " ", "Pony"}, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
}
