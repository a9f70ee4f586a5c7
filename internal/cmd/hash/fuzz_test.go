package hash

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/iostreams"
)

// FuzzHashArg feeds one argument to `civit hash` (against a server that
// knows no hash): it is a file, a hash the API client accepts too, or a
// usage error; never a hash the command takes and the client refuses.
func FuzzHashArg(f *testing.F) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":"Model not found"}`))
	}))
	f.Cleanup(srv.Close)
	for _, s := range []string{"D18E887B63", "d18e887b63", " 5C3CBC1B ", "5C3CBC1B7C8B", strings.Repeat("ab", 32), strings.Repeat("g", 64),
		"0x12345678", "123456789", "", "\t", "-", "urn:air:sdxl:lora:civitai:1@2", "ÿ1234567"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		if strings.ContainsAny(arg, "/\\") || strings.HasPrefix(arg, ".") || strings.HasSuffix(arg, ".go") || strings.Contains(arg, "testdata") || arg == "-" {
			return // a path, or stdin ("-"): files are another test's business
		}
		ios, _, _, _ := iostreams.Test()
		fac := &cmdutil.Factory{IOStreams: ios, APIClient: func(bool) (*api.Client, error) {
			return api.New(api.Options{BaseURL: srv.URL})
		}}
		err := run(t.Context(), &Options{Factory: fac, Args: []string{arg}, JSON: true})
		var fe *cmdutil.FlagError
		if errors.As(err, &fe) {
			if validHash(strings.TrimSpace(arg)) {
				t.Fatalf("hash %q refused as usage: %v", arg, err)
			}
			return
		}
		var ve *api.ValidationError
		if errors.As(err, &ve) {
			t.Fatalf("civit hash %q took it as a hash the API client refuses: %v", arg, err)
		}
		if !validHash(strings.TrimSpace(arg)) {
			t.Fatalf("civit hash %q looked up, not a hash: %v", arg, err)
		}
	})
}
