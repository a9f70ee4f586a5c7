package civitaitest

import (
	"strings"
	"testing"
)

// TestImagesNumericIssues checks the 400 issues of the /images numbers:
// numericString() is Number(v), so text gives NaN and z.number()'s
// invalid_type issue, not a bound; issues carry the keys /models issues
// carry (expected/received, minimum/maximum/type/inclusive/exact).
func TestImagesNumericIssues(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t, Options{BigFileSize: 1 << 20, Seed: 3, Models: 5})
	nan := func(path string) string {
		return `{"code":"invalid_type","expected":"number","received":"nan","path":[` + path + `],"message":"Expected number, received nan"}`
	}
	tests := []struct {
		name, path, issue string
	}{
		{"limit text", "/api/v1/images?limit=abc", nan(`"limit"`)},
		{"models limit text, same issue", "/api/v1/models?limit=abc", nan(`"limit"`)},
		{"limit repeated", "/api/v1/images?limit=1&limit=2", nan(`"limit"`)},
		{"limit too big", "/api/v1/images?limit=201",
			`{"code":"too_big","maximum":200,"type":"number","inclusive":true,"exact":false,"path":["limit"],"message":"Number must be less than or equal to 200"}`},
		{"limit negative", "/api/v1/images?limit=-1",
			`{"code":"too_small","minimum":0,"type":"number","inclusive":true,"exact":false,"path":["limit"],"message":"Number must be greater than or equal to 0"}`},
		{"page text", "/api/v1/images?page=abc", nan(`"page"`)},
		{"modelId text", "/api/v1/images?modelId=x", nan(`"modelId"`)},
		{"userId text", "/api/v1/images?userId=y", nan(`"userId"`)},
		{"browsingLevel text", "/api/v1/images?browsingLevel=z", nan(`"browsingLevel"`)},
		{"tags element text", "/api/v1/images?tags=1,x", nan(`"tags",1`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := get(t, s.URL+tt.path)
			if r.status != 400 || !strings.Contains(string(r.body), tt.issue) {
				t.Errorf("%d %s\nwant 400 with %s", r.status, r.body, tt.issue)
			}
		})
	}
}
