package civitaitest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a running fake: an API host (URL) and a storage host
// (StorageURL) listening on loopback.
type Server struct {
	// URL is the API base, e.g. http://127.0.0.1:41235; it serves
	// /api/v1/..., /api/download/... and the /__fake/ admin endpoints.
	URL string
	// StorageURL is the base of the second host that serves signed file URLs.
	StorageURL string
	// Catalog is the data served.
	Catalog *Catalog

	opts    Options
	signKey []byte

	apiSrv, stSrv *http.Server
	apiH, stH     http.Handler
	serveWG       sync.WaitGroup
	baseCtx       context.Context
	cancel        context.CancelFunc
	closeOnce     sync.Once

	mu     sync.Mutex
	faults []*faultState
	reqs   []RequestRecord
	dlHits map[string][]time.Time
	keySet map[string]bool
	eaKeys map[string]bool
}

// RequestRecord describes one request the server answered (admin requests
// under /__fake/ are not recorded).
type RequestRecord struct {
	Host             string `json:"host"` // "api" or "storage"
	Method           string `json:"method"`
	Path             string `json:"path"`
	RawQuery         string `json:"rawQuery"`
	HasAuthorization bool   `json:"hasAuthorization"`
	Authorization    string `json:"authorization,omitempty"`
	Range            string `json:"range,omitempty"`
	IfRange          string `json:"ifRange,omitempty"`
	UserAgent        string `json:"userAgent"`
	Status           int    `json:"status"` // 0 when the connection was reset before a status
	BytesSent        int64  `json:"bytesSent"`
}

// NewServer generates the catalog and starts both hosts.
func NewServer(opts Options) (*Server, error) {
	opts = opts.withDefaults()
	s := &Server{
		Catalog: NewCatalog(opts),
		opts:    opts,
		dlHits:  map[string][]time.Time{},
		keySet:  map[string]bool{},
		eaKeys:  map[string]bool{},
	}
	for _, k := range opts.APIKeys {
		s.keySet[k] = true
	}
	for _, k := range opts.EarlyAccessKeys {
		s.keySet[k] = true
		s.eaKeys[k] = true
	}
	var kb [8]byte
	binary.LittleEndian.PutUint64(kb[:], splitmix64(uint64(opts.Seed)^0xA11CE))
	mac := hmac.New(sha256.New, []byte("civitaitest-signing"))
	mac.Write(kb[:])
	s.signKey = mac.Sum(nil)
	s.baseCtx, s.cancel = context.WithCancel(context.Background())

	apiLn, err := net.Listen("tcp", opts.APIAddr)
	if err != nil {
		return nil, fmt.Errorf("civitaitest: listen api: %w", err)
	}
	stLn, err := net.Listen("tcp", opts.StorageAddr)
	if err != nil {
		apiLn.Close()
		return nil, fmt.Errorf("civitaitest: listen storage: %w", err)
	}
	s.URL = "http://" + apiLn.Addr().String()
	// The storage host is named "localhost" rather than 127.0.0.1 so that
	// HTTP clients treat it as another host than the API (as civitai.com vs
	// the R2 bucket): Go's client then drops Authorization on the redirect.
	_, stPort, _ := net.SplitHostPort(stLn.Addr().String())
	s.StorageURL = "http://" + net.JoinHostPort(opts.StorageHost, stPort)
	s.apiH = s.admin(s.record("api", s.withFaults("api", http.HandlerFunc(s.serveAPI))))
	s.stH = s.record("storage", s.withFaults("storage", http.HandlerFunc(s.serveStorage)))
	base := func(net.Listener) context.Context { return s.baseCtx }
	s.apiSrv = &http.Server{Handler: s.apiH, BaseContext: base, ReadHeaderTimeout: 10 * time.Second}
	s.stSrv = &http.Server{Handler: s.stH, BaseContext: base, ReadHeaderTimeout: 10 * time.Second}
	for _, p := range []struct {
		srv *http.Server
		ln  net.Listener
	}{{s.apiSrv, apiLn}, {s.stSrv, stLn}} {
		s.serveWG.Add(1)
		go func() {
			defer s.serveWG.Done()
			_ = p.srv.Serve(p.ln)
		}()
	}
	return s, nil
}

// NewTestServer is NewServer for tests: it fails tb on error and closes
// the server in tb.Cleanup.
func NewTestServer(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s, err := NewServer(opts)
	if err != nil {
		tb.Fatalf("civitaitest: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Close stops both hosts, aborting requests in flight (stalled or
// throttled responses included). It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.cancel()
		_ = s.apiSrv.Close()
		_ = s.stSrv.Close()
		s.serveWG.Wait()
	})
}

// APIHandler returns the API host's handler (with recording, faults and
// admin endpoints), for mounting in another server. Download redirects
// still point at StorageURL.
func (s *Server) APIHandler() http.Handler { return s.apiH }

// StorageHandler returns the storage host's handler.
func (s *Server) StorageHandler() http.Handler { return s.stH }

// Requests returns a copy of the requests answered so far, in completion
// order.
func (s *Server) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RequestRecord(nil), s.reqs...)
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	s.reqs = nil
	s.mu.Unlock()
}

// MutateFile changes a file's content at run time: new bytes, new ETag and
// Last-Modified, same size; published hashes follow the new bytes (unless
// the file has WrongHash). Signed URLs issued before stay valid and serve
// the new bytes, like an object replaced in a bucket.
func (s *Server) MutateFile(fileID int64) error {
	f, ok := s.Catalog.File(fileID)
	if !ok {
		return fmt.Errorf("civitaitest: no file %d", fileID)
	}
	f.gen.Add(1)
	s.Catalog.mutation.Add(1)
	return nil
}

// HideModel hides a model, or shows it again, as CivitAI hides brand-new
// and just-edited models for hours or days (§2.2, issues #1763 and #3202;
// their computed nsfwLevel is still 0): /models/{id} answers 404 "No model
// with id", the lists leave it out and /model-versions/{id} answers 404,
// while by-hash and the download endpoint still serve its versions.
func (s *Server) HideModel(id int64, hidden bool) error {
	m, ok := s.Catalog.Model(id)
	if !ok {
		return fmt.Errorf("civitaitest: no model %d", id)
	}
	m.hidden.Store(hidden)
	return nil
}

func (s *Server) now() time.Time { return s.opts.Now() }

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

// apiKey returns the key of the request as the server reads it (§1):
// the second word of Authorization, else ?token=.
func apiKey(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		parts := strings.Split(h, " ")
		if len(parts) > 1 && parts[1] != "" {
			return parts[1]
		}
	}
	return r.URL.Query().Get("token")
}

// session returns the valid key of the request, or "" (anonymous).
func (s *Server) session(r *http.Request) string {
	k := apiKey(r)
	if k != "" && s.keySet[k] {
		return k
	}
	return ""
}

// recWriter captures status and body size.
type recWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (w *recWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

func (w *recWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *recWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// record appends a RequestRecord when the request completes, even when
// it is aborted by a fault.
func (s *Server) record(host string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &recWriter{ResponseWriter: w}
		defer func() {
			auth := r.Header.Get("Authorization")
			rec := RequestRecord{
				Host: host, Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
				HasAuthorization: auth != "", Authorization: auth,
				Range: r.Header.Get("Range"), IfRange: r.Header.Get("If-Range"),
				UserAgent: r.UserAgent(), Status: rw.status, BytesSent: rw.n,
			}
			s.mu.Lock()
			s.reqs = append(s.reqs, rec)
			s.mu.Unlock()
			s.logf("civitai-fake: %s %s %s -> %d (%d bytes)", host, r.Method, r.URL.RequestURI(), rw.status, rw.n)
		}()
		next.ServeHTTP(rw, r)
	})
}

// sleepCtx sleeps d or until ctx is done; it reports whether d elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// abortConn makes net/http close the connection abruptly (after what was
// flushed), which the client sees as a reset or an unexpected EOF.
func abortConn() { panic(http.ErrAbortHandler) }
