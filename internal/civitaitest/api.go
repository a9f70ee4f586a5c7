package civitaitest

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

const (
	jsonContentType = "application/json; charset=utf-8"
	htmlContentType = "text/html; charset=utf-8"
	// publicCache is PublicEndpoint's header (§1 [S-ep]).
	publicCache = "public, s-maxage=300, stale-while-revalidate=150"
	// hashCache is the 1 h edge cache of by-hash lookups (§2.4).
	hashCache = "public, s-maxage=3600, stale-while-revalidate=150"
)

// endpoint class (§1 [S-ep]): public endpoints do not check the verb (a
// POST runs the handler like a GET) and always send the public cache
// header and CORS; mixed ones answer 405 to a verb they do not allow
// (OPTIONS included) and send the cache header only to anonymous callers.
type endpointClass int

const (
	classPublic endpointClass = iota
	classMixed
)

// respond writes a JSON body with the headers of the endpoint class.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, status int, body any) {
	h := w.Header()
	h.Set("Content-Type", jsonContentType)
	b := encodeJSON(body)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

// errBody is the common {"error": msg} body.
func errBody(msg string) obj { return obj{{"error", msg}} }

// headers sets CORS and cache headers for the class; it reports false when
// the request was answered already (a mixed endpoint's wrong verb, or a
// preflight). methods (default GET) are the allowed verbs: a mixed
// endpoint enforces them, a public one only lists them in
// Access-Control-Allow-Methods, like PublicEndpoint.
func (s *Server) headers(w http.ResponseWriter, r *http.Request, class endpointClass, cache string, methods ...string) bool {
	if len(methods) == 0 {
		methods = []string{http.MethodGet}
	}
	if class == classMixed && !slices.Contains(methods, r.Method) {
		s.respond(w, r, http.StatusMethodNotAllowed, errBody("Method not allowed"))
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Headers", "*")
	h.Set("Access-Control-Allow-Methods", strings.Join(methods, ", "))
	if class == classPublic || s.session(r) == "" {
		h.Set("Cache-Control", cache)
	}
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusOK)
		return false
	}
	return true
}

// nextNotFound is a Next.js-like HTML 404 page (wrong paths, §6).
const nextNotFound = `<!DOCTYPE html><html><head><meta charSet="utf-8"/><title>404: This page could not be found</title>` +
	`<meta name="next-head-count" content="2"/></head><body><div id="__next"><div style="font-family:system-ui;height:100vh;text-align:center">` +
	`<h1 class="next-error-h1">404</h1><div><h2>This page could not be found.</h2></div></div></div>` +
	`<script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{"statusCode":404}},"page":"/_error","query":{},"buildId":"civitai-fake","nextExport":true,"isFallback":false,"gip":true,"scriptLoader":[]}</script></body></html>`

func htmlPage(w http.ResponseWriter, r *http.Request, status int, page string) {
	w.Header().Set("Content-Type", htmlContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, page)
	}
}

func sitePage(title string) string {
	return `<!DOCTYPE html><html><head><meta charSet="utf-8"/><title>` + html.EscapeString(title) +
		` | Civitai</title></head><body><div id="__next"><h1>` + html.EscapeString(title) + `</h1></div></body></html>`
}

// serveAPI routes the API host (everything except /__fake/).
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	// Next.js strips trailing slashes with a 308 (trailingSlash: false).
	if len(p) > 1 && strings.HasSuffix(p, "/") {
		u := strings.TrimRight(p, "/")
		if r.URL.RawQuery != "" {
			u += "?" + r.URL.RawQuery
		}
		w.Header().Set("Location", u)
		w.WriteHeader(http.StatusPermanentRedirect)
		return
	}
	switch {
	case p == "/api/v1/models":
		s.handleModels(w, r)
	case strings.HasPrefix(p, "/api/v1/models/") && !strings.Contains(p[len("/api/v1/models/"):], "/"):
		s.handleModel(w, r, p[len("/api/v1/models/"):])
	case p == "/api/v1/model-versions/by-hash":
		s.handleByHashBulk(w, r)
	case p == "/api/v1/model-versions/by-hash/ids":
		s.handleByHashIDs(w, r)
	case strings.HasPrefix(p, "/api/v1/model-versions/by-hash/") && !strings.Contains(p[len("/api/v1/model-versions/by-hash/"):], "/"):
		s.handleByHash(w, r, p[len("/api/v1/model-versions/by-hash/"):])
	case strings.HasPrefix(p, "/api/v1/model-versions/mini/") && !strings.Contains(p[len("/api/v1/model-versions/mini/"):], "/"):
		s.handleMini(w, r, p[len("/api/v1/model-versions/mini/"):])
	case strings.HasPrefix(p, "/api/v1/model-versions/") && !strings.Contains(p[len("/api/v1/model-versions/"):], "/"):
		s.handleVersion(w, r, p[len("/api/v1/model-versions/"):])
	case p == "/api/v1/images":
		s.handleImages(w, r)
	case p == "/api/v1/tags":
		s.handleTags(w, r)
	case p == "/api/v1/creators":
		s.handleCreators(w, r)
	case p == "/api/v1/enums":
		s.handleEnums(w, r)
	case strings.HasPrefix(p, "/api/download/models/") && !strings.Contains(p[len("/api/download/models/"):], "/"):
		s.handleDownload(w, r, p[len("/api/download/models/"):])
	case p == "/" || p == "/login" || strings.HasPrefix(p, "/models/") || strings.HasPrefix(p, "/model-versions/"):
		// Pages the browser redirects of the download endpoint lead to.
		htmlPage(w, r, http.StatusOK, sitePage(strings.TrimPrefix(p, "/")))
	default:
		htmlPage(w, r, http.StatusNotFound, nextNotFound)
	}
}

// origin is the scheme://host the server builds nextPage/downloadUrl from
// for endpoints that use the request host (§1).
func origin(r *http.Request) string { return "http://" + r.Host }

// query is Next.js's req.query: keys in first-seen order, repeated keys
// grouped (url.Values loses the order, which nextPage preserves).
type query struct {
	keys []string
	vals map[string][]string
}

func parseQuery(raw string) query {
	q := query{vals: map[string][]string{}}
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, err1 := url.QueryUnescape(k)
		dv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			continue
		}
		if _, ok := q.vals[dk]; !ok {
			q.keys = append(q.keys, dk)
		}
		q.vals[dk] = append(q.vals[dk], dv)
	}
	return q
}

func (q query) has(k string) bool { _, ok := q.vals[k]; return ok }

// one returns the single value of k; ok is false when absent; multi is
// true when the key was repeated (Next.js would give an array).
func (q query) one(k string) (v string, ok, multi bool) {
	vs, ok := q.vals[k]
	if !ok {
		return "", false, false
	}
	return vs[0], true, len(vs) > 1
}

func (q query) all(k string) []string { return q.vals[k] }

// set replaces (or appends) k.
func (q *query) set(k, v string) {
	if !q.has(k) {
		q.keys = append(q.keys, k)
	}
	q.vals[k] = []string{v}
}

// stringify is query-string's stringify with sort:false, skipNull,
// skipEmptyString and strict encoding (what QS.stringify does).
func (q query) stringify() string {
	var parts []string
	for _, k := range q.keys {
		for _, v := range q.vals[k] {
			if v == "" {
				continue
			}
			parts = append(parts, strictEncode(k)+"="+strictEncode(v))
		}
	}
	return strings.Join(parts, "&")
}

// strictEncode is encodeURIComponent plus !'()* (query-string strict).
func strictEncode(s string) string {
	return strings.NewReplacer("+", "%20", "%7E", "~").Replace(url.QueryEscape(s))
}

// zodIssue is one issue of a ZodError-like 400 body.
type zodIssue struct {
	code    string
	path    []any
	message string
	extra   obj
}

// nanIssue is z.number()'s issue for NaN, what numericString() and
// commaDelimitedNumberArray() make of text that is not a number.
func nanIssue(path []any) zodIssue {
	return zodIssue{code: "invalid_type", path: path, message: "Expected number, received nan",
		extra: obj{{"expected", "number"}, {"received", "nan"}}}
}

// numericParam is numericString(z.number().min(lo).max(hi)) [S-zod] on
// the single value of key: Number(v), so "" is 0 and " 7 " is 7, then the
// bounds. A repeated key is an array, which Number() makes NaN. ok is
// false when the key is absent or gave an issue.
func numericParam(q query, key string, lo, hi float64, issues *[]zodIssue) (float64, bool) {
	v, ok, multi := q.one(key)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if strings.TrimSpace(v) == "" {
		f, err = 0, nil // Number("") === 0
	}
	if multi || err != nil || math.IsNaN(f) {
		*issues = append(*issues, nanIssue([]any{key}))
		return 0, false
	}
	if f < lo {
		*issues = append(*issues, zodIssue{code: "too_small", path: []any{key},
			message: fmt.Sprintf("Number must be greater than or equal to %g", lo),
			extra:   obj{{"minimum", lo}, {"type", "number"}, {"inclusive", true}, {"exact", false}}})
		return 0, false
	}
	if f > hi {
		*issues = append(*issues, zodIssue{code: "too_big", path: []any{key},
			message: fmt.Sprintf("Number must be less than or equal to %g", hi),
			extra:   obj{{"maximum", hi}, {"type", "number"}, {"inclusive", true}, {"exact", false}}})
		return 0, false
	}
	return f, true
}

// zodError renders {"issues":[...],"name":"ZodError"} (the raw ZodError
// the server serialises; its shape is not stable, §2.1).
func zodError(issues []zodIssue) obj {
	var list []obj
	for _, is := range issues {
		o := obj{{"code", is.code}}
		o = append(o, is.extra...)
		o.set("path", is.path)
		o.set("message", is.message)
		list = append(list, o)
	}
	return obj{{"issues", list}, {"name", "ZodError"}}
}

// enumParam reads the single value of key, def when absent, and appends
// an enum issue when it is not one of options (Zod's z.enum).
func enumParam(q query, key string, options []string, def string, issues *[]zodIssue) string {
	v, ok, _ := q.one(key)
	if !ok {
		return def
	}
	if !contains(options, v) {
		*issues = append(*issues, enumIssue([]any{key}, v, options))
	}
	return v
}

func enumIssue(path []any, got string, options []string) zodIssue {
	quoted := make([]string, len(options))
	for i, o := range options {
		quoted[i] = "'" + o + "'"
	}
	return zodIssue{
		code:    "invalid_enum_value",
		path:    path,
		message: fmt.Sprintf("Invalid enum value. Expected %s, received '%s'", strings.Join(quoted, " | "), got),
		extra:   obj{{"received", got}, {"options", append([]string{}, options...)}},
	}
}

// prettyZod is z.prettifyError-like text for single-field errors.
func prettyZod(msg, field string) string { return "✖ " + msg + "\n  → at " + field }

// parseID parses a positive int4 id like the server's schemas.
func parseID(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > 2147483647 {
		return 0, false
	}
	return n, true
}

// admin serves the /__fake/ endpoints and passes everything else on.
func (s *Server) admin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/__fake/") {
			next.ServeHTTP(w, r)
			return
		}
		writeJSON := func(status int, v any) {
			b, _ := json.Marshal(v)
			w.Header().Set("Content-Type", jsonContentType)
			w.WriteHeader(status)
			_, _ = w.Write(b)
		}
		switch p := r.URL.Path; {
		case p == "/__fake/faults" && r.Method == http.MethodPost:
			body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			if err != nil {
				writeJSON(http.StatusBadRequest, map[string]string{"error": err.Error()})
				return
			}
			var rules []FaultRule
			if err := json.Unmarshal(body, &rules); err != nil {
				var one FaultRule
				if err2 := json.Unmarshal(body, &one); err2 != nil {
					writeJSON(http.StatusBadRequest, map[string]string{"error": "invalid fault rules: " + err.Error()})
					return
				}
				rules = []FaultRule{one}
			}
			for _, fr := range rules {
				s.AddFault(fr)
			}
			writeJSON(http.StatusOK, s.Faults())
		case p == "/__fake/faults" && r.Method == http.MethodGet:
			writeJSON(http.StatusOK, s.Faults())
		case p == "/__fake/faults" && r.Method == http.MethodDelete:
			s.ClearFaults()
			writeJSON(http.StatusOK, []FaultRule{})
		case p == "/__fake/requests" && r.Method == http.MethodGet:
			reqs := s.Requests()
			if reqs == nil {
				reqs = []RequestRecord{}
			}
			writeJSON(http.StatusOK, reqs)
		case p == "/__fake/requests" && r.Method == http.MethodDelete:
			s.ResetRequests()
			writeJSON(http.StatusOK, []RequestRecord{})
		case p == "/__fake/fixtures" && r.Method == http.MethodGet:
			writeJSON(http.StatusOK, s.fixtureTable())
		case strings.HasPrefix(p, "/__fake/files/") && strings.HasSuffix(p, "/mutate") && r.Method == http.MethodPost:
			id, ok := parseID(strings.TrimSuffix(strings.TrimPrefix(p, "/__fake/files/"), "/mutate"))
			if !ok {
				writeJSON(http.StatusBadRequest, map[string]string{"error": "bad file id"})
				return
			}
			if err := s.MutateFile(id); err != nil {
				writeJSON(http.StatusNotFound, map[string]string{"error": err.Error()})
				return
			}
			f, _ := s.Catalog.File(id)
			writeJSON(http.StatusOK, map[string]any{"fileId": id, "generation": f.Generation(), "etag": f.ETag()})
		default:
			writeJSON(http.StatusNotFound, map[string]string{"error": "unknown admin endpoint " + r.Method + " " + p})
		}
	})
}

// FixtureInfo describes one fixture for scripts and docs.
type FixtureInfo struct {
	Name      string `json:"name"`
	ModelID   int64  `json:"modelId"`
	VersionID int64  `json:"versionId"` // newest version (any status)
	FileID    int64  `json:"fileId"`    // its primary file
}

// Fixtures lists the fixtures sorted by model id.
func (c *Catalog) Fixtures() []FixtureInfo {
	var out []FixtureInfo
	for name, id := range c.FixtureIDs() {
		fi := FixtureInfo{Name: name, ModelID: id}
		if m, ok := c.Model(id); ok && len(m.Versions) > 0 {
			fi.VersionID = m.Versions[0].ID
			if f := m.Versions[0].PrimaryFile(); f != nil {
				fi.FileID = f.ID
			}
		}
		out = append(out, fi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ModelID < out[j].ModelID })
	return out
}

func (s *Server) fixtureTable() []FixtureInfo { return s.Catalog.Fixtures() }
