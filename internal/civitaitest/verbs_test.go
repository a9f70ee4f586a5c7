package civitaitest

import (
	"fmt"
	"net/http"
	"testing"
)

// TestVerbsByEndpointClass checks §1 [S-ep]: PublicEndpoint does not look
// at the verb, so POST, PUT, DELETE and PATCH run the handler like a GET;
// only MixedAuthEndpoint (/models, /model-versions/{id}) answers 405
// {"error":"Method not allowed"}. OPTIONS is a preflight on public
// endpoints and a wrong verb on mixed ones.
func TestVerbsByEndpointClass(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 2, Models: 3})
	f := mustFile(t, s, fid(vid(FixturePublicLoRA, 1), 1))
	public := []string{
		"/api/v1/models/101",
		"/api/v1/models/999999",
		"/api/v1/model-versions/by-hash/" + f.PublishedHashes()["SHA256"],
		"/api/v1/images?limit=2",
		"/api/v1/creators?limit=2",
		"/api/v1/tags?limit=2",
		"/api/v1/enums",
		fmt.Sprintf("/api/download/models/%d", vid(FixturePublicLoRA, 1)),
	}
	mixed := []string{"/api/v1/models?limit=1", fmt.Sprintf("/api/v1/model-versions/%d", vid(FixturePublicLoRA, 1))}
	type tc struct {
		name, method, path string
		status             int
		body               string // exact; "" = the GET body
	}
	var tests []tc
	for _, p := range public {
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
			tests = append(tests, tc{name: m + " " + p, method: m, path: p})
		}
		tests = append(tests, tc{name: "OPTIONS " + p, method: http.MethodOptions, path: p, status: 200, body: "-"})
	}
	for _, p := range mixed {
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions} {
			tests = append(tests, tc{name: m + " " + p, method: m, path: p, status: 405, body: `{"error":"Method not allowed"}`})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := get(t, s.URL+tt.path)
			if tt.status != 0 {
				want.status = tt.status
			}
			switch tt.body {
			case "":
			case "-":
				want.body = nil
			default:
				want.body = []byte(tt.body)
			}
			got := call(t, tt.method, s.URL+tt.path, nil)
			if got.status != want.status || want.status != http.StatusTemporaryRedirect && string(got.body) != string(want.body) {
				t.Errorf("%d %.300s, want %d %.300s", got.status, got.body, want.status, want.body)
			}
		})
	}
}
