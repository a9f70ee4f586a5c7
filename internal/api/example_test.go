package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/civit/civit/internal/api"
)

// fakeCivitai answers /api/v1/models with two cursor pages and 404 for
// model 99, like the real server.
func fakeCivitai() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/api/v1/models" && r.URL.Query().Get("cursor") == "":
			fmt.Fprint(w, `{"items":[{"id":1,"name":"Pixel Art","type":"LORA","allowCommercialUse":"Rent"},
				{"id":2,"name":"Synthwave","type":"Checkpoint","allowCommercialUse":["Image","Sell"]}],
				"metadata":{"nextCursor":"2|100"}}`)
		case r.URL.Path == "/api/v1/models":
			fmt.Fprint(w, `{"items":[{"id":3,"name":"Toad","type":"TextualInversion"}],"metadata":{}}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":"No model with id 99"}`)
		}
	}))
}

func ExampleClient_ListModels() {
	srv := fakeCivitai()
	defer srv.Close()

	c, err := api.New(api.Options{BaseURL: srv.URL, UserAgent: "civit/example"})
	if err != nil {
		panic(err)
	}
	page, err := c.ListModels(context.Background(), &api.ModelsOptions{
		Query: "art",
		Types: []api.ModelType{api.ParseModelType("lora")},
		Sort:  "most downloaded",
		Limit: 2,
	})
	if err != nil {
		panic(err)
	}
	for _, m := range page.Items {
		fmt.Println(m.ID, m.Name, m.Type, m.AllowCommercialUse)
	}
	fmt.Println("next cursor:", page.Metadata.NextCursor)
	// Output:
	// 1 Pixel Art LORA [Rent]
	// 2 Synthwave Checkpoint [Image Sell]
	// next cursor: 2|100
}

func ExampleClient_Models() {
	srv := fakeCivitai()
	defer srv.Close()

	c, _ := api.New(api.Options{BaseURL: srv.URL})
	for m, err := range c.Models(context.Background(), &api.ModelsOptions{Query: "art"}, 10) {
		if err != nil {
			fmt.Println("error:", err)
			break
		}
		fmt.Println(m.ID, m.Name)
	}
	_, err := c.GetModel(context.Background(), 99)
	fmt.Println(errors.Is(err, api.ErrNotFound), err)
	// Output:
	// 1 Pixel Art
	// 2 Synthwave
	// 3 Toad
	// true GET /api/v1/models/99: 404 No model with id 99
}
