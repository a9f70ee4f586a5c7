package civitaitest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// limiterMessage is the download limiter's body (§2.10).
const limiterMessage = "We've noticed an unusual amount of downloading from your account. Contact support@civitai.com or come back later."

// isBrowser is isRequestFromBrowser ([S-req], §1).
func isBrowser(r *http.Request) bool {
	ua := strings.ToLower(r.UserAgent())
	for _, w := range []string{"mozilla", "chrome", "safari", "firefox", "opera", "edge"} {
		if strings.Contains(ua, w) {
			return true
		}
	}
	return false
}

// downloadInput is the download endpoint's query (§2.10 [S-dl] schema).
type downloadInput struct {
	typ, format, size, fp, quant string
	fileID                       int64
}

// limited reports whether key has used its download budget (sliding
// window, a minute by default, successes only, like the real limiter's
// counter).
func (s *Server) limited(key string) bool {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.DownloadLimit <= 0 {
		return false
	}
	hits := s.dlHits[key]
	kept := hits[:0]
	for _, t := range hits {
		if now.Sub(t) < s.opts.DownloadLimitWindow {
			kept = append(kept, t)
		}
	}
	s.dlHits[key] = kept
	return len(kept) >= s.opts.DownloadLimit
}

func (s *Server) countDownload(key string) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.DownloadLimit <= 0 {
		return
	}
	s.dlHits[key] = append(s.dlHits[key], now)
}

// SetDownloadLimit changes Options.DownloadLimit and, when window > 0,
// Options.DownloadLimitWindow of a running server (end-to-end scripts
// share one server setup); the downloads counted so far are forgotten.
func (s *Server) SetDownloadLimit(limit int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.DownloadLimit = limit
	if window > 0 {
		s.opts.DownloadLimitWindow = window
	}
	s.dlHits = map[string][]time.Time{}
}

// handleDownload is GET /api/download/models/{modelVersionId}, following
// the outcome table of §2.10 in the server's order of checks.
func (s *Server) handleDownload(w http.ResponseWriter, r *http.Request, idStr string) {
	if !s.headers(w, r, classPublic, publicCache, http.MethodGet, http.MethodHead) {
		return
	}
	browser := isBrowser(r)
	errorResponse := func(status int, msg string) {
		if browser {
			// res.send(message): a bare text body.
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Content-Length", strconv.Itoa(len(msg)))
			w.WriteHeader(status)
			if r.Method != http.MethodHead {
				_, _ = w.Write([]byte(msg))
			}
			return
		}
		s.respond(w, r, status, errBody(msg))
	}
	redirect := func(loc string) {
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusTemporaryRedirect)
	}
	session := s.session(r)
	userKey := session
	if userKey == "" {
		userKey, _, _ = net.SplitHostPort(r.RemoteAddr)
	}
	if userKey == "" {
		errorResponse(http.StatusForbidden, "Forbidden")
		return
	}
	if s.limited(userKey) {
		errorResponse(http.StatusTooManyRequests, limiterMessage)
		return
	}

	// Validate the query like the Zod schema (400 is always JSON).
	q := parseQuery(r.URL.RawQuery)
	var in downloadInput
	var bad []string
	enum := func(key string, options []string) string {
		v, ok, _ := q.one(key)
		if ok && !contains(options, v) {
			bad = append(bad, fmt.Sprintf("✖ Invalid option: expected one of %s\n  → at %s", quoteOptions(options), key))
		}
		return v
	}
	// fp and quantType are free strings of at most 64 characters, not
	// enums (§2.10 [S-dl] schema: "fp (string ≤64)", "quantType (≤64)"):
	// an unknown value is scored and then fails or passes the misalignment
	// check (404 or 307), never 400.
	freeString := func(key string) string {
		v, ok, _ := q.one(key)
		if ok && utf8.RuneCountInString(v) > 64 {
			bad = append(bad, "✖ Too big: expected string to have <=64 characters\n  → at "+key)
		}
		return v
	}
	in.typ = enum("type", modelFileTypes)
	in.format = enum("format", fileFormats)
	in.size = enum("size", fileSizes)
	in.fp = freeString("fp")
	in.quant = freeString("quantType")
	if v, ok, _ := q.one("fileId"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			bad = append(bad, "✖ Invalid input: expected number, received NaN\n  → at fileId")
		}
		in.fileID = n
	}
	idf, err := strconv.ParseFloat(idStr, 64)
	if err != nil || math.IsNaN(idf) {
		bad = append([]string{"✖ Invalid input: expected number, received NaN\n  → at modelVersionId"}, bad...)
	}
	if len(bad) > 0 {
		s.respond(w, r, http.StatusBadRequest, errBody(strings.Join(bad, "\n")))
		return
	}
	if idf == 0 {
		errorResponse(http.StatusBadRequest, "Missing modelVersionId")
		return
	}

	// getFileForModelVersion ([S-file]).
	v, ok := s.Catalog.Version(int64(idf))
	if !ok || float64(int64(idf)) != idf {
		errorResponse(http.StatusNotFound, "File not found")
		return
	}
	m := v.model
	if m.POI {
		errorResponse(http.StatusNotFound, "File not found")
		return
	}
	if m.Mode == "Archived" {
		errorResponse(http.StatusGone, "Model archived, not available for download")
		return
	}
	if !m.Visible() || v.Status != "Published" {
		errorResponse(http.StatusNotFound, "File not found")
		return
	}
	if v.UsageControl != "Download" {
		s.respond(w, r, http.StatusUnauthorized, obj{{"error", "Unauthorized"}, {"message", "The creator of this asset has disabled downloads on this file"}})
		return
	}
	if (v.RequireAuth || s.opts.RequireAuthForDownloads) && session == "" {
		if browser {
			redirect(fmt.Sprintf("/login?returnUrl=/model-versions/%d&reason=download-auth", v.ID))
			return
		}
		s.respond(w, r, http.StatusUnauthorized, obj{{"error", "Unauthorized"}, {"message", "The creator of this asset requires you to be logged in to download it"}})
		return
	}
	if v.earlyAccess(s.now()) && !s.eaKeys[session] {
		if browser {
			redirect(fmt.Sprintf("/model-versions/%d", v.ID))
			return
		}
		s.respond(w, r, http.StatusForbidden, obj{
			{"error", "Early Access"},
			{"deadline", isoTime(v.EarlyAccessDeadline)},
			{"message", "This asset is in Early Access. You can use Buzz access it now!"},
		})
		return
	}
	f := selectFile(v, in)
	if f == nil {
		errorResponse(http.StatusNotFound, "File not found")
		return
	}
	// Misalignment check: a requested parameter that the chosen file has
	// with another value is a 404 (§2.10). A fileId is exact and skips it.
	if in.fileID == 0 {
		for _, c := range [][2]string{{in.format, f.Format}, {in.size, f.SizeKind}, {in.fp, f.FP}, {in.quant, f.QuantType}} {
			if c[0] != "" && c[1] != "" && c[0] != c[1] {
				errorResponse(http.StatusNotFound, "File not found")
				return
			}
		}
	}
	s.countDownload(userKey)
	w.Header().Set("Cache-Control", "no-store, max-age=0")
	redirect(s.signedURL(f))
}

func quoteOptions(options []string) string {
	q := make([]string, len(options))
	for i, o := range options {
		q[i] = strconv.Quote(o)
	}
	return strings.Join(q, "|")
}

// selectFile picks the file like getFileForModelVersion (§2.10 [S-file]):
// fileId exact; type=VAE takes the (linked) VAE file; otherwise files
// filtered by type and scored by getPrimaryFile with metadata =
// {...preferences, format, size, fp, quantType}: the requested values
// merged over the default preferences (the fake has no per-user ones).
func selectFile(v *FakeVersion, in downloadInput) *FakeFile {
	public := v.PublicFiles()
	if in.fileID != 0 {
		for _, f := range public {
			if f.ID == in.fileID {
				return f
			}
		}
		return nil
	}
	if in.typ == "VAE" {
		for _, f := range public {
			if f.Type == "VAE" {
				return f
			}
		}
		return nil
	}
	var files []*FakeFile
	for _, f := range public {
		if in.typ == "" || f.Type == in.typ {
			files = append(files, f)
		}
	}
	p := defaultPrefs
	if in.format != "" {
		p.Format = in.format
	}
	if in.size != "" {
		p.Size = in.size
	}
	if in.fp != "" {
		p.FP = in.fp
	}
	if in.quant != "" {
		p.Quant = in.quant
	}
	return pickFile(files, p)
}

// urlExpirySeconds is X-Amz-Expires for the configured TTL.
func (s *Server) urlExpirySeconds() int64 {
	return max(1, int64(math.Ceil(s.opts.URLTTL.Seconds())))
}

// signature is the fake presigning HMAC over what matters.
func (s *Server) signature(path, date, expires, disposition string) string {
	mac := hmac.New(sha256.New, s.signKey)
	fmt.Fprintf(mac, "%s\n%s\n%s\n%s", path, date, expires, disposition)
	return hex.EncodeToString(mac.Sum(nil))
}

// signedURL is the short-lived storage URL the download redirects to,
// shaped like an R2 presigned URL (§2.10).
func (s *Server) signedURL(f *FakeFile) string {
	now := s.now().UTC()
	date := now.Format("20060102T150405Z")
	expires := strconv.FormatInt(s.urlExpirySeconds(), 10)
	disposition := `attachment; filename="` + f.Name + `"`
	path := "/" + f.StorageKey
	q := []string{
		"X-Amz-Expires=" + expires,
		"response-content-disposition=" + encodeURIComponent(disposition),
		"X-Amz-Algorithm=AWS4-HMAC-SHA256",
		"X-Amz-Credential=" + encodeURIComponent("fakeaccesskey/"+now.Format("20060102")+"/auto/s3/aws4_request"),
		"X-Amz-Date=" + date,
		"X-Amz-SignedHeaders=host",
		"X-Amz-Signature=" + s.signature(path, date, expires, disposition),
	}
	return s.StorageURL + path + "?" + strings.Join(q, "&")
}

// SignedURL returns a fresh signed storage URL for a file, as the
// download endpoint would redirect to.
func (s *Server) SignedURL(fileID int64) (string, error) {
	f, ok := s.Catalog.File(fileID)
	if !ok {
		return "", fmt.Errorf("civitaitest: no file %d", fileID)
	}
	return s.signedURL(f), nil
}

// verifySignedURL checks signature and expiry; it returns an S3 error code
// and message on failure.
func (s *Server) verifySignedURL(u *url.URL) (disposition, code, msg string) {
	q := u.Query()
	sig, date, expires := q.Get("X-Amz-Signature"), q.Get("X-Amz-Date"), q.Get("X-Amz-Expires")
	disposition = q.Get("response-content-disposition")
	if sig == "" || date == "" || expires == "" {
		return "", "AccessDenied", "Query-string authentication requires the X-Amz-Signature, X-Amz-Date and X-Amz-Expires parameters"
	}
	want := s.signature(u.Path, date, expires, disposition)
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return "", "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your secret access key and signing method."
	}
	t, err := time.Parse("20060102T150405Z", date)
	n, err2 := strconv.ParseInt(expires, 10, 64)
	if err != nil || err2 != nil {
		return "", "AccessDenied", "Invalid date or expiry"
	}
	if s.now().After(t.Add(time.Duration(n) * time.Second)) {
		return "", "AccessDenied", "Request has expired"
	}
	return disposition, "", ""
}
