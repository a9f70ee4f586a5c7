package sidecar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Errors of ReadAny, for errors.Is.
var (
	// ErrNotOnCivitai: Civitai Helper looked the model's hash up and CivitAI
	// did not know it; Helper records that as an empty (or "{}")
	// .civitai.info so it does not ask again.
	ErrNotOnCivitai = errors.New("model is not on civitai")
	// ErrMalformed: sidecars exist but none could be parsed.
	ErrMalformed = errors.New("malformed sidecar")
)

// errNotSidecar marks a file with a sidecar's name that is something else
// (a .json that is not A1111 user metadata); ReadAny treats it as absent.
var errNotSidecar = errors.New("not a sidecar")

// maxSidecarBytes bounds what ReadAny reads of one sidecar; real ones are
// a few KiB to a few hundred KiB.
const maxSidecarBytes = 16 << 20

// Info is what a sidecar says about a model file. Hashes are upper-case
// hex, as CivitAI publishes them; fields a sidecar does not know are zero.
type Info struct {
	ModelID, VersionID, FileID int64
	// FileName is the name CivitAI publishes for the file (FileID's).
	FileName               string
	SHA256, AutoV2, BLAKE3 string
	ModelName, VersionName string
	// ModelType is CivitAI's model type (LORA, Checkpoint, ...).
	ModelType string
	// BaseModel is CivitAI's base model ("SDXL 1.0"), or for an A1111
	// .json only its "sd version" (SD1, SDXL, ...).
	BaseModel    string
	TrainedWords []string
	// Source is the suffix of the sidecar the info came from (one of the
	// Suffix constants) and Path that file.
	Source, Path string
	// HashSource is the suffix of the sidecar SHA256 came from.
	HashSource string
	// Size is the file's size in bytes as the sidecar states it (CivitAI's
	// sizeKB, so within a KiB), 0 when it states none.
	Size int64
	// Misfit: the sidecar lists files of the model's name, and none has
	// the local file's size. It describes another file (or this one
	// before it was cut short or replaced) and names nothing.
	Misfit bool
	// alts are the files of a version that carry the model's name: one
	// version can hold fp16 and fp32 files of the same name.
	alts []fileAlt
	// all are every file of the version, whatever its name: a renamed
	// file is one of them by its hash, or none of them.
	all []fileAlt
}

// ListsHashes reports whether the sidecar lists the SHA-256 of its
// version's files, so that a file's own hash tells whether it is one of
// them (PickByHash).
func (in *Info) ListsHashes() bool {
	return slices.ContainsFunc(in.all, func(a fileAlt) bool { return a.sha256 != "" })
}

// fileAlt is one candidate file of a version object.
type fileAlt struct {
	id                     int64
	name                   string
	size                   int64 // bytes, from sizeKB; 0 unknown
	sha256, autoV2, blake3 string
}

// SizeMatches reports whether a file of n bytes can be the one the
// sidecar describes: its size is unknown, or within the KiB that
// CivitAI's sizeKB leaves open.
func (in *Info) SizeMatches(n int64) bool {
	return in.Size == 0 || n >= in.Size-1024 && n <= in.Size+1024
}

// pick sets the file fields from the candidate whose size fits a local
// file of n bytes (n < 0: unknown, the first candidate). No fit, or two
// (same name, same size): no file and no hashes, rather than another
// file's; the version still names the model.
func (in *Info) pick(n int64) {
	if len(in.alts) == 0 {
		return
	}
	var fit []fileAlt
	for _, a := range in.alts {
		if n < 0 || a.size == 0 || n >= a.size-1024 && n <= a.size+1024 {
			fit = append(fit, a)
		}
	}
	in.FileID, in.FileName, in.SHA256, in.AutoV2, in.BLAKE3, in.Size = 0, "", "", "", "", 0
	in.Misfit = len(fit) == 0
	if len(fit) == 1 || n < 0 && len(fit) > 0 {
		a := fit[0]
		in.FileID, in.FileName, in.SHA256, in.AutoV2, in.BLAKE3, in.Size = a.id, a.name, a.sha256, a.autoV2, a.blake3, a.size
	}
}

// score weighs how much an Info knows, to pick the most informative.
func (in *Info) score() int {
	s := 0
	add := func(ok bool, w int) {
		if ok {
			s += w
		}
	}
	add(in.VersionID != 0, 8)
	add(in.ModelID != 0, 4)
	add(in.SHA256 != "", 4)
	add(in.FileID != 0, 2)
	add(in.AutoV2 != "", 1)
	add(in.BLAKE3 != "", 1)
	add(in.ModelName != "", 1)
	add(in.VersionName != "", 1)
	add(in.ModelType != "", 1)
	add(in.BaseModel != "", 1)
	add(len(in.TrainedWords) > 0, 1)
	return s
}

// fill copies into in the fields it lacks from o.
func (in *Info) fill(o *Info) {
	setI := func(dst *int64, v int64) {
		if *dst == 0 {
			*dst = v
		}
	}
	setS := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	setI(&in.ModelID, o.ModelID)
	setI(&in.VersionID, o.VersionID)
	setI(&in.FileID, o.FileID)
	if in.FileName == "" && (in.FileID == 0 || in.FileID == o.FileID) {
		in.FileName = o.FileName
	}
	if in.SHA256 == "" && o.SHA256 != "" {
		in.SHA256, in.HashSource = o.SHA256, o.HashSource
	}
	setI(&in.Size, o.Size)
	setS(&in.AutoV2, o.AutoV2)
	setS(&in.BLAKE3, o.BLAKE3)
	setS(&in.ModelName, o.ModelName)
	setS(&in.VersionName, o.VersionName)
	setS(&in.ModelType, o.ModelType)
	setS(&in.BaseModel, o.BaseModel)
	if len(in.TrainedWords) == 0 {
		in.TrainedWords = o.TrainedWords
	}
}

// agrees reports whether o describes the same file as in: no different
// version id and no different SHA-256.
func (in *Info) agrees(o *Info) bool {
	if in.VersionID != 0 && o.VersionID != 0 && in.VersionID != o.VersionID {
		return false
	}
	return in.SHA256 == "" || o.SHA256 == "" || in.SHA256 == o.SHA256
}

// readers lists the sidecars ReadAny looks for, best first (ties in
// informativeness go to the earlier one).
func readers() []struct {
	suffix string
	parse  func(data []byte, modelName string) (*Info, error)
} {
	return []struct {
		suffix string
		parse  func(data []byte, modelName string) (*Info, error)
	}{
		{SuffixInfo, parseCivitaiInfo},
		{SuffixStabilityMtx, parseStabilityMatrix},
		{SuffixLoraManager, parseLoraManager},
		{SuffixCivicomfy, parseCivicomfy},
		{SuffixA1111, parseA1111},
		{SuffixSHA256, parseSHA256},
	}
}

// ReadAny reads the sidecars other tools keep beside model (see the
// Suffix constants) leniently and returns the most informative, with the
// fields it lacks filled from the others that agree with it (same version
// id and SHA-256). Files that do not parse are skipped, and a .json that
// is not A1111 user metadata (a workflow, say) counts as absent.
//
// It returns an error wrapping fs.ErrNotExist when there is no sidecar,
// ErrMalformed when none parses, and ErrNotOnCivitai when Civitai Helper
// recorded that CivitAI does not know the file and no other sidecar names
// a version; the Info returned with ErrNotOnCivitai, if not nil, still
// holds what the other sidecars knew (a SHA-256, say).
func ReadAny(model string) (*Info, error) {
	s := stem(model)
	name := filepath.Base(model)
	size := int64(-1)
	if fi, err := os.Stat(model); err == nil {
		size = fi.Size()
	}
	var (
		found        []*Info
		notOnCivitai bool
		firstErr     error
	)
	for _, r := range readers() {
		p := s + r.suffix
		data, err := readLimited(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if r.suffix == SuffixInfo && isEmptyInfo(data) {
			notOnCivitai = true
			continue
		}
		in, err := r.parse(data, name)
		if errors.Is(err, errNotSidecar) {
			continue
		}
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("read %s: %w: %v", p, ErrMalformed, err)
			}
			continue
		}
		in.pick(size)
		in.Source, in.Path = r.suffix, p
		if in.SHA256 != "" {
			in.HashSource = r.suffix
		}
		found = append(found, in)
	}
	if len(found) == 0 {
		switch {
		case notOnCivitai:
			return nil, fmt.Errorf("%s: %w", model, ErrNotOnCivitai)
		case firstErr != nil:
			return nil, firstErr
		}
		return nil, fmt.Errorf("no sidecar for %s: %w", model, fs.ErrNotExist)
	}
	// Files of one name that the size could not tell apart: another
	// sidecar's SHA-256 (A1111's .json, a .sha256) picks among them.
	for _, in := range found {
		for _, o := range found {
			if o != in && o.SHA256 != "" && in.PickByHash(o.SHA256) {
				in.HashSource = in.Source
				break
			}
		}
	}
	best := found[0]
	for _, in := range found[1:] {
		if in.score() > best.score() {
			best = in
		}
	}
	out := *best
	for _, in := range found {
		if in != best && out.agrees(in) {
			out.fill(in)
		}
	}
	if notOnCivitai && out.VersionID == 0 {
		return &out, fmt.Errorf("%s: %w", model, ErrNotOnCivitai)
	}
	return &out, nil
}

// readLimited reads a sidecar of at most maxSidecarBytes.
func readLimited(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSidecarBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if len(data) > maxSidecarBytes {
		return nil, fmt.Errorf("read %s: %w: larger than %d bytes", p, ErrMalformed, maxSidecarBytes)
	}
	return data, nil
}

// isEmptyInfo reports Helper's "not on CivitAI" marker: an empty file or
// an empty JSON object.
func isEmptyInfo(data []byte) bool {
	d := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(d) == 0 {
		return true
	}
	var m map[string]json.RawMessage
	return json.Unmarshal(d, &m) == nil && len(m) == 0
}

// object decodes a JSON object with numbers kept as json.Number.
func object(data []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("not a json object")
	}
	return m, nil
}

// get returns m[key], falling back to a case-insensitive match (the
// smallest such key, for determinism).
func get(m map[string]any, key string) any {
	if v, ok := m[key]; ok {
		return v
	}
	var match string
	found := false
	for k := range m {
		if strings.EqualFold(k, key) && (!found || k < match) {
			match, found = k, true
		}
	}
	if found {
		return m[match]
	}
	return nil
}

// obj returns m[key] as an object (nil if it is not one).
func obj(m map[string]any, key string) map[string]any {
	o, _ := get(m, key).(map[string]any)
	return o
}

// str returns m[key] as a trimmed string ("" if it is not one).
func str(m map[string]any, key string) string {
	s, _ := get(m, key).(string)
	return strings.TrimSpace(s)
}

// id returns m[key] as a positive integer id: a JSON integer, or a string
// of digits; anything else is 0.
func id(m map[string]any, key string) int64 {
	var s string
	switch v := get(m, key).(type) {
	case json.Number:
		s = v.String()
	case string:
		s = strings.TrimSpace(v)
	default:
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int64(f)) {
			return 0
		}
		n = int64(f)
	}
	if n < 0 {
		return 0
	}
	return n
}

// words returns m[key] as a list of non-empty strings: a JSON array of
// strings, or a comma-separated string.
func words(m map[string]any, key string) []string {
	var raw []string
	switch v := get(m, key).(type) {
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				raw = append(raw, s)
			}
		}
	case string:
		raw = strings.Split(v, ",")
	}
	var out []string
	for _, w := range raw {
		if w = strings.TrimSpace(w); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// hexHash returns s upper-cased if it is n hex digits, else "".
func hexHash(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) != n {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return ""
		}
	}
	return strings.ToUpper(s)
}

// setHashes fills the hashes of in from a CivitAI-style hashes object.
func setHashes(in *Info, h map[string]any) {
	in.SHA256 = hexHash(str(h, "SHA256"), 64)
	in.AutoV2 = hexHash(str(h, "AutoV2"), 10)
	in.BLAKE3 = hexHash(str(h, "BLAKE3"), 64)
}

// parseVersion reads a CivitAI model-version object (the API shape).
// Hashes and file id come from the file named like the model, else from
// the only file; with several files and no name match they stay empty
// rather than risk another file's hash.
func parseVersion(m map[string]any, modelName string) *Info {
	in := &Info{
		VersionID:    id(m, "id"),
		ModelID:      id(m, "modelId"),
		VersionName:  str(m, "name"),
		BaseModel:    str(m, "baseModel"),
		TrainedWords: words(m, "trainedWords"),
	}
	if model := obj(m, "model"); model != nil {
		in.ModelName = str(model, "name")
		in.ModelType = str(model, "type")
	}
	files, _ := get(m, "files").([]any)
	var named []map[string]any
	for _, f := range files {
		fm, _ := f.(map[string]any)
		if fm != nil && strings.EqualFold(str(fm, "name"), modelName) {
			named = append(named, fm)
		}
	}
	if len(named) == 0 && len(files) == 1 {
		if fm, _ := files[0].(map[string]any); fm != nil {
			named = append(named, fm)
		}
	}
	alt := func(fm map[string]any) fileAlt {
		h := &Info{}
		setHashes(h, obj(fm, "hashes"))
		return fileAlt{id: id(fm, "id"), name: str(fm, "name"), size: sizeKB(fm), sha256: h.SHA256, autoV2: h.AutoV2, blake3: h.BLAKE3}
	}
	for _, fm := range named {
		in.alts = append(in.alts, alt(fm))
	}
	for _, f := range files {
		if fm, _ := f.(map[string]any); fm != nil {
			in.all = append(in.all, alt(fm))
		}
	}
	in.pick(-1) // ReadAny picks again by the local file's size
	return in
}

// PickByHash takes, among files of the model's name that its size could
// not tell apart, the one whose published SHA-256 is sha (a hash the file
// was found to have, or another sidecar states); failing that, any file of
// the version with that hash (the file was renamed). It reports whether one
// was taken.
func (in *Info) PickByHash(sha string) bool {
	if in.SHA256 != "" || in.Misfit || sha == "" {
		return false
	}
	// The files of the model's name first, then any (a renamed file).
	for _, a := range slices.Concat(in.alts, in.all) {
		if a.sha256 != "" && strings.EqualFold(a.sha256, sha) {
			in.FileID, in.FileName, in.SHA256, in.AutoV2, in.BLAKE3, in.Size = a.id, a.name, a.sha256, a.autoV2, a.blake3, a.size
			return true
		}
	}
	return false
}

// sizeKB returns files[].sizeKB in bytes, 0 when absent or not a number.
func sizeKB(m map[string]any) int64 {
	n, ok := get(m, "sizeKB").(json.Number)
	if !ok {
		return 0
	}
	f, err := n.Float64()
	if err != nil || f <= 0 || f > 1<<50 {
		return 0
	}
	return int64(f * 1024)
}

// parseCivitaiInfo reads a .civitai.info: the raw model-version JSON
// (Civitai Helper, Browser+).
func parseCivitaiInfo(data []byte, modelName string) (*Info, error) {
	m, err := object(data)
	if err != nil {
		return nil, err
	}
	return parseVersion(m, modelName), nil
}

// parseStabilityMatrix reads a .cm-info.json (StabilityMatrix
// StabilityMatrix.Core/Models/ConnectedModelInfo.cs, serialized with
// System.Text.Json's default PascalCase names; Hashes is CivitFileHashes
// {SHA256, CRC32, BLAKE3}; ModelType is the CivitModelType name).
func parseStabilityMatrix(data []byte, _ string) (*Info, error) {
	return parsePascal(data, "RemoteFileId")
}

// parsePascal reads the flat PascalCase sidecars of StabilityMatrix and
// Civicomfy, which differ only in the key of the downloaded file's id.
func parsePascal(data []byte, fileIDKey string) (*Info, error) {
	m, err := object(data)
	if err != nil {
		return nil, err
	}
	in := &Info{
		ModelID:      id(m, "ModelId"),
		VersionID:    id(m, "VersionId"),
		FileID:       id(m, fileIDKey),
		ModelName:    str(m, "ModelName"),
		VersionName:  str(m, "VersionName"),
		ModelType:    str(m, "ModelType"),
		BaseModel:    str(m, "BaseModel"),
		TrainedWords: words(m, "TrainedWords"),
	}
	setHashes(in, obj(m, "Hashes"))
	return in, nil
}

// parseLoraManager reads a .metadata.json (willmiao/ComfyUI-Lora-Manager
// py/utils/models.py BaseModelMetadata: sha256 of the local file in lower
// case, model_name, base_model, and the version JSON under "civitai").
func parseLoraManager(data []byte, modelName string) (*Info, error) {
	m, err := object(data)
	if err != nil {
		return nil, err
	}
	in := &Info{}
	if civ := obj(m, "civitai"); civ != nil {
		in = parseVersion(civ, modelName)
	}
	// LoRA Manager hashed the file itself: trust its sha256 over a guess.
	if h := hexHash(str(m, "sha256"), 64); h != "" {
		in.SHA256 = h
	}
	if n := str(m, "model_name"); n != "" {
		in.ModelName = n
	}
	if in.BaseModel == "" {
		in.BaseModel = str(m, "base_model")
	}
	return in, nil
}

// parseCivicomfy reads a .cminfo.json (MoonGoblinDev/Civicomfy
// downloader/manager.py _save_civitai_metadata: flat PascalCase keys;
// PrimaryFileId is the file that was downloaded).
func parseCivicomfy(data []byte, _ string) (*Info, error) {
	return parsePascal(data, "PrimaryFileId")
}

// parseA1111 reads an A1111 user-metadata .json, with the modelId,
// modelVersionId and sha256 keys sd-civitai-browser-plus adds. A .json
// with none of those keys is not taken for a sidecar (it may be a
// workflow or anything else) and counts as absent.
func parseA1111(data []byte, _ string) (*Info, error) {
	m, err := object(data)
	if err != nil {
		// .json is a generic name: a file that is not even an object is
		// someone else's.
		return nil, fmt.Errorf("%w: %v", errNotSidecar, err)
	}
	in := &Info{
		ModelID:      id(m, "modelId"),
		VersionID:    id(m, "modelVersionId"),
		SHA256:       hexHash(str(m, "sha256"), 64),
		TrainedWords: words(m, "activation text"),
	}
	// Civitai Helper (zixaphir/Stable-Diffusion-Webui-Civitai-Helper
	// scripts/ch_lib/model.py process_model_info) joins trained words that
	// are whole prompts ("1girl, solo") with " || ", the others with ", ".
	if act := str(m, "activation text"); strings.Contains(act, "||") {
		in.TrainedWords = nil
		for _, w := range strings.Split(act, "||") {
			if w = strings.TrimSpace(w); w != "" {
				in.TrainedWords = append(in.TrainedWords, w)
			}
		}
	}
	known := false
	for _, k := range []string{"description", "sd version", "activation text", "preferred weight", "negative text", "notes", "modelId", "modelVersionId", "sha256"} {
		if get(m, k) != nil {
			known = true
		}
	}
	if !known {
		return nil, fmt.Errorf("%w: no a1111 user-metadata keys", errNotSidecar)
	}
	if v := str(m, "sd version"); v != "" && !strings.EqualFold(v, "Unknown") {
		in.BaseModel = v
	}
	return in, nil
}

// parseSHA256 reads a .sha256 file: a bare hash, sha256sum's
// "<hash>  <file>" / "<hash> *<file>", or BSD's "SHA256 (<file>) = <hash>".
func parseSHA256(data []byte, _ string) (*Info, error) {
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(line, "\ufeff"))
		if line == "" {
			continue
		}
		tok := line
		if i := strings.LastIndex(line, "= "); strings.HasPrefix(line, "SHA256 (") && i > 0 {
			tok = line[i+2:]
		} else if f := strings.Fields(line); len(f) > 0 {
			tok = strings.TrimPrefix(f[0], "\\")
		}
		if h := hexHash(tok, 64); h != "" {
			return &Info{SHA256: h}, nil
		}
		return nil, errors.New("no sha-256 hash")
	}
	return nil, errors.New("empty file")
}

// Kinds returns the sidecar suffixes ReadAny reads, best first.
func Kinds() []string {
	rs := readers()
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.suffix
	}
	return out
}
