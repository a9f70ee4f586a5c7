package download

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	dl "github.com/civit/civit/internal/download"
)

// storageHint is the advice for a failure on the way to the file's server
// (the storage host that CivitAI's signed links point at, or a proxy or
// network in between) that the CLI's error mapper does not know; "" for
// none. The API's own failures get the mapper's advice.
func storageHint(err error) string {
	var ae *api.Error
	if errors.As(err, &ae) {
		return ""
	}
	var u *url.URL // the storage URL, for the proxy variable that applies
	var ue *url.Error
	if errors.As(err, &ue) {
		u, _ = url.Parse(ue.URL)
	}
	var he *dl.HTTPError
	var uc *dl.UnexpectedContentError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &he):
		u, _ = url.Parse(he.URL)
		switch {
		case he.StatusCode == http.StatusProxyAuthRequired: // a plain-HTTP proxy's answer
			return cmdutil.ProxyAuthHint(u)
		case he.StatusCode == http.StatusForbidden && isHTML(he.ContentType, ""):
			return fmt.Sprintf("a proxy or network filter refused the download with a web page: check the proxy settings (`%s`), or ask the network's administrator", cmdutil.ProxyVar(u))
		case he.StatusCode == http.StatusForbidden:
			return "CivitAI's file storage refuses this file, new download links included: it may be missing or withheld on their side; try again later, and if it lasts, tell the creator on the model's page"
		case he.StatusCode == http.StatusNotFound:
			return "CivitAI's file storage does not have this file: it is missing on their side; try again later, and if it lasts, tell the creator on the model's page"
		case he.StatusCode >= 500 && isHTML(he.ContentType, "") && isMaintenance(he.Body):
			return maintenanceHint
		}
	case errors.As(err, &uc) && isHTML(uc.ContentType, uc.Snippet) && isMaintenance(uc.Text):
		return maintenanceHint
	case errors.As(err, &uc) && isHTML(uc.ContentType, uc.Snippet):
		return "a web page came instead of the file: a captive portal (the Wi-Fi of a hotel, train or airport: sign in with a browser) or a proxy's block page; then run the same command again"
	case cmdutil.CertificateHint(err) != "":
		return cmdutil.CertificateHint(err)
	case cmdutil.ProxyDialHint(err, u) != "":
		return cmdutil.ProxyDialHint(err, u)
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return fmt.Sprintf("the file's server %s does not resolve: check your internet connection and DNS; if your network needs a proxy, set `%s`", dnsErr.Name, cmdutil.ProxyVar(u))
	}
	return ""
}

// maintenanceHint is the advice for CivitAI's maintenance page served
// where the file should be (it says "Civitai | Maintenance").
const maintenanceHint = "CivitAI is down for maintenance: run the same command again in a few minutes"

// isMaintenance reports a web page whose title or first text (the engine's
// HTTPError.Body, UnexpectedContentError.Text) says it is a maintenance
// page.
func isMaintenance(text string) bool {
	return strings.Contains(strings.ToLower(text), "maintenance")
}

// isHTML reports a web page by its Content-Type or the start of its body.
func isHTML(contentType, snippet string) bool {
	s := strings.ToLower(strings.TrimSpace(snippet))
	return strings.Contains(strings.ToLower(contentType), "html") || strings.HasPrefix(s, "<!doctype html") || strings.HasPrefix(s, "<html")
}
