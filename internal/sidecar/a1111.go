package sidecar

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/url"
	"strings"

	"github.com/civit/civit/internal/api"
)

// A1111Meta is the extra-networks user metadata AUTOMATIC1111 and Forge
// keep in <model>.json. The first six keys, in this order, are what the
// A1111 metadata editor writes (extensions-builtin/Lora/
// ui_edit_user_metadata.py save_lora_user_metadata); modelId and sha256 are
// what sd-civitai-browser-plus adds (scripts/civitai_file_manage.py
// get_models, gen_sha256) and modelVersionId pins the exact version.
type A1111Meta struct {
	Description string `json:"description"`
	// SDVersion is one of A1111's SdVersion names: SD1, SD2, SDXL, SD3,
	// Flux (Forge) or Unknown (see SDVersion).
	SDVersion string `json:"sd version"`
	// ActivationText is added to the prompt with the LoRA.
	ActivationText string `json:"activation text"`
	// PreferredWeight 0 means "use the default multiplier".
	PreferredWeight float64 `json:"preferred weight"`
	NegativeText    string  `json:"negative text"`
	Notes           string  `json:"notes"`
	ModelID         int64   `json:"modelId,omitempty"`
	ModelVersionID  int64   `json:"modelVersionId,omitempty"`
	// SHA256 is lower-case hex, as Browser+ writes it (hashlib hexdigest).
	SHA256 string `json:"sha256,omitempty"`
}

// DefaultBaseURL is the site linked from the notes when NewA1111Meta gets
// no base URL.
const DefaultBaseURL = "https://civitai.com"

// NewA1111Meta builds the user metadata of a downloaded model version.
// The description is descriptionHTML (CivitAI descriptions are HTML)
// turned into plain text, or "<model> - <version>" when that is empty; the
// activation text is trainedWords joined with ", " without <lora:...>
// tags (A1111 adds the tag itself, Browser+ strips them the same way); the
// preferred weight is 0 because CivitAI publishes none; the notes link the
// version page on baseURL (DefaultBaseURL when empty).
func NewA1111Meta(modelID, versionID int64, modelName, versionName, baseModel string, trainedWords []string, descriptionHTML, sha256, baseURL string) A1111Meta {
	desc := HTMLToText(descriptionHTML)
	if desc == "" {
		desc = strings.Trim(strings.TrimSpace(modelName)+" - "+strings.TrimSpace(versionName), " -")
	}
	return A1111Meta{
		Description:    desc,
		SDVersion:      SDVersion(baseModel),
		ActivationText: ActivationText(trainedWords),
		Notes:          VersionURL(baseURL, modelID, versionID),
		ModelID:        modelID,
		ModelVersionID: versionID,
		SHA256:         strings.ToLower(strings.TrimSpace(sha256)),
	}
}

// WriteA1111 writes m to path, normally JSONPath(model), the way A1111's
// editor does (json.dump(indent=4, ensure_ascii=False), UTF-8, no HTML
// escaping). Without force an existing file, which may hold the user's own
// notes, is kept and written is false. With force (a replaced or updated
// model) what only the user can have set survives: the preferred weight,
// the negative text and notes that are more than a CivitAI link.
func WriteA1111(path string, m A1111Meta, force bool) (written bool, err error) {
	if force {
		keepUserFields(path, &m)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(m); err != nil {
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	return writeAtomic(path, force, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// CarryUserFields copies the user's own values (see keepUserFields) from
// the A1111 metadata at from into the one at to: a model replaced by its
// new version under another name keeps its card's weight, negative text
// and notes. Nothing happens when either file is missing or not metadata.
func CarryUserFields(from, to string) error {
	data, err := readLimited(to)
	if err != nil {
		return nil
	}
	var m A1111Meta
	if json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &m) != nil {
		return nil
	}
	before := m
	keepUserFields(from, &m)
	if m == before {
		return nil
	}
	_, err = WriteA1111(to, m, true)
	return err
}

// keepUserFields copies into m the user's own values from the A1111
// metadata at path, if it parses: CivitAI publishes no preferred weight or
// negative text, and notes civit wrote are the version's link.
func keepUserFields(path string, m *A1111Meta) {
	data, err := readLimited(path)
	if err != nil {
		return
	}
	var old A1111Meta
	if json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &old) != nil {
		return
	}
	if old.PreferredWeight != 0 {
		m.PreferredWeight = old.PreferredWeight
	}
	if strings.TrimSpace(old.NegativeText) != "" {
		m.NegativeText = old.NegativeText
	}
	if n := strings.TrimSpace(old.Notes); n != "" && !isCivitaiLink(n) {
		m.Notes = old.Notes
	}
}

// isCivitaiLink reports notes that are only a link to a CivitAI page, as
// civit and Browser+ write them.
func isCivitaiLink(s string) bool {
	if strings.ContainsAny(s, " \n\t") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && strings.Contains(u.Path, "/models/")
}

// SDVersion maps a CivitAI base model to A1111's "sd version" value:
// SD1, SD2, SDXL (also Pony, Illustrious, NoobAI), SD3, Flux (FLUX.1, which
// Forge's SdVersion knows) or Unknown. A1111 ignores values it has no
// SdVersion member for and detects the version itself.
func SDVersion(baseModel string) string {
	switch api.BaseModelFamily(baseModel) {
	case api.FamilySD1:
		return "SD1"
	case api.FamilySD2:
		return "SD2"
	case api.FamilySD3:
		return "SD3"
	case api.FamilySDXL:
		return "SDXL"
	case api.FamilyFlux1:
		return "Flux"
	}
	return "Unknown"
}

// ActivationText joins trained words with ", ", dropping empty words and
// prompt tags such as <lora:name:1>.
func ActivationText(trainedWords []string) string {
	words := make([]string, 0, len(trainedWords))
	for _, w := range trainedWords {
		w = strings.TrimSpace(w)
		if w == "" || (strings.HasPrefix(w, "<") && strings.HasSuffix(w, ">") && strings.Contains(w, ":")) {
			continue
		}
		words = append(words, w)
	}
	return strings.Join(words, ", ")
}

// VersionURL returns the CivitAI page of a version:
// https://civitai.com/models/ID?modelVersionId=V ("" without IDs).
func VersionURL(baseURL string, modelID, versionID int64) string {
	base := strings.TrimRight(strings.TrimSpace(baseURL), "/")
	if base == "" {
		base = DefaultBaseURL
	}
	switch {
	case modelID > 0 && versionID > 0:
		return fmt.Sprintf("%s/models/%d?modelVersionId=%d", base, modelID, versionID)
	case modelID > 0:
		return fmt.Sprintf("%s/models/%d", base, modelID)
	case versionID > 0:
		return fmt.Sprintf("%s/model-versions/%d", base, versionID)
	}
	return ""
}

// HTMLToText turns a CivitAI description (HTML from its rich-text editor)
// into plain text: block ends and <br> become line breaks, list items
// start with "- ", script and style content is dropped, entities are
// decoded, spaces are collapsed and at most one blank line is kept.
func HTMLToText(s string) string {
	var b strings.Builder
	skip := "" // inside <script> or <style>: the closing tag to wait for
	for len(s) > 0 {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			if skip == "" {
				b.WriteString(s)
			}
			break
		}
		if skip == "" {
			b.WriteString(s[:lt])
		}
		s = s[lt:]
		gt := strings.IndexByte(s, '>')
		if gt < 0 {
			break // an unterminated tag: drop the rest
		}
		name, closing := tagName(s[1:gt])
		s = s[gt+1:]
		if skip != "" {
			if closing && name == skip {
				skip = ""
			}
			continue
		}
		switch name {
		case "script", "style":
			if !closing {
				skip = name
			}
		case "br", "hr":
			b.WriteByte('\n')
		case "li":
			if !closing {
				b.WriteString("\n- ")
			}
		case "p", "div", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "table":
			b.WriteByte('\n')
		}
	}
	return tidyText(html.UnescapeString(b.String()))
}

// tagName returns the lower-case name of the tag whose text (between < and
// >) is t, and whether it is a closing tag.
func tagName(t string) (name string, closing bool) {
	t = strings.TrimSpace(t)
	if strings.HasPrefix(t, "/") {
		closing = true
		t = strings.TrimSpace(t[1:])
	}
	end := strings.IndexAny(t, " \t\r\n/")
	if end >= 0 {
		t = t[:end]
	}
	return strings.ToLower(t), closing
}

// tidyText collapses runs of spaces within lines, trims lines and keeps at
// most one empty line between paragraphs.
func tidyText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	out := make([]string, 0, len(lines))
	blank := true // suppresses leading blank lines
	for _, l := range lines {
		l = strings.Join(strings.Fields(strings.ReplaceAll(l, "\u00a0", " ")), " ")
		if l == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		out = append(out, l)
		blank = false
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
