package api_test

import (
	"testing"

	"github.com/civit/civit/internal/civitaitest"
)

// TestGetVersionMini: the pre-flight says whether a key is needed and
// whether access must be bought, and asks nothing of the download endpoint.
func TestGetVersionMini(t *testing.T) {
	t.Parallel()
	c, s := fakeServerClient(t, civitaitest.Options{BigFileSize: 1 << 20, Seed: 1, Models: -1})
	tests := []struct {
		version           int64
		auth, permission  bool
		earlyAccessEndSet bool
	}{
		{version: civitaitest.FixturePublicLoRA*100 + 1},
		{version: civitaitest.FixtureAuthRequired*100 + 1, auth: true},
		{version: civitaitest.FixtureEarlyAccess*100 + 1, permission: true, earlyAccessEndSet: true},
	}
	for _, tt := range tests {
		m, err := c.GetVersionMini(t.Context(), tt.version)
		if err != nil {
			t.Fatalf("version %d: %v", tt.version, err)
		}
		if bool(m.RequireAuth) != tt.auth || bool(m.CheckPermission) != tt.permission || m.EarlyAccessEndsAt.IsZero() == tt.earlyAccessEndSet || m.FileName == "" {
			t.Errorf("version %d: %+v", tt.version, m)
		}
	}
	for _, r := range s.Requests() {
		if r.Path != "" && len(r.Path) >= len("/api/download") && r.Path[:len("/api/download")] == "/api/download" {
			t.Errorf("asked the download endpoint: %s", r.Path)
		}
	}
}
