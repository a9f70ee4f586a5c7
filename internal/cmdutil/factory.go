package cmdutil

import (
	"context"
	"net/http"
	"net/url"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/config"
	"github.com/civit/civit/internal/iostreams"
	"github.com/civit/civit/internal/store"
)

// Factory builds the dependencies of commands lazily, once, in dependency
// order. Tests fill the fields they need by hand.
type Factory struct {
	AppVersion string
	IOStreams  *iostreams.IOStreams
	// Getenv reads the environment (os.Getenv in production).
	Getenv func(string) string
	// Config loads the configuration file.
	Config func() (*config.Config, error)
	// HTTPClient is the shared client for API calls. Depends on nothing.
	HTTPClient func() (*http.Client, error)
	// APIClient is the CivitAI client. Depends on Config, HTTPClient,
	// IOStreams (retry messages) and the response cache. refresh bypasses
	// cached answers.
	APIClient func(refresh bool) (*api.Client, error)
	// Store is the library database, opened on first use (ctx: a wait
	// for another writer stops with it). Depends on the environment
	// (XDG_DATA_HOME). Nil in tests that do not need it.
	Store func(ctx context.Context) (*store.Store, error)
	// ReadStore is the library for a command that only reads it: Store,
	// or, when that cannot be opened for writing (library.db owned by
	// another user, a read-only mount), the database opened read-only.
	// Depends on Store. Nil in tests: StoreToRead uses Store then.
	ReadStore func(ctx context.Context) (*store.Store, error)
	// Explain turns an error into what the command line prints for it:
	// the message (secrets redacted), the hints and the exit code. Nil in
	// tests that do not need it.
	Explain func(err error) (msg string, hints []string, code int)
	// Close releases what the command opened (the library database, whose
	// write-ahead log SQLite folds into the file on close). Run calls it
	// when the command ends. Nil in tests that do not need it.
	Close func() error
}

// ConfigHost is the host of the configured API base URL ("" when unknown),
// which target parsing accepts as a CivitAI host (e.g. a fake server).
func ConfigHost(f *Factory) string {
	if f.Config == nil {
		return ""
	}
	cfg, err := f.Config()
	if err != nil {
		return ""
	}
	base, _ := cfg.BaseURL(f.Getenv)
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Host
}

// PreviewMaxNSFW is the preview_max_rating setting as the largest nsfwLevel
// of an image saved as a model's preview (0: any). A value civit does not
// know is an error (taken as any, it would save the images it was meant
// to keep out).
func PreviewMaxNSFW(f *Factory) (int, error) {
	if f.Config == nil {
		return 0, nil
	}
	cfg, err := f.Config()
	if err != nil {
		return 0, err
	}
	v, err := cfg.Value("preview_max_rating")
	if err != nil {
		return 0, err
	}
	return config.PreviewMaxNSFW(v)
}

// StoreToRead is the library for a command that only reads it: ReadStore,
// or Store where the factory has no ReadStore (tests).
func (f *Factory) StoreToRead(ctx context.Context) (*store.Store, error) {
	if f.ReadStore != nil {
		return f.ReadStore(ctx)
	}
	return f.Store(ctx)
}
