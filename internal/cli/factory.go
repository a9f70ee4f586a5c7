package cli

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cache"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/config"
	"github.com/civit/civit/internal/iostreams"
)

// NewFactory wires civit's dependencies. Each is built on first use.
func NewFactory(ios *iostreams.IOStreams, appVersion string, getenv func(string) string) *cmdutil.Factory {
	f := &cmdutil.Factory{AppVersion: appVersion, IOStreams: ios, Getenv: getenv}

	// Config depends on nothing (the XDG dirs come from the environment).
	f.Config = sync.OnceValues(config.LoadDefault)

	// HTTPClient depends on nothing; one pooled client for every API call.
	f.HTTPClient = sync.OnceValues(func() (*http.Client, error) {
		return api.NewHTTPClient(60 * time.Second), nil
	})

	// APIClient depends on Config, HTTPClient and IOStreams.
	f.APIClient = func(refresh bool) (*api.Client, error) {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		hc, err := f.HTTPClient()
		if err != nil {
			return nil, err
		}
		base, _ := cfg.BaseURL(getenv)
		key, _, _ := cfg.APIKey(getenv)
		ttl := cache.DefaultTTL
		if v := cfg.Get("cache_ttl"); v != "" {
			if d, err := time.ParseDuration(v); err == nil {
				ttl = d
			}
		}
		var c api.Cache
		if dir, err := cache.Dir(); err == nil {
			if rc := cache.New(dir, ttl); rc != nil {
				c = rc
			}
		}
		return api.New(api.Options{
			BaseURL:    base,
			APIKey:     key,
			UserAgent:  "civit/" + appVersion,
			HTTPClient: hc,
			Cache:      c,
			Refresh:    refresh,
			OnRetry: func(req string, attempt int, wait time.Duration, err error) {
				fmt.Fprintf(ios.ErrOut, "civit: warning: %v; retrying in %s (attempt %d)\n", err, wait.Round(100*time.Millisecond), attempt+1)
			},
		})
	}
	return f
}
