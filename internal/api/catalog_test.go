package api

import (
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestListImages(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, Options{})
	mux.HandleFunc("/api/v1/images", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, url.Values{
			"modelId": {"1"}, "modelVersionId": {"2"}, "postId": {"3"}, "username": {"u"}, "nsfw": {"Mature"},
			"sort": {"Most Reactions"}, "period": {"Day"}, "limit": {"200"}, "cursor": {"101"}, "withMeta": {"true"},
		})
		writeJSON(w, 200, string(sample(t, "images-list-1.json")))
	})
	p, err := c.ListImages(t.Context(), &ImagesOptions{ModelID: 1, ModelVersionID: 2, PostID: 3, Username: "u", NSFW: "mature",
		Sort: "most reactions", Period: "day", Limit: 200, Cursor: "101", WithMeta: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 1 || p.Items[0].ID != 469632 || p.Metadata.NextCursor != "101" {
		t.Errorf("page = %+v", p)
	}
	var ve *ValidationError
	if _, err := c.ListImages(t.Context(), &ImagesOptions{Limit: 201}); !errors.As(err, &ve) {
		t.Errorf("limit 201: %v", err)
	}
}

func TestListImagesNSFWBool(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, Options{})
	mux.HandleFunc("/api/v1/images", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"nsfw": {"true"}})
		writeJSON(w, 200, `{"items":[],"metadata":{}}`)
	})
	if _, err := c.ListImages(t.Context(), &ImagesOptions{NSFW: "TRUE"}); err != nil {
		t.Fatal(err)
	}
}

func TestListTagsAndCreators(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, Options{})
	want := url.Values{"query": {"comic"}, "limit": {"3"}, "page": {"2"}}
	mux.HandleFunc("/api/v1/tags", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, want)
		writeJSON(w, 200, string(sample(t, "tags-list-1.json")))
	})
	mux.HandleFunc("/api/v1/creators", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, want)
		writeJSON(w, 200, string(sample(t, "creators-list-1.json")))
	})
	opts := &ListOptions{Query: "comic", Limit: 3, Page: 2}
	tp, err := c.ListTags(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(tp.Items) != 3 || tp.Items[2].Name != "style" || tp.Metadata.TotalPages != 67 {
		t.Errorf("tags = %+v", tp)
	}
	cp, err := c.ListCreators(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(cp.Items) != 3 || cp.Items[1].Username != "JustMaier" || cp.Metadata.NextPage == "" {
		t.Errorf("creators = %+v", cp)
	}
	var ve *ValidationError
	if _, err := c.ListTags(t.Context(), &ListOptions{Page: -2}); !errors.As(err, &ve) {
		t.Errorf("page -2: %v", err)
	}
	if _, err := c.ListCreators(t.Context(), &ListOptions{Limit: 500}); !errors.As(err, &ve) {
		t.Errorf("limit 500: %v", err)
	}
}

func TestGetEnums(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, Options{})
	mux.HandleFunc("/api/v1/enums", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		writeJSON(w, 200, `{"ModelType":["Checkpoint","LORA"],"ModelFileType":["Model","VAE"],"ActiveBaseModel":["SDXL 1.0"],"BaseModel":["SD 1.5","SDXL 1.0"],"BaseModelType":["Standard"],"Extra":[1]}`)
	})
	got, err := c.GetEnums(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := &Enums{ModelType: []string{"Checkpoint", "LORA"}, ModelFileType: []string{"Model", "VAE"}, ActiveBaseModel: []string{"SDXL 1.0"},
		BaseModel: []string{"SD 1.5", "SDXL 1.0"}, BaseModelType: []string{"Standard"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("enums (-want +got):\n%s", diff)
	}
}
