package civitaitest

import (
	"encoding/json"
	"image/jpeg"
	"net/http"
	"regexp"
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

// The version views send original=true image URLs (§2.3); the list, the
// model and /images send width=<the image's width>, as the samples do.
func TestImageURLTransform(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{Seed: 3, Models: 5, BigFileSize: 1 << 20})
	urls := func(path string) []string {
		r := get(t, s.URL+path)
		if r.status != 200 {
			t.Fatalf("%s: %d", path, r.status)
		}
		var out []string
		for _, m := range regexp.MustCompile(`"url":"([^"]+)"`).FindAllSubmatch(r.body, -1) {
			if u := string(m[1]); strings.Contains(u, "/image/") {
				out = append(out, u)
			}
		}
		if len(out) == 0 {
			t.Fatalf("%s: no image URLs", path)
		}
		return out
	}
	width := regexp.MustCompile(`/width=[1-9][0-9]*/[0-9]+\.(jpeg|mp4)$`)
	for _, path := range []string{"/api/v1/models?ids=101", "/api/v1/models/101", "/api/v1/images?modelVersionId=10101"} {
		for _, u := range urls(path) {
			if !width.MatchString(u) {
				t.Errorf("%s: %s has no width= segment", path, u)
			}
		}
	}
	for _, path := range []string{"/api/v1/model-versions/10101", "/api/v1/model-versions/by-hash/" + mustFile(t, s, 1010101).SHA256()} {
		for _, u := range urls(path) {
			if !strings.Contains(u, "/original=true/") {
				t.Errorf("%s: %s is not original=true", path, u)
			}
		}
	}
}
