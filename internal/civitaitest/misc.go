package civitaitest

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// pageParams parses limit/page for the page-based endpoints: limit is
// 1..maxLimit (§2.7: "limit 1..200 (default 20)"; 0 is a 400 here, unlike
// /models and /images), page ≥ 1.
func pageParams(q query, defLimit, maxLimit int) (limit, page int, issues []zodIssue) {
	limit, page = defLimit, 1
	parse := func(key string, lo, hi int) (int, bool) {
		v, ok, _ := q.one(key)
		if !ok {
			return 0, false
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			issues = append(issues, zodIssue{code: "invalid_type", path: []any{key}, message: "Expected number, received nan",
				extra: obj{{"expected", "number"}, {"received", "nan"}}})
			return 0, false
		}
		if n < lo {
			issues = append(issues, zodIssue{code: "too_small", path: []any{key},
				message: "Number must be greater than or equal to " + strconv.Itoa(lo),
				extra:   obj{{"minimum", lo}, {"type", "number"}, {"inclusive", true}, {"exact", false}}})
			return 0, false
		}
		if n > hi {
			issues = append(issues, zodIssue{code: "too_big", path: []any{key},
				message: "Number must be less than or equal to " + strconv.Itoa(hi),
				extra:   obj{{"maximum", hi}, {"type", "number"}, {"inclusive", true}, {"exact", false}}})
			return 0, false
		}
		return n, true
	}
	if n, ok := parse("limit", 1, maxLimit); ok {
		limit = n
	}
	if n, ok := parse("page", 1, math.MaxInt32); ok {
		page = n
	}
	return limit, page, issues
}

// pagedMetadata is getPagingData + getPaginationLinks (§2.7, §5.5). The
// links follow the real number of items, but totalItems and totalPages are
// reported as 0 unless count is set: for tags §2.8 says they may be 0 and
// clients must page by nextPage.
func pagedMetadata(r *http.Request, q query, total, limit, page int, count bool) obj {
	totalPages := 1
	if total > 0 && limit > 0 {
		totalPages = (total + limit - 1) / limit
	}
	shownItems, shownPages := 0, 0
	if count {
		shownItems, shownPages = total, totalPages
	}
	meta := obj{{"totalItems", shownItems}, {"currentPage", page}, {"pageSize", limit}, {"totalPages", shownPages}}
	link := func(n int) string {
		next := query{vals: map[string][]string{}, keys: append([]string(nil), q.keys...)}
		for k, v := range q.vals {
			next.vals[k] = v
		}
		next.set("page", strconv.Itoa(n))
		return origin(r) + r.URL.Path + "?" + next.stringify()
	}
	if page < totalPages {
		meta.set("nextPage", link(page+1))
	}
	if totalPages > 1 && page > 1 {
		meta.set("prevPage", link(page-1))
	}
	return meta
}

// handleTags is GET /api/v1/tags (§2.8): model tags, page-based.
func (s *Server) handleTags(w http.ResponseWriter, r *http.Request) {
	if !s.headers(w, r, classPublic, publicCache) {
		return
	}
	q := parseQuery(r.URL.RawQuery)
	limit, page, issues := pageParams(q, 20, 200)
	if len(issues) > 0 {
		s.respond(w, r, http.StatusBadRequest, obj{{"error", zodError(issues)}})
		return
	}
	text, _, _ := q.one("query")
	var tags []string
	for _, t := range s.Catalog.tags {
		if text == "" || strings.Contains(strings.ToLower(t), strings.ToLower(text)) {
			tags = append(tags, t)
		}
	}
	items := []obj{}
	for i := (page - 1) * limit; i < min(page*limit, len(tags)); i++ {
		items = append(items, obj{{"name", tags[i]}, {"link", origin(r) + "/api/v1/models?tag=" + tags[i]}})
	}
	s.respond(w, r, http.StatusOK, obj{{"items", items}, {"metadata", pagedMetadata(r, q, len(tags), limit, page, s.opts.CountPageTotals)}})
}

// handleCreators is GET /api/v1/creators (§2.7).
func (s *Server) handleCreators(w http.ResponseWriter, r *http.Request) {
	if !s.headers(w, r, classPublic, publicCache) {
		return
	}
	q := parseQuery(r.URL.RawQuery)
	limit, page, issues := pageParams(q, 20, 200)
	if len(issues) > 0 {
		s.respond(w, r, http.StatusBadRequest, obj{{"error", zodError(issues)}})
		return
	}
	text, _, _ := q.one("query")
	counts := map[string]int{}
	images := map[string]string{}
	for _, m := range s.Catalog.models {
		if m.Visible() {
			counts[m.Username]++
			if m.CreatorImage != "" {
				images[m.Username] = m.CreatorImage
			}
		}
	}
	var names []string
	for _, u := range s.Catalog.creators {
		if text == "" || strings.Contains(strings.ToLower(u), strings.ToLower(text)) {
			names = append(names, u)
		}
	}
	items := []obj{}
	for i := (page - 1) * limit; i < min(page*limit, len(names)); i++ {
		u := names[i]
		it := obj{{"username", u}}
		it.setIf(counts[u] > 0, "modelCount", counts[u])
		it.set("link", origin(r)+"/api/v1/models?username="+u)
		it.setIf(images[u] != "", "image", images[u])
		items = append(items, it)
	}
	// Creators report their totals (§2.7; lower bounds when searching);
	// only tags may say 0 (§2.8).
	s.respond(w, r, http.StatusOK, obj{{"items", items}, {"metadata", pagedMetadata(r, q, len(names), limit, page, true)}})
}

// handleEnums is GET /api/v1/enums (§2.9).
func (s *Server) handleEnums(w http.ResponseWriter, r *http.Request) {
	if !s.headers(w, r, classPublic, publicCache) {
		return
	}
	active := []string{}
	for _, b := range commonBaseModels {
		active = append(active, b.v)
	}
	s.respond(w, r, http.StatusOK, obj{
		{"ModelType", append([]string{}, modelTypes...)},
		{"ModelFileType", append([]string{}, modelFileTypes...)},
		{"ActiveBaseModel", active},
		{"BaseModel", append([]string{}, baseModels...)},
		{"BaseModelType", append([]string{}, baseModelTypes...)},
	})
}

// nsfwLevelsDeprecated is NsfwLevelDeprecated, the string half of the
// images endpoint's nsfw parameter, mapped as nsfwLevelMapDeprecated.
var nsfwLevelsDeprecated = []string{"None", "Soft", "Mature", "X", "Blocked"}

// nsfwBrowsingFlag is nsfwBrowsingLevelsFlag ([S-bl]: R, X, XXX and
// Blocked), what nsfw=true selects on /images: the NSFW levels only.
const nsfwBrowsingFlag = nsfwR | nsfwX | nsfwXXX | nsfwBlocked

// imageBrowsing maps the images endpoint's nsfw/browsingLevel parameters
// to browsing flags (default PG only, §2.6). nsfw is
// z.union([z.enum(NsfwLevelDeprecated), booleanString()]) transformed by
// v => !v ? undefined : typeof v === 'boolean' ? (v ? nsfw : public) :
// nsfwLevelMapDeprecated[v]: a string that is no enum value falls to
// booleanString, so "true" is the NSFW levels and anything else ("1",
// "false", "abc") is false, hence undefined, hence the PG default, never a
// 400. Only a repeated key (an array) fails both members of the union.
// browsingLevel wins over nsfw, but nsfw is still validated.
func imageBrowsing(q query) (int, []zodIssue) {
	browsing := nsfwPG
	var issues []zodIssue
	if v, ok, multi := q.one("nsfw"); ok {
		switch {
		case multi:
			issues = append(issues, nsfwUnionIssue())
		case v == "None":
			browsing = nsfwPG
		case v == "Soft":
			browsing = nsfwPG | nsfwPG13
		case v == "Mature":
			browsing = nsfwPG | nsfwPG13 | nsfwR
		case v == "X":
			browsing = browsingAll
		case v == "Blocked":
			browsing = nsfwBlocked
		case v == "true":
			browsing = nsfwBrowsingFlag
		}
	}
	if v, ok, _ := q.one("browsingLevel"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, append(issues, nanIssue([]any{"browsingLevel"}))
		}
		browsing = n
	}
	return browsing, issues
}

// nsfwUnionIssue is the invalid_union issue of an array-valued nsfw on
// /images: neither the enum nor booleanString() accepts it.
func nsfwUnionIssue() zodIssue {
	quoted := make([]string, len(nsfwLevelsDeprecated))
	for i, o := range nsfwLevelsDeprecated {
		quoted[i] = "'" + o + "'"
	}
	expected := strings.Join(quoted, " | ")
	return zodIssue{code: "invalid_union", path: []any{"nsfw"}, message: "Invalid input",
		extra: obj{{"unionErrors", []obj{
			zodError([]zodIssue{{code: "invalid_type", path: []any{"nsfw"}, message: "Expected " + expected + ", received array",
				extra: obj{{"expected", expected}, {"received", "array"}}}}),
			zodError([]zodIssue{requiredBoolIssue("nsfw")}),
		}}}}
}

func imageKey(im *FakeImage, sortName string) []int64 {
	var reactions int64
	for _, n := range im.Reactions {
		reactions += n
	}
	switch sortName {
	case "Newest":
		return []int64{im.CreatedAt.UnixMilli(), im.ID}
	case "Oldest":
		return []int64{-im.CreatedAt.UnixMilli(), -im.ID}
	case "Most Comments":
		return []int64{im.CommentCount, im.ID}
	case "Most Collected":
		return []int64{im.Reactions[4], im.ID}
	case "Random":
		return []int64{int64(splitmix64(uint64(im.ID)) >> 1), im.ID}
	}
	return []int64{reactions, im.ID}
}

// mediaTypes is the MediaType enum of /images?type= (§4).
var mediaTypes = []string{"image", "video", "audio"}

// imagesParams are the parsed /api/v1/images parameters (§2.6
// imagesEndpointSchema).
type imagesParams struct {
	limit, page                               int
	cursor                                    string
	sort, period, username, typ               string
	browsing                                  int
	modelID, versionID, postID, imageID, user int64
	tags                                      []int64
	baseModels                                []string
	withMeta, withTags, requiringMeta         bool
	flatMeta                                  *bool // nil = absent
}

func parseImagesParams(q query) (imagesParams, []zodIssue) {
	p := imagesParams{limit: 100, sort: "Most Reactions", period: "AllTime"}
	var issues []zodIssue
	// limit is numericString(z.number().min(0).max(200)); page is
	// numericString() and kept ≥ 1 here.
	if n, ok := numericParam(q, "limit", 0, 200, &issues); ok && n >= 1 {
		p.limit = int(n)
	}
	if n, ok := numericParam(q, "page", 1, math.MaxInt32, &issues); ok {
		p.page = int(n)
	}
	enumOne := func(key string, options []string, def string) string {
		return enumParam(q, key, options, def, &issues)
	}
	p.sort = enumOne("sort", imageSorts, "Most Reactions")
	p.period = enumOne("period", periods, "AllTime")
	p.typ = enumOne("type", mediaTypes, "")
	browsing, bi := imageBrowsing(q)
	p.browsing = browsing
	issues = append(issues, bi...)
	// The ids are numericString(): Number(v), 0 (no filter) for "".
	idParam := func(key string) int64 {
		f, _ := numericParam(q, key, math.Inf(-1), math.Inf(1), &issues)
		return int64(f)
	}
	p.modelID, p.versionID, p.postID = idParam("modelId"), idParam("modelVersionId"), idParam("postId")
	p.imageID, p.user = idParam("imageId"), idParam("userId")
	// tags: commaDelimitedNumberArray; baseModels: commaDelimitedEnumArray
	// over the BaseModel list (unlike /models, §2.1).
	if v, ok, _ := q.one("tags"); ok {
		for i, part := range strings.Split(v, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
			if err != nil {
				issues = append(issues, nanIssue([]any{"tags", i}))
				continue
			}
			p.tags = append(p.tags, n)
		}
	}
	if v, ok, _ := q.one("baseModels"); ok {
		for i, part := range strings.Split(v, ",") {
			if !contains(baseModels, part) {
				issues = append(issues, enumIssue([]any{"baseModels", i}, part, baseModels))
				continue
			}
			p.baseModels = append(p.baseModels, part)
		}
	}
	p.cursor, _, _ = q.one("cursor")
	p.username, _, _ = q.one("username")
	// withMeta, withTags, requiringMeta and flatMeta are booleanString()
	// (imagesEndpointSchema): only "true" is true.
	flag := func(key string) (bool, bool) { return booleanString(q, key, &issues) }
	p.withMeta, _ = flag("withMeta")
	p.withTags, _ = flag("withTags")
	p.requiringMeta, _ = flag("requiringMeta")
	if b, ok := flag("flatMeta"); ok {
		p.flatMeta = &b
	}
	return p, issues
}

// matches applies the filters of getAllImages / the feed search.
func (p imagesParams) matches(im *FakeImage) bool {
	v := im.version
	switch {
	case v.Status != "Published" || !v.model.Visible() || v.model.Mode == "TakenDown" || im.NSFWLevel&p.browsing == 0:
		return false
	case p.modelID != 0 && v.ModelID != p.modelID, p.versionID != 0 && v.ID != p.versionID,
		p.postID != 0 && im.PostID != p.postID, p.imageID != 0 && im.ID != p.imageID,
		p.user != 0 && im.UserID != p.user:
		return false
	case p.username != "" && !strings.EqualFold(p.username, im.Username):
		return false
	case p.typ != "" && im.Type != p.typ:
		return false
	case len(p.baseModels) > 0 && !contains(p.baseModels, v.BaseModel):
		return false
	case p.requiringMeta && !im.HasMeta:
		return false
	}
	if start := periodStart(p.period); !start.IsZero() && im.CreatedAt.Before(start) {
		return false
	}
	if len(p.tags) > 0 {
		for _, t := range im.Tags {
			if slices.Contains(p.tags, t.ID) {
				return true
			}
		}
		return false
	}
	return true
}

// handleImages is GET /api/v1/images (§2.6). meta is null unless
// withMeta=true; then it is the flat object of the 2023 sample, or the
// legacy wrapper {id, meta} when the request takes the legacy path
// (imageId, or modelId without modelVersionId) and flatMeta is absent.
func (s *Server) handleImages(w http.ResponseWriter, r *http.Request) {
	if !s.headers(w, r, classPublic, publicCache) {
		return
	}
	q := parseQuery(r.URL.RawQuery)
	p, issues := parseImagesParams(q)
	if len(issues) > 0 {
		s.respond(w, r, http.StatusBadRequest, obj{{"error", zodError(issues)}})
		return
	}
	usingPaging := p.page > 0 && p.cursor == ""
	if usingPaging && p.page*p.limit > 1000 {
		// The page cap applies to /images too (§2.6, §5.2).
		s.respond(w, r, http.StatusTooManyRequests, errBody("You've requested too many pages, please use cursors instead"))
		return
	}
	// runImageSearch: useLegacyMethod = imageId ? true : !!modelId &&
	// !modelVersionId; useFlat = flatMeta ?? !useLegacyMethod (§2.6).
	legacy := p.imageID != 0 || p.modelID != 0 && p.versionID == 0
	flat := !legacy
	if p.flatMeta != nil {
		flat = *p.flatMeta
	}
	var all []*FakeImage
	for _, im := range s.Catalog.images {
		if p.matches(im) {
			all = append(all, im)
		}
	}
	keys := make(map[*FakeImage][]int64, len(all))
	for _, im := range all {
		keys[im] = imageKey(im, p.sort)
	}
	slices.SortFunc(all, func(a, b *FakeImage) int { return cmpKeys(keys[a], keys[b]) })
	start := 0
	switch {
	case p.cursor != "":
		ck, ok := decodeCursor(p.cursor, 2)
		if !ok {
			s.respond(w, r, http.StatusInternalServerError, obj{{"error", "Invalid cursor"}, {"code", "INTERNAL_SERVER_ERROR"}})
			return
		}
		start = len(all)
		for i, im := range all {
			if cmpKeys(keys[im], ck) >= 0 {
				start = i
				break
			}
		}
	case usingPaging:
		start = min((p.page-1)*p.limit, len(all))
	}
	end := min(start+p.limit, len(all))
	items := []obj{}
	for i := start; i < end; i++ {
		items = append(items, renderImageItem(all[i], imageRender{withMeta: p.withMeta, flat: flat, withTags: p.withTags}, s.imageBase()))
	}
	// Metadata is {nextCursor, currentPage, pageSize, nextPage}; nextPage
	// is page=currentPage+1 in page mode and cursor=nextCursor otherwise
	// (getNextPage, §2.6; sample images-list-1.json).
	meta := obj{}
	if end < len(all) {
		meta.set("nextCursor", encodeCursor(keys[all[end]]))
	}
	if usingPaging {
		meta.set("currentPage", p.page)
		meta.set("pageSize", p.limit)
	}
	if end < len(all) {
		next := query{vals: map[string][]string{}, keys: append([]string(nil), q.keys...)}
		for k, v := range q.vals {
			next.vals[k] = v
		}
		if usingPaging {
			next.set("page", strconv.Itoa(p.page+1))
		} else {
			next.set("cursor", encodeCursor(keys[all[end]]))
		}
		meta.set("nextPage", origin(r)+r.URL.Path+"?"+next.stringify())
	}
	s.respond(w, r, http.StatusOK, obj{{"items", items}, {"metadata", meta}})
}
