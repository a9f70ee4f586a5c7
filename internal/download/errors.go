package download

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/civit/civit/internal/proxyenv"
)

// Sentinel errors. Compare with errors.Is.
var (
	// ErrRangeNotSupported means the server answered a ranged request with
	// the whole file. The engine handles it by itself (single stream, or a
	// clean restart mid-download); it only surfaces wrapped in a
	// *RemoteChangedError when the restart budget is used up.
	ErrRangeNotSupported = errors.New("server does not support range requests")
	// ErrBusy means another Download (in this or another process) holds the
	// lock on the same destination. Transient.
	ErrBusy = errors.New("download of this file already in progress")
	// ErrInvalidRequest wraps every problem with a Request or Options value.
	ErrInvalidRequest = errors.New("invalid download request")
)

// HTTPError is a non-success answer from the storage server. It never
// contains the signed URL's query string (it holds credentials).
type HTTPError struct {
	StatusCode int
	Status     string        // e.g. "403 Forbidden"
	URL        string        // scheme://host/path, query removed
	Body       string        // start of the body, flattened to one line
	RetryAfter time.Duration // server-sent Retry-After, 0 when absent
	// ContentType is the answer's; text/html where the storage (S3, R2)
	// sends XML is a proxy's, a network filter's or an edge's page.
	ContentType string
}

// Error implements error: "GET https://host/path: 404 Not Found: body".
func (e *HTTPError) Error() string {
	s := "GET " + e.URL + ": " + e.Status
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

// Temporary reports whether retrying later may succeed: 408, 425, 429 and
// every 5xx (Cloudflare's 52x included).
func (e *HTTPError) Temporary() bool {
	switch {
	case e.StatusCode == 408, e.StatusCode == 425, e.StatusCode == 429:
		return true
	case e.StatusCode >= 500 && e.StatusCode <= 599:
		return true
	}
	return false
}

// HashMismatchError means the downloaded bytes do not have the expected
// hash. The partial file has been removed; nothing was created under the
// final name. Permanent.
type HashMismatchError struct {
	Path     string // final path that was not created
	Algo     string // "sha256" or "blake3"
	Expected string // upper-case hex
	Got      string // upper-case hex
}

// Error implements error and names both hashes.
func (e *HashMismatchError) Error() string {
	return fmt.Sprintf("%s mismatch for %s: expected %s, got %s", e.Algo, e.Path, e.Expected, e.Got)
}

// ServerNameError means the storage named the file differently from
// Request.Dest (Request.ServerName): Name is the sanitized base name from its
// Content-Disposition header. Nothing was written.
type ServerNameError struct {
	Dest string // the requested path
	Name string // the server's name, safe to join to filepath.Dir(Dest)
}

func (e *ServerNameError) Error() string {
	return fmt.Sprintf("the server names the file %q, not %q", e.Name, filepath.Base(e.Dest))
}

// SizeMismatchError means the server's size differs from Request.Size (or
// the body ended at another length than announced), or, with About, that
// a body of unknown length ended more than 1 KiB away from
// Request.SizeHint when no hash could check it. Permanent.
type SizeMismatchError struct {
	Expected int64
	Got      int64
	About    bool // Expected is Request.SizeHint, an approximate size
}

// Error implements error.
func (e *SizeMismatchError) Error() string {
	if e.About {
		return fmt.Sprintf("size mismatch: expected about %d bytes, server sent %d", e.Expected, e.Got)
	}
	return fmt.Sprintf("size mismatch: expected %d bytes, server has %d", e.Expected, e.Got)
}

// EmptyAnswerError means the storage answered 2xx with no bytes where the
// API announced a file of about Expected bytes (a stale cache, a storage
// hiccup). Transient: retried, and never saved as the file.
type EmptyAnswerError struct {
	Expected int64
}

// Error implements error.
func (e *EmptyAnswerError) Error() string {
	return fmt.Sprintf("the file's server sent an empty answer where about %d bytes were expected", e.Expected)
}

// UnexpectedContentError means the server answered 2xx with something that
// is clearly not the file: an HTML page or a JSON error document (the
// classic 106-byte {"error":"Unauthorized"} saved as a model). Permanent:
// the engine asks again twice before it returns it (a maintenance page or a
// captive portal's may be gone a moment later), not more (a refusal or a
// block page stays).
type UnexpectedContentError struct {
	ContentType string
	Length      int64  // announced length, -1 if unknown
	Snippet     string // start of the body, one line
	// Text is what a web page says: its title or first text, "" for
	// other documents. Error shows it in place of the page's markup.
	Text string
}

// Error implements error: "server sent text/html (240 bytes) instead of
// the file: Civitai | Maintenance".
func (e *UnexpectedContentError) Error() string {
	ct := mediaType(e.ContentType)
	if ct == "" {
		ct = "no content type"
	}
	if e.Length >= 0 {
		ct += fmt.Sprintf(" (%d bytes)", e.Length)
	}
	what := e.Snippet
	if e.Text != "" {
		what = e.Text
	}
	return fmt.Sprintf("server sent %s instead of the file: %s", ct, what)
}

// RemoteChangedError means the remote file changed while it was being
// downloaded or since the partial download was saved (ETag, Last-Modified or
// size differ), or the server stopped honouring ranges mid-download. The
// engine restarts cleanly on its own a bounded number of times; this error
// is returned when that budget is used up. Transient.
type RemoteChangedError struct {
	Reason string
	Err    error // optional cause, e.g. ErrRangeNotSupported
}

// Error implements error.
func (e *RemoteChangedError) Error() string {
	if errors.Is(e.Err, ErrRangeNotSupported) {
		return e.Reason // the file did not change: the server ignores ranges
	}
	return "remote file changed during download: " + e.Reason
}

// Unwrap returns the cause.
func (e *RemoteChangedError) Unwrap() error { return e.Err }

// StallError means a connection delivered no bytes for Timeout. Transient;
// the engine retries it itself and returns it only when attempts run out.
type StallError struct{ Timeout time.Duration }

// Error implements error.
func (e *StallError) Error() string {
	return fmt.Sprintf("connection stalled: no data for %v", e.Timeout)
}

// DiskFullError means the destination file system has no room. It wraps
// the system's error: syscall.ENOSPC or EDQUOT, on Windows ERROR_DISK_FULL
// or a quota error.
// Permanent.
type DiskFullError struct {
	Path string
	Need int64 // bytes the download needs, -1 if unknown
	Err  error
}

// Error implements error: the path once and the system's reason alone
// ("no space left on device"), not the wrapped "preallocate PATH: ...".
func (e *DiskFullError) Error() string {
	reason := fmt.Sprint(e.Err)
	var errno syscall.Errno
	if errors.As(e.Err, &errno) {
		reason = errno.Error()
	}
	if e.Need >= 0 {
		return fmt.Sprintf("not enough disk space for %s (%s needed): %s", e.Path, binaryBytes(e.Need), reason)
	}
	return fmt.Sprintf("not enough disk space for %s: %s", e.Path, reason)
}

// binaryBytes formats n as the CLI does: 512 B, 200.2 KiB, 64.0 MiB.
func binaryBytes(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v, unit := float64(n)/1024, "KiB"
	for _, u := range []string{"MiB", "GiB", "TiB"} {
		if v < 1024 {
			break
		}
		v, unit = v/1024, u
	}
	return fmt.Sprintf("%.1f %s", v, unit)
}

// Unwrap returns the system error.
func (e *DiskFullError) Unwrap() error { return e.Err }

// FileTooBigError: the destination's file system cannot hold a file this
// big (FAT32, common on USB drives, stops at 4 GiB). Permanent.
type FileTooBigError struct {
	Path string
	Size int64 // the file's size, -1 if unknown
	Err  error
}

func (e *FileTooBigError) Error() string {
	if e.Size >= 0 {
		return fmt.Sprintf("%s: the file system cannot hold a file of %s", e.Path, binaryBytes(e.Size))
	}
	return fmt.Sprintf("%s: the file system cannot hold a file this big", e.Path)
}

func (e *FileTooBigError) Unwrap() error { return e.Err }

// Hint says what to do (the CLI prints it as civit: hint:).
func (e *FileTooBigError) Hint() string {
	return "FAT32 drives stop at 4 GiB a file: download to a drive formatted NTFS, exFAT, APFS or ext4"
}

// notRegularError: Request.Dest is a folder or a special file. It is an
// ErrInvalidRequest whose message the user can act on.
type notRegularError struct{ path string }

func (e *notRegularError) Error() string {
	return e.path + " exists and is a folder or a special file, not a file that can be replaced"
}

// Is makes errors.Is(err, ErrInvalidRequest) hold.
func (e *notRegularError) Is(target error) bool { return target == ErrInvalidRequest }

// ExistsError means the destination already exists with other content and
// Request.Force is false. Permanent.
type ExistsError struct {
	Path   string
	Reason string // e.g. "size 10 != 20", "sha256 differs"
}

// Error implements error.
func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s already exists and differs (%s)", e.Path, e.Reason)
}

// IsTransient reports whether err may go away if the same download is tried
// again later: server overload and rate limits, network failures, stalls, a
// remote that changed mid-way, a busy lock. Context cancellation is neither
// transient nor permanent.
func IsTransient(err error) bool {
	return classify(err) == classTransient
}

// IsPermanent reports whether retrying the same download cannot help
// (404, 403 after re-resolving the URL, hash or size mismatch, HTML instead
// of the file, disk full, destination exists, invalid request, ...).
func IsPermanent(err error) bool {
	return classify(err) == classPermanent
}

type errClass int

const (
	classNone errClass = iota
	classTransient
	classPermanent
	classCanceled
)

func classify(err error) errClass {
	if err == nil {
		return classNone
	}
	if isCancel(err) {
		return classCanceled
	}
	var (
		he *HTTPError
		hm *HashMismatchError
		sm *SizeMismatchError
		uc *UnexpectedContentError
		rc *RemoteChangedError
		st *StallError
		df *DiskFullError
		tb *FileTooBigError
		iu *InUseError // a UI holds the name for as long as it runs
		ex *ExistsError
		ea *EmptyAnswerError
		ru *errRangeUnsatisfiable
		ne net.Error
		ue *url.Error
		pc *proxyenv.ConfigError
		pt *proxyenv.ConnectError
		pe *fs.PathError
		le *os.LinkError
	)
	switch {
	case errors.As(err, &he):
		if he.Temporary() {
			return classTransient
		}
		return classPermanent
	case errors.As(err, &pt): // the proxy refused the tunnel
		if pt.Temporary() {
			return classTransient
		}
		return classPermanent
	case errors.As(err, &pc): // a proxy setting civit cannot use
		return classPermanent
	case errors.As(err, &hm), errors.As(err, &sm), errors.As(err, &uc),
		errors.As(err, &df), errors.As(err, &ex), errors.As(err, &tb), errors.As(err, &iu),
		errors.Is(err, ErrInvalidRequest), errors.Is(err, ErrBadFilename):
		return classPermanent
	case errors.As(err, &rc), errors.As(err, &st), errors.As(err, &ea), errors.Is(err, ErrBusy):
		return classTransient
	case errors.As(err, &ru):
		if ru.midway {
			return classTransient
		}
		return classPermanent
	case isCertOrNameError(err):
		return classPermanent
	case isDiskFull(err), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM),
		errors.Is(err, syscall.EROFS), errors.Is(err, syscall.EISDIR):
		return classPermanent
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ETIMEDOUT), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, net.ErrClosed):
		return classTransient
	case errors.As(err, &pe), errors.As(err, &le):
		// A file system's answer (not a directory, name too long, I/O
		// error, ...) stays the same on a retry. This case comes before
		// net.Error, which *fs.PathError satisfies (it has Timeout and
		// Temporary methods).
		return classPermanent
	case errors.As(err, &ne), errors.As(err, &ue):
		return classTransient
	}
	return classPermanent
}

// isCancel reports whether err is a cancellation: the context's own error
// (the engine returns ctx.Err() when its caller's ctx is done), wrapped or
// not. Whether a download was cancelled is decided by the caller's ctx, not
// by this: net/http's "timeout awaiting response headers", its
// Client.Timeout and net's dial "i/o timeout" also satisfy
// errors.Is(err, context.DeadlineExceeded), yet they are a server or a
// network that did not answer in time, transient as a stall is. A stall
// cancels the request context with a *StallError cause; callers see the
// StallError.
func isCancel(err error) bool {
	if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var se *StallError
	if errors.As(err, &se) {
		return false
	}
	var ne net.Error // the first one in the chain: a *url.Error, a *net.OpError, ...
	if errors.As(err, &ne) && ne != context.DeadlineExceeded && ne.Timeout() {
		return false
	}
	return true
}

// isCertOrNameError reports TLS certificate failures and names that do not
// resolve: retrying them in a few seconds cannot help.
func isCertOrNameError(err error) bool {
	var (
		ua x509.UnknownAuthorityError
		he x509.HostnameError
		ci x509.CertificateInvalidError
		dn *net.DNSError
	)
	var tv *tls.CertificateVerificationError
	return errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) || errors.As(err, &tv) ||
		(errors.As(err, &dn) && dn.IsNotFound)
}
