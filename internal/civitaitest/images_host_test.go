package civitaitest

import (
	"encoding/json"
	"image/jpeg"
	"net/http"
	"strings"
	"testing"
)

// Image URLs in API answers point at the fake storage host, which serves a
// real JPEG for them (previews are fetched on loopback).
func TestImageURLsAreServed(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{Seed: 3, Models: 5, BigFileSize: 1 << 20})
	resp, err := http.Get(s.URL + "/api/v1/model-versions/10101")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Images []struct{ URL string } `json:"images"`
	}
	err = json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if err != nil || len(v.Images) == 0 {
		t.Fatalf("decode: %v, %d images", err, len(v.Images))
	}
	u := v.Images[0].URL
	if !strings.HasPrefix(u, s.StorageURL+"/image/"+imageAccount+"/") || !strings.Contains(u, "/original=true/") {
		t.Fatalf("image URL %q does not have the real shape on the storage host", u)
	}
	for _, url := range []string{u, strings.Replace(u, "original=true", "width=450", 1)} {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "image/jpeg" {
			t.Errorf("%s: Content-Type %q", url, ct)
		}
		if _, err := jpeg.Decode(resp.Body); err != nil {
			t.Errorf("%s: not a JPEG: %v", url, err)
		}
		resp.Body.Close()
	}
	resp, err = http.Get(s.StorageURL + "/image/nope/x/y/z.jpeg")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("bad image path: status %d, want 404", resp.StatusCode)
	}
}
