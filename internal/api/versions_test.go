package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGetModelVersion(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, Options{})
	body := sample(t, "model-version-1.json")
	mux.HandleFunc("/api/v1/model-versions/1318", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		writeJSON(w, 200, string(body))
	})
	mux.HandleFunc("/api/v1/model-versions/5", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, string(sample(t, "error-404-model-version-1.json")))
	})
	v, err := c.GetModelVersion(t.Context(), 1318)
	if err != nil {
		t.Fatal(err)
	}
	if v.ID != 1318 || v.Model.Name != "froggy style" || len(v.Files) != 1 {
		t.Errorf("version = %+v", v)
	}
	_, err = c.GetModelVersion(t.Context(), 5)
	if !errors.Is(err, ErrNotFound) || !strings.HasSuffix(err.Error(), ": 404 Model not found") {
		t.Errorf("err = %v", err)
	}
	var ve *ValidationError
	if _, err := c.GetModelVersion(t.Context(), -1); !errors.As(err, &ve) {
		t.Errorf("negative id: %v", err)
	}
}

func TestGetModelVersionByHash(t *testing.T) {
	t.Parallel()
	const sha = "b76a1fc247db893bc8c1290420f0e96b6f86129576a9fb885c20cb7edbefeea5"
	tests := []struct {
		in       string
		wantPath string
		wantErr  bool
	}{
		{in: sha, wantPath: strings.ToUpper(sha)},
		{in: "  " + sha + "\n", wantPath: strings.ToUpper(sha)},
		{in: "28dff7ec", wantPath: "28DFF7EC"},         // AutoV1 / CRC32
		{in: "B76A1FC247", wantPath: "B76A1FC247"},     // AutoV2
		{in: "8c0fd69af3d1", wantPath: "8C0FD69AF3D1"}, // AutoV3
		{in: "", wantErr: true},
		{in: "123", wantErr: true},
		{in: "B76A1FC24", wantErr: true},      // 9
		{in: "G76A1FC247", wantErr: true},     // not hex
		{in: sha + "00", wantErr: true},       // 66
		{in: "../../models/1", wantErr: true}, // path injection
		{in: "B76A1FC2 7", wantErr: true},     // inner space
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t, Options{})
			mux.HandleFunc("/api/v1/model-versions/by-hash/", func(w http.ResponseWriter, r *http.Request) {
				if tt.wantErr {
					t.Errorf("request sent for invalid hash: %s", r.URL)
				}
				if got := strings.TrimPrefix(r.URL.Path, "/api/v1/model-versions/by-hash/"); got != tt.wantPath {
					t.Errorf("path hash = %q, want %q", got, tt.wantPath)
				}
				writeJSON(w, 200, `{"id":1421739,"files":[{"id":1,"hashes":{"SHA256":"`+strings.ToUpper(sha)+`"}}]}`)
			})
			v, err := c.GetModelVersionByHash(t.Context(), tt.in)
			if tt.wantErr {
				var ve *ValidationError
				if !errors.As(err, &ve) || ve.Field != "hash" {
					t.Errorf("err = %v, want *ValidationError", err)
				}
				return
			}
			if err != nil || v.ID != 1421739 {
				t.Errorf("v = %+v, err = %v", v, err)
			}
		})
	}
}

func TestGetModelVersionsByHashes(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, Options{APIKey: testKey})
	var mu sync.Mutex
	var batches [][]string
	mux.HandleFunc("/api/v1/model-versions/by-hash", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		testHeader(t, r, "Content-Type", "application/json")
		testHeader(t, r, "Authorization", "Bearer "+testKey)
		b, _ := io.ReadAll(r.Body)
		var hashes []string
		if err := json.Unmarshal(b, &hashes); err != nil {
			t.Errorf("body %q: %v", b, err)
		}
		mu.Lock()
		batches = append(batches, hashes)
		mu.Unlock()
		// Answer only for every tenth hash; misses are dropped. Echo one
		// version twice across batches to prove deduplication.
		var out []string
		for _, h := range hashes {
			var n int
			_, _ = fmt.Sscanf(h[56:], "%08X", &n)
			if n%10 == 0 {
				out = append(out, fmt.Sprintf(`{"id":%d,"files":[{"hashes":{"SHA256":"%s"}}]}`, n+1, h))
			}
		}
		out = append(out, `{"id":1,"files":[]}`, `null`)
		writeJSON(w, 200, "["+strings.Join(out, ",")+"]")
	})
	var in []string
	for i := range 250 {
		in = append(in, fmt.Sprintf("%056x%08x", 0, i))
	}
	in = append(in, strings.ToUpper(in[0])) // duplicate, other case
	got, err := c.GetModelVersionsByHashes(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) != 3 || len(batches[0]) != 100 || len(batches[1]) != 100 || len(batches[2]) != 50 {
		t.Fatalf("batch sizes = %d", len(batches))
	}
	if batches[0][0] != strings.ToUpper(in[0]) {
		t.Errorf("hash not upper-cased: %q", batches[0][0])
	}
	var ids []int64
	for _, v := range got {
		ids = append(ids, v.ID)
	}
	want := []int64{1, 11, 21, 31, 41, 51, 61, 71, 81, 91, 101, 111, 121, 131, 141, 151, 161, 171, 181, 191, 201, 211, 221, 231, 241}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
}

func TestGetModelVersionsByHashesValidation(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, Options{})
	mux.HandleFunc("/api/v1/model-versions/by-hash", func(w http.ResponseWriter, r *http.Request) {
		t.Error("request sent")
	})
	got, err := c.GetModelVersionsByHashes(t.Context(), nil)
	if err != nil || got != nil {
		t.Errorf("empty input: %v, %v", got, err)
	}
	var ve *ValidationError
	_, err = c.GetModelVersionsByHashes(t.Context(), []string{strings.Repeat("a", 64), "B76A1FC247"})
	if !errors.As(err, &ve) {
		t.Errorf("AutoV2 in bulk: err = %v", err)
	}
}
