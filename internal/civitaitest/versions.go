package civitaitest

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// handleVersion is GET /api/v1/model-versions/{id} (§2.3). Like the raw
// SQL it does not look at the model's status, only the version's.
func (s *Server) handleVersion(w http.ResponseWriter, r *http.Request, idStr string) {
	if !s.headers(w, r, classMixed, publicCache) {
		return
	}
	id, err := strconv.ParseFloat(idStr, 64)
	if err != nil {
		s.respond(w, r, http.StatusBadRequest, errBody(prettyZod("Invalid input: expected number, received NaN", "id")))
		return
	}
	if id == 0 {
		s.respond(w, r, http.StatusBadRequest, errBody("Missing modelVersionId"))
		return
	}
	v, ok := s.Catalog.Version(int64(id))
	if !ok || float64(int64(id)) != id || v.Status != "Published" || v.NSFWLevel&browsingAll == 0 || v.model.hidden.Load() {
		s.respond(w, r, http.StatusNotFound, errBody("Model not found"))
		return
	}
	if v.PrimaryFile() == nil {
		s.respond(w, r, http.StatusNotFound, errBody("Missing model file"))
		return
	}
	rc := renderCtx{origin: origin(r), now: s.now(), imageBase: s.imageBase()}
	s.respond(w, r, http.StatusOK, renderVersionDetail(v, viewVersion, rc))
}

// byHashFile resolves a hash like [S-hash]: upper-cased, then an exact
// match against any hash kind (§2.4; no trimming, so " ABC" misses), only
// published versions of published models.
func (s *Server) byHashFile(h string) *FakeFile {
	if h == "" {
		return nil
	}
	return s.Catalog.lookupHash(h)
}

// handleByHash is GET /api/v1/model-versions/by-hash/{hash} (§2.4).
func (s *Server) handleByHash(w http.ResponseWriter, r *http.Request, hash string) {
	if !s.headers(w, r, classPublic, hashCache) {
		return
	}
	f := s.byHashFile(hash)
	if f == nil {
		s.respond(w, r, http.StatusNotFound, errBody("Model not found"))
		return
	}
	if f.version.PrimaryFile() == nil {
		// Same resModelVersionDetails as §2.3: no (public) primary file.
		s.respond(w, r, http.StatusNotFound, errBody("Missing model file"))
		return
	}
	rc := renderCtx{origin: origin(r), now: s.now(), imageBase: s.imageBase()}
	s.respond(w, r, http.StatusOK, renderVersionDetail(f.version, viewByHash, rc))
}

// readHashList reads the JSON array body of the bulk by-hash endpoints.
func readHashList(r *http.Request, max int, sha256Only bool) ([]string, string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return nil, "Invalid request body"
	}
	var hashes []string
	if err := json.Unmarshal(body, &hashes); err != nil {
		return nil, prettyZod("Invalid input: expected array, received "+jsonKind(body), "root")
	}
	if len(hashes) > max {
		return nil, prettyZod("Too big: expected array to have <="+strconv.Itoa(max)+" items", "root")
	}
	for i, h := range hashes {
		if sha256Only && !isHex64(h) {
			return nil, prettyZod("Invalid string: must be a 64-character SHA256 hash", "["+strconv.Itoa(i)+"]")
		}
	}
	return hashes, ""
}

func jsonKind(b []byte) string {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return "undefined"
	}
	switch v.(type) {
	case map[string]any:
		return "object"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "array"
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// handleByHashBulk is POST /api/v1/model-versions/by-hash: ≤100 SHA256,
// misses dropped, one version object per hit (§2.4). Only published
// SHA-256s match: a BLAKE3, also 64 hex digits, is a miss here although
// GET by-hash finds it.
func (s *Server) handleByHashBulk(w http.ResponseWriter, r *http.Request) {
	if !s.headers(w, r, classMixed, hashCache, http.MethodPost) {
		return
	}
	hashes, msg := readHashList(r, 100, true)
	if msg != "" {
		s.respond(w, r, http.StatusBadRequest, errBody(msg))
		return
	}
	rc := renderCtx{origin: origin(r), now: s.now(), imageBase: s.imageBase()}
	out := []obj{}
	seen := map[int64]bool{}
	for _, h := range hashes {
		f := s.byHashFile(h)
		if f == nil || !strings.EqualFold(f.PublishedHashes()["SHA256"], h) {
			continue
		}
		if seen[f.version.ID] || f.version.PrimaryFile() == nil {
			continue
		}
		seen[f.version.ID] = true
		out = append(out, renderVersionDetail(f.version, viewByHash, rc))
	}
	s.respond(w, r, http.StatusOK, out)
}

// handleByHashIDs is POST /api/v1/model-versions/by-hash/ids: ≤10000
// hashes → [{modelVersionId, hash}] (§2.4).
func (s *Server) handleByHashIDs(w http.ResponseWriter, r *http.Request) {
	if !s.headers(w, r, classMixed, hashCache, http.MethodPost) {
		return
	}
	hashes, msg := readHashList(r, 10000, false)
	if msg != "" {
		s.respond(w, r, http.StatusBadRequest, errBody(msg))
		return
	}
	out := []obj{}
	for _, h := range hashes {
		if f := s.byHashFile(h); f != nil {
			out = append(out, obj{{"modelVersionId", f.version.ID}, {"hash", strings.ToUpper(h)}})
		}
	}
	s.respond(w, r, http.StatusOK, out)
}

// handleMini is GET /api/v1/model-versions/mini/{id} (§2.5).
func (s *Server) handleMini(w http.ResponseWriter, r *http.Request, idStr string) {
	if !s.headers(w, r, classMixed, publicCache) {
		return
	}
	id, ok := parseID(idStr)
	if !ok {
		s.respond(w, r, http.StatusBadRequest, errBody(prettyZod("Invalid input: expected number, received NaN", "id")))
		return
	}
	v, ok := s.Catalog.Version(id)
	if !ok || v.Status != "Published" || !v.model.Visible() {
		s.respond(w, r, http.StatusNotFound, errBody("Model not found"))
		return
	}
	f := v.PrimaryFile()
	if f == nil {
		s.respond(w, r, http.StatusNotFound, errBody("Missing model file"))
		return
	}
	now := s.now()
	hashes := obj{}
	pub := f.PublishedHashes()
	for _, k := range hashKinds {
		if h, ok := pub[k]; ok {
			hashes.set(k, h)
		}
	}
	var urls []string
	if v.model.Mode != "Archived" {
		urls = []string{downloadURL(origin(r), v, nil)}
	}
	o := obj{
		{"air", airFor(v)},
		{"versionName", v.Name},
		{"modelName", v.model.Name},
		{"baseModel", v.BaseModel},
		{"availability", v.availability(now)},
		{"publishedAt", v.publishedAt()},
		{"size", f.SizeKB()},
		{"fileType", f.Type},
		{"fileName", f.Name},
		{"hashes", hashes},
		{"downloadUrls", append([]string{}, urls...)},
		{"format", nullStr(f.Format)},
		{"canGenerate", v.Covered},
		{"isFeatured", false},
		{"requireAuth", v.RequireAuth || s.opts.RequireAuthForDownloads},
		{"checkPermission", v.earlyAccess(now)},
	}
	if v.earlyAccess(now) {
		o.set("earlyAccessEndsAt", isoTime(v.EarlyAccessDeadline))
	}
	o = append(o, obj{{"freeTrialLimit", nil}, {"additionalResourceCharge", false}, {"minor", v.model.Minor}, {"sfwOnly", v.model.SFWOnly}}...)
	s.respond(w, r, http.StatusOK, o)
}
