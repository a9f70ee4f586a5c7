package cmdutil

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"runtime"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/proxyenv"
)

// CertificateHint is the advice for a TLS certificate that failed
// verification (api.IsCertificateError), "" for any other error. The
// usual cause is a proxy or antivirus that inspects TLS with its own CA.
func CertificateHint(err error) string {
	if !api.IsCertificateError(err) {
		return ""
	}
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &he):
		return "the server's certificate is for another name: a proxy or network filter may be answering in its place, or the address is wrong"
	case errors.As(err, &ci) && ci.Reason == x509.Expired:
		return "the certificate has expired or is not valid yet: check this computer's date and time; if they are right, the server's or proxy's certificate is out of date"
	}
	switch runtime.GOOS {
	case "windows":
		return "a proxy or server presents a certificate this system does not trust: add its CA to Windows' certificate store (Trusted Root Certification Authorities)"
	case "darwin", "ios":
		return "a proxy or server presents a certificate this system does not trust: add its CA to the System keychain and trust it (Keychain Access)"
	}
	return "a proxy or server presents a certificate this system does not trust: add its CA to the system's store, or point SSL_CERT_FILE at it"
}

// ProxyVar names the variable that sets the proxy for u (HTTPS_PROXY for
// https, HTTP_PROXY for http, or ALL_PROXY when that is what applies), or
// the one to set when none does.
func ProxyVar(u *url.URL) string {
	if u == nil {
		return "HTTPS_PROXY"
	}
	return proxyenv.Default().Var(u.Scheme)
}

// ProxyDialHint is the advice for a failure to reach the proxy itself (net/http's
// "proxyconnect" error), "" for any other error.
func ProxyDialHint(err error, u *url.URL) string {
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "proxyconnect" {
		return ""
	}
	return fmt.Sprintf("civit could not reach the proxy set in `%s`: check its address and that it runs, or unset it to connect directly", ProxyVar(u))
}

// ProxyAuthHint is the advice for a proxy's 407 to a request for u.
func ProxyAuthHint(u *url.URL) string {
	if u == nil {
		u = &url.URL{Scheme: "https"}
	}
	return proxyenv.Default().AuthHint(u)
}
