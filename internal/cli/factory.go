package cli

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cache"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/config"
	"github.com/civit/civit/internal/iostreams"
	"github.com/civit/civit/internal/store"
)

// testOnlyRetry replaces the retry policy in tests (set from TestMain only),
// so that scripts exercising retries run in milliseconds.
var testOnlyRetry *api.RetryPolicy

// NewFactory wires civit's dependencies. Each is built on first use.
func NewFactory(ios *iostreams.IOStreams, appVersion string, getenv func(string) string) *cmdutil.Factory {
	f := &cmdutil.Factory{AppVersion: appVersion, IOStreams: ios, Getenv: getenv}

	// Config depends on IOStreams (warnings) and the environment (the XDG
	// dirs). A key of the file civit does not know (a typo such as
	// "apikey") is named once, when a command first reads the file.
	f.Config = sync.OnceValues(func() (*config.Config, error) {
		c, err := config.LoadDefault()
		if err == nil {
			for _, k := range c.Unknown() {
				fmt.Fprintf(ios.ErrOut, "civit: warning: %s\n", c.UnknownWarning(k))
			}
		}
		return c, err
	})

	// Store depends on nothing but the environment (XDG_DATA_HOME).
	var mu sync.Mutex
	var opened []*store.Store
	keep := func(s *store.Store) {
		if s != nil {
			mu.Lock()
			opened = append(opened, s)
			mu.Unlock()
		}
	}
	f.Store = sync.OnceValues(func() (*store.Store, error) {
		path, err := store.DefaultPath(getenv)
		if err != nil {
			return nil, err
		}
		s, err := store.Open(context.Background(), path)
		keep(s)
		return s, err
	})
	// ReadStore depends on Store: a library that cannot be opened for
	// writing is read as it is, if it can be; else Store's error (and its
	// hint) stands.
	f.ReadStore = sync.OnceValues(func() (*store.Store, error) {
		s, err := f.Store()
		if err == nil {
			return s, nil
		}
		path, perr := store.DefaultPath(getenv)
		if perr != nil {
			return nil, err
		}
		ro, rerr := store.OpenReadOnly(context.Background(), path)
		if rerr != nil {
			return nil, err
		}
		keep(ro)
		return ro, nil
	})
	f.Close = func() error {
		mu.Lock()
		defer mu.Unlock()
		var first error
		for _, s := range opened {
			if err := s.Close(); first == nil {
				first = err
			}
		}
		opened = nil
		return first
	}

	// Explain depends on Config and the environment (the keys to redact).
	f.Explain = func(err error) (string, []string, int) { return explain(err, secrets(f)) }

	// HTTPClient depends on nothing but appVersion; one pooled client for
	// every API call, and for scan's previews, which it names civit.
	f.HTTPClient = sync.OnceValues(func() (*http.Client, error) {
		return cmdutil.WithUserAgent(api.NewHTTPClient(60*time.Second), "civit/"+appVersion), nil
	})

	// responseCache depends on Config; one per process so that concurrent
	// searches share its memory layer.
	responseCache := sync.OnceValue(func() api.Cache {
		ttl := cache.DefaultTTL
		if cfg, err := f.Config(); err == nil {
			if v, err := cfg.Value("cache_ttl"); err == nil && v != "" {
				ttl, _ = time.ParseDuration(v) // checked by APIClient
			}
		}
		dir, err := cache.Dir()
		if err != nil {
			return nil
		}
		if c := cache.New(dir, ttl); c != nil {
			return c
		}
		return nil
	})

	// APIClient depends on Config, HTTPClient, the response cache and
	// IOStreams (retry warnings).
	f.APIClient = func(refresh bool) (*api.Client, error) {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		hc, err := f.HTTPClient()
		if err != nil {
			return nil, err
		}
		// Values of the file it uses, checked: a bad one is an error
		// naming the file (cobra's usage would blame a flag).
		if _, err := cfg.Value("cache_ttl"); err != nil {
			return nil, err
		}
		base, src := cfg.BaseURL(getenv)
		if _, err := cfg.Value("base_url"); err != nil && src == config.SourceFile {
			return nil, err
		}
		if err := config.CheckBaseURL(base); err != nil && src == config.SourceEnv {
			// Not a usage error: no flag or argument is wrong.
			return nil, cmdutil.WithHint(fmt.Errorf("%s: %w", config.EnvBaseURL, err),
				fmt.Sprintf("set %s to the API's address, such as https://civitai.com (the default) or http://127.0.0.1:8787 for the fake server, or unset it", config.EnvBaseURL))
		}
		key, err := cfg.ValidAPIKey(getenv)
		if err != nil {
			return nil, err
		}
		retry := api.DefaultRetryPolicy()
		if testOnlyRetry != nil {
			retry = *testOnlyRetry
		}
		return api.New(api.Options{
			Retry:      retry,
			BaseURL:    base,
			APIKey:     key,
			UserAgent:  "civit/" + appVersion,
			HTTPClient: hc,
			Cache:      responseCache(),
			Refresh:    refresh,
			OnRetry: func(req string, attempt int, wait time.Duration, err error) {
				fmt.Fprintf(ios.ErrOut, "civit: warning: %s\n", cmdutil.Retrying(err, attempt, wait))
			},
			OnDownloadLimit: func(wait time.Duration, again bool) {
				fmt.Fprintf(ios.ErrOut, "civit: warning: %s\n", cmdutil.DownloadLimitWait(wait, again))
			},
		})
	}
	return f
}
