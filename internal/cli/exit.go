package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/cmdutil"
	"github.com/civit/civit/internal/config"
	"github.com/civit/civit/internal/iostreams"
	"github.com/civit/civit/internal/tableprinter"
	"github.com/civit/civit/internal/target"
)

// Exit codes, documented in `civit help exit-codes`.
const (
	ExitOK        = 0
	ExitError     = 1
	ExitUsage     = 2
	ExitPartial   = 3
	ExitAuth      = 4
	ExitInterrupt = 130
	// ExitBrokenPipe: the results' reader quit (a closed pipe), as a
	// program killed by SIGPIPE exits (128+13).
	ExitBrokenPipe = 141
)

const keyURL = "https://civitai.com/user/account"

// report prints err as "civit: error: ..." with optional hints and returns
// the exit code. It is the one place that turns errors into messages.
func report(w io.Writer, cs iostreams.ColorScheme, err error, usage string, secrets ...string) int {
	if err == nil {
		return ExitOK
	}
	msg, hints, code := explain(err, secrets)
	if msg == "" {
		return code
	}
	fmt.Fprintf(w, "%s %s\n", cs.Red("civit: error:"), msg)
	for _, h := range hints {
		fmt.Fprintf(w, "%s %s\n", cs.Cyan("civit: hint:"), h)
	}
	var inputErr *cmdutil.InputError
	if code == ExitUsage && usage != "" && !errors.As(err, &inputErr) {
		fmt.Fprintf(w, "\n%s", usage)
	}
	return code
}

// explain is what report prints for err, with the secrets (API keys)
// redacted: the message ("" for none), the hints and the exit code.
// Commands that list several failures print each one with it
// (cmdutil.Failures).
func explain(err error, secrets []string) (string, []string, int) {
	hasKey := false
	for _, k := range secrets {
		hasKey = hasKey || strings.TrimSpace(k) != ""
	}
	msg, hints, code := classify(err, hasKey)
	// No terminal escapes: messages name the user's files (an ESC in a
	// name) and quote servers. The message keeps its own lines (a choice
	// that matched nothing lists the files there are, one a line); the
	// paths in it are cleaned where it is made. Hints are one line each.
	msg = tableprinter.CleanText(msg)
	for i := range hints {
		hints[i] = tableprinter.Clean(hints[i])
	}
	for _, s := range secrets {
		if len(s) >= 4 {
			msg = strings.ReplaceAll(msg, s, "[REDACTED]")
			for i := range hints {
				hints[i] = strings.ReplaceAll(hints[i], s, "[REDACTED]")
			}
		}
	}
	return msg, hints, code
}

func classify(err error, hasKey bool) (msg string, hints []string, code int) {
	var hint *cmdutil.HintError
	if errors.As(err, &hint) {
		defer func() { hints = append(hints, hint.Hint) }()
	}
	// Packages below cmdutil (store) carry their advice as a Hint method.
	var hinter interface{ Hint() string }
	if errors.As(err, &hinter) && hinter.Hint() != "" {
		defer func() { hints = append(hints, hinter.Hint()) }()
	} else {
		hinter = nil
	}
	var flagErr *cmdutil.FlagError
	var partial *cmdutil.PartialError
	var tgtErr *target.Error
	var valErr *api.ValidationError
	var apiErr *api.Error
	var keyErr *config.KeyError
	switch {
	case errors.Is(err, cmdutil.ErrSilent):
		return "", nil, ExitError
	case errors.Is(err, context.Canceled):
		return "interrupted", nil, ExitInterrupt
	case errors.As(err, &partial):
		switch {
		case partial.Code != 0:
			return err.Error(), nil, partial.Code
		case partial.Failed >= partial.Total:
			return err.Error(), nil, ExitError // none succeeded
		}
		return err.Error(), nil, ExitPartial
	case errors.As(err, &tgtErr):
		return err.Error(), []string{"expected " + target.Expected}, ExitUsage
	case errors.As(err, &keyErr):
		// Not a usage error: the key comes from the environment or the
		// config file, and its hint says which.
		return err.Error(), nil, ExitAuth
	case errors.As(err, &flagErr), errors.As(err, &valErr):
		return err.Error(), nil, ExitUsage
	case errors.As(err, &apiErr):
		msg, hints, code := classifyAPI(err, apiErr, hasKey)
		if hinter != nil && apiErr.Kind == api.KindNetwork {
			hints = nil // the error's own advice (a proxy's) says more
		}
		return msg, hints, code
	case errors.Is(err, os.ErrPermission) && hint == nil && hinter == nil:
		// Windows says "Access denied" also for a file another program
		// has open; an error that knows better carries its own hint.
		return err.Error(), []string{"check the permissions of the file or folder named above"}, ExitError
	case errors.Is(err, syscall.ENOTDIR) && hint == nil && hinter == nil:
		return err.Error(), []string{"a file is in the way: part of the path named above is a file, not a folder; choose another folder or move the file"}, ExitError
	}
	return err.Error(), nil, ExitError
}

func classifyAPI(err error, e *api.Error, hasKey bool) (string, []string, int) {
	u, _ := url.Parse(e.URL)
	if e.StatusCode == http.StatusProxyAuthRequired { // a plain-HTTP proxy's answer
		return err.Error(), []string{cmdutil.ProxyAuthHint(u)}, ExitError
	}
	switch e.Kind {
	case api.KindAuthRequired:
		if api.IsDownloadsDisabled(e) {
			return err.Error(), []string{"the creator allows this model only for generation on CivitAI; no API key can download it"}, ExitError
		}
		if hasKey || e.KeySent {
			return err.Error(), []string{fmt.Sprintf("CivitAI did not accept your API key; check it (`civit config list` shows where a configured key comes from; a pasted link's token= is used when none is) or create a new one at %s", keyURL)}, ExitAuth
		}
		return err.Error(), []string{fmt.Sprintf("set `CIVITAI_API_KEY` (or run `civit config set api_key`) with a key from %s", keyURL)}, ExitAuth
	case api.KindEarlyAccess:
		h := "this version is in Early Access; buy access on civitai.com or wait"
		if !e.Deadline.IsZero() {
			h = fmt.Sprintf("this version is in Early Access until %s; buy access on civitai.com or wait until then", e.Deadline.UTC().Format("2006-01-02 15:04 MST"))
		}
		return err.Error(), []string{h}, ExitAuth
	case api.KindForbidden:
		if !hasKey && !e.KeySent {
			return err.Error(), []string{fmt.Sprintf("CivitAI refused the request; if the file needs an account, set `CIVITAI_API_KEY` with a key from %s", keyURL)}, ExitAuth
		}
		return err.Error(), []string{"your API key has no access to this file, or CivitAI refused the request"}, ExitAuth
	case api.KindArchived:
		return err.Error(), []string{"the creator archived this model; its files can no longer be downloaded"}, ExitError
	case api.KindPageCap:
		return err.Error(), []string{"CivitAI refuses deep page numbers; civit follows cursors, so lower `--limit` or narrow the search"}, ExitError
	case api.KindRateLimited:
		if api.IsDownloadLimit(e) {
			// The files that were done are skipped by the next run: one
			// piece of advice for every file the limit left.
			return err.Error(), []string{"CivitAI limits how many files an account downloads in a while; run the same command later: files done are skipped, partial ones resume"}, ExitError
		}
		h := "CivitAI is rate limiting; wait a little and try again"
		if e.RetryAfter > 0 {
			h = fmt.Sprintf("CivitAI is rate limiting; try again in %s", e.RetryAfter.Round(time.Second))
		}
		return err.Error(), []string{h}, ExitError
	case api.KindNotJSON:
		var syn *json.SyntaxError
		if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) {
			return err.Error(), []string{"CivitAI sent a broken or cut-off answer; try again later"}, ExitError
		}
		if strings.HasPrefix(e.Message, "empty response body") {
			return err.Error(), []string{"CivitAI sent an empty answer (a stale cache on its side, civitai/civitai#583); try again later"}, ExitError
		}
		return err.Error(), []string{"CivitAI answered with a web page instead of data (maintenance or a Cloudflare check); try again later"}, ExitError
	case api.KindServer:
		if e.RetryAfter > 0 {
			return err.Error(), []string{fmt.Sprintf("CivitAI had a server error and asked to wait; try again in %s", e.RetryAfter.Round(time.Second))}, ExitError
		}
		return err.Error(), []string{"CivitAI had a server error; try again later"}, ExitError
	case api.KindNotAPI:
		if e.StatusCode == http.StatusForbidden { // an HTML page: CivitAI refuses in JSON
			return err.Error(), []string{fmt.Sprintf("a proxy or network filter refused the request with a web page, not CivitAI's API (which answers in JSON), so no API key helps: check the proxy settings (`%s`), or ask the network's administrator", cmdutil.ProxyVar(u))}, ExitError
		}
		who := "the server"
		if u != nil && u.Host != "" {
			who = u.Host
		}
		// What came instead: the api package words an HTML page's
		// message "server returned an HTML page..."; no message is an
		// empty body.
		what := "plain text"
		switch {
		case strings.HasPrefix(e.Message, "server returned an HTML page"):
			what = "a web page"
		case strings.TrimSpace(e.Message) == "":
			what = "an empty page"
		}
		return err.Error(), []string{who + " answered with " + what + ", not CivitAI's API: check `CIVITAI_BASE_URL` (or the config key `base_url`) and proxy settings (`" + cmdutil.ProxyVar(u) + "`)"}, ExitError
	case api.KindNetwork:
		return err.Error(), []string{networkHint(err, u)}, ExitError
	case api.KindBadRequest:
		return err.Error(), []string{"CivitAI rejected the request's parameters; check the flag values"}, ExitError
	}
	return err.Error(), nil, ExitError
}

// networkHint is the advice for an API request to u that failed in
// transport (api.KindNetwork). The proxy it names is the one for u's
// scheme: HTTP_PROXY for an http:// base URL.
func networkHint(err error, u *url.URL) string {
	if h := cmdutil.CertificateHint(err); h != "" {
		return h
	}
	if h := cmdutil.ProxyDialHint(err, u); h != "" {
		return h
	}
	proxy := cmdutil.ProxyVar(u)
	var dnsErr *net.DNSError
	var ne net.Error
	var op *net.OpError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return fmt.Sprintf("check the host name (`CIVITAI_BASE_URL`, or the config key `base_url`), your internet connection and DNS; if your network needs a proxy, set `%s`", proxy)
	case errors.As(err, &ne) && ne.Timeout() && !(errors.As(err, &op) && op.Op == "dial"):
		return fmt.Sprintf("the server is slow or down, or a firewall or proxy holds the connection: try again later; if your network needs a proxy, set `%s`", proxy)
	}
	return fmt.Sprintf("check your internet connection, proxy settings (`%s`) or `CIVITAI_BASE_URL`", proxy)
}
