package civitaitest

import "time"

// Options configures a fake server. The zero value is usable: every field
// has a default, applied by NewServer (and by NewCatalog).
type Options struct {
	// Seed selects the catalog; the same Seed (and sizes) gives a
	// byte-identical catalog, JSON and file bodies.
	Seed int64
	// Models is the number of generated models besides the fixtures
	// (default 300; 0 means the default, use a negative value for none).
	Models int
	// APIKeys are the keys accepted as valid, sent as "Authorization: Bearer K"
	// or "?token=K" (default {"test-key"}). Unknown keys are anonymous (§1).
	APIKeys []string
	// EarlyAccessKeys are keys that "bought" early access: with one of them
	// the download of an early-access version succeeds instead of 403.
	EarlyAccessKeys []string
	// MinFileSize and MaxFileSize bound generated file sizes (defaults 4 KiB
	// and 2 MiB; sizes are log-uniform so most files are small).
	MinFileSize, MaxFileSize int64
	// BigFileSize is the size of FixtureBig's file (default 64 MiB).
	BigFileSize int64
	// SizeOverrides sets the exact size of given file ids.
	SizeOverrides map[int64]int64
	// WrongHash lists file ids whose published hashes do not match their
	// body (FixtureWrongHash's file always has this property).
	WrongHash map[int64]bool
	// URLTTL is the validity of signed storage URLs (default 24h, as the
	// real X-Amz-Expires=86400). Expired URLs get 403 from storage.
	URLTTL time.Duration
	// DownloadLimit is the number of /api/download requests allowed per key
	// (API key or client IP) per minute; beyond it the endpoint answers 429
	// with the real limiter body. 0 means unlimited.
	DownloadLimit int
	// DownloadLimitWindow is the limiter's sliding window (default
	// DefaultDownloadLimitWindow, a minute as observed; tests shorten it).
	DownloadLimitWindow time.Duration
	// RequireAuthForDownloads mirrors the server flag
	// UNAUTHENTICATED_DOWNLOAD=false: every download needs a valid key.
	RequireAuthForDownloads bool
	// Now is the clock used for URL expiry, early access and the download
	// limiter (default time.Now). Catalog dates do not depend on it.
	Now func() time.Time
	// APIAddr and StorageAddr are the listen addresses (default
	// "127.0.0.1:0" each).
	APIAddr, StorageAddr string
	// StorageHost is the host name used in StorageURL and signed URLs
	// (default "localhost", which must resolve to the storage listener). It
	// differs from the API's 127.0.0.1 on purpose: clients must see two
	// hosts, so that Authorization is not forwarded to storage.
	StorageHost string
	// CountPageTotals makes /tags report the exact totalItems and
	// totalPages. By default both are 0, as §2.8 says they may be on the
	// real server: clients must page by nextPage. /creators always
	// reports them (§2.7).
	CountPageTotals bool
	// Logf, when set, receives one line per request.
	Logf func(format string, args ...any)
}

// Defaults used when an Options field is zero.
const (
	DefaultModels      = 300
	DefaultMinFileSize = 4 << 10
	DefaultMaxFileSize = 2 << 20
	DefaultBigFileSize = 64 << 20
	DefaultURLTTL      = 24 * time.Hour
	// DefaultDownloadLimitWindow is the download limiter's window.
	DefaultDownloadLimitWindow = time.Minute
	DefaultAPIKey              = "test-key"
)

func (o Options) withDefaults() Options {
	if o.Models == 0 {
		o.Models = DefaultModels
	}
	if o.Models < 0 {
		o.Models = 0
	}
	if len(o.APIKeys) == 0 {
		o.APIKeys = []string{DefaultAPIKey}
	}
	if o.MinFileSize <= 0 {
		o.MinFileSize = DefaultMinFileSize
	}
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.MaxFileSize < o.MinFileSize {
		o.MaxFileSize = o.MinFileSize
	}
	if o.BigFileSize <= 0 {
		o.BigFileSize = DefaultBigFileSize
	}
	if o.URLTTL <= 0 {
		o.URLTTL = DefaultURLTTL
	}
	if o.DownloadLimitWindow <= 0 {
		o.DownloadLimitWindow = DefaultDownloadLimitWindow
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.APIAddr == "" {
		o.APIAddr = "127.0.0.1:0"
	}
	if o.StorageAddr == "" {
		o.StorageAddr = "127.0.0.1:0"
	}
	if o.StorageHost == "" {
		o.StorageHost = "localhost"
	}
	return o
}
