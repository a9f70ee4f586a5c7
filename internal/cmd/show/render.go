package show

import (
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/civit/civit/internal/api"
	"github.com/civit/civit/internal/iostreams"
	"github.com/civit/civit/internal/tableprinter"
)

// render prints the model (may be nil when only the version is known) and
// the selected version (nil = latest).
func render(ios *iostreams.IOStreams, m *api.Model, v *api.ModelVersion, wantVersion int64) error {
	w := ios.Out
	if m != nil {
		if v == nil {
			if len(m.ModelVersions) > 0 {
				v = m.ModelVersions[0]
			}
		} else {
			// Prefer the model's copy of the version for list fields
			// (availability, early-access deadline) but keep the detail
			// version's files and images.
			for _, mv := range m.ModelVersions {
				if mv.ID != v.ID {
					continue
				}
				if v.Availability == "" {
					v.Availability = mv.Availability
				}
				if v.EarlyAccessDeadline.IsZero() {
					v.EarlyAccessDeadline = mv.EarlyAccessDeadline
				}
				if v.EarlyAccessEndsAt.IsZero() {
					v.EarlyAccessEndsAt = mv.EarlyAccessEndsAt
				}
			}
		}
		renderModel(w, m)
		renderVersions(ios, m, v)
	}
	if v == nil {
		fmt.Fprintln(w, "\nThis model has no published versions.")
		return nil
	}
	renderVersion(ios, m, v)
	return nil
}

// labelWidth fits the longest label, "trigger words:", and a space.
const labelWidth = 15

func field(w io.Writer, name, value string) {
	if value == "" {
		return
	}
	// Values come from CivitAI's users: no terminal escapes.
	fmt.Fprintf(w, "%-*s%s\n", labelWidth, name+":", tableprinter.CleanText(value))
}

func renderModel(w io.Writer, m *api.Model) {
	fmt.Fprintf(w, "%s\n", tableprinter.Clean(m.Name))
	field(w, "id", fmt.Sprintf("%d", m.ID))
	field(w, "type", string(m.Type))
	if m.Creator != nil {
		field(w, "creator", m.Creator.Username)
	}
	if len(m.ModelVersions) > 0 {
		field(w, "base model", m.ModelVersions[0].BaseModel)
	}
	field(w, "tags", strings.Join(m.Tags, ", "))
	field(w, "license", license(m))
	field(w, "stats", stats(m.Stats))
	if bool(m.NSFW) {
		field(w, "nsfw", "yes")
	}
	if m.Mode != "" {
		field(w, "status", m.Mode)
	}
	if d := plainText(m.Description, 3); d != "" {
		field(w, "description", d)
	}
}

func license(m *api.Model) string {
	var parts []string
	if len(m.AllowCommercialUse) == 0 || (len(m.AllowCommercialUse) == 1 && m.AllowCommercialUse[0] == "None") {
		parts = append(parts, "no commercial use")
	} else {
		parts = append(parts, "commercial use: "+strings.Join(m.AllowCommercialUse, ", "))
	}
	if m.AllowNoCredit != nil {
		if *m.AllowNoCredit {
			parts = append(parts, "credit not required")
		} else {
			parts = append(parts, "credit required")
		}
	}
	if m.AllowDerivatives != nil {
		if *m.AllowDerivatives {
			parts = append(parts, "derivatives allowed")
		} else {
			parts = append(parts, "no derivatives")
		}
	}
	if m.AllowDifferentLicense != nil && !*m.AllowDifferentLicense {
		parts = append(parts, "same license for derivatives")
	}
	return strings.Join(parts, "; ")
}

func stats(s api.Stats) string {
	var parts []string
	add := func(n *int64, what string) {
		if n != nil {
			parts = append(parts, fmt.Sprintf("%s %s", thousands(*n), what))
		}
	}
	add(s.DownloadCount, "downloads")
	add(s.ThumbsUpCount, "likes")
	add(s.FavoriteCount, "favorites")
	add(s.CommentCount, "comments")
	if s.Rating != nil && *s.Rating > 0 {
		parts = append(parts, fmt.Sprintf("rating %.2f", *s.Rating))
	}
	return strings.Join(parts, " · ")
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func renderVersions(ios *iostreams.IOStreams, m *api.Model, sel *api.ModelVersion) {
	w := ios.Out
	fmt.Fprintf(w, "\nVersions (%d):\n", len(m.ModelVersions))
	headers := []string{"", "id", "name", "base model", "published", "files"}
	withStatus := false
	for _, v := range m.ModelVersions {
		withStatus = withStatus || availability(v) != ""
	}
	if withStatus {
		headers = append(headers, "status")
	}
	tp := tableprinter.New(w, true, ios.TerminalWidth(), headers...)
	tp.SetHeaderStyle(ios.ColorScheme().Bold)
	for _, v := range m.ModelVersions {
		mark := ""
		if sel != nil && v.ID == sel.ID {
			mark = "*"
		}
		row := []string{mark, fmt.Sprint(v.ID), v.Name, v.BaseModel, day(v.PublishedAt.Time), fmt.Sprint(len(v.Files))}
		if withStatus {
			row = append(row, availability(v))
		}
		tp.AddRow(row...)
	}
	tp.Render()
}

func availability(v *api.ModelVersion) string {
	switch {
	case !v.EarlyAccessDeadline.IsZero():
		return "early access until " + day(v.EarlyAccessDeadline.Time)
	case !v.EarlyAccessEndsAt.IsZero() && v.EarlyAccessEndsAt.After(time.Now()):
		return "early access until " + day(v.EarlyAccessEndsAt.Time)
	case v.Availability != "" && v.Availability != "Public":
		return strings.ToLower(v.Availability)
	}
	return ""
}

// downloadsDisabled says why a version cannot be downloaded when its
// creator allows only generation on CivitAI (usageControl), "" otherwise.
func downloadsDisabled(v *api.ModelVersion) string {
	switch v.UsageControl {
	case "", "Download":
		return ""
	case "Generation", "InternalGeneration":
		return "downloads disabled by the creator (generation on CivitAI only)"
	}
	return fmt.Sprintf("downloads disabled by the creator (usage: %s)", v.UsageControl)
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

func renderVersion(ios *iostreams.IOStreams, m *api.Model, v *api.ModelVersion) {
	w := ios.Out
	fmt.Fprintf(w, "\nVersion %s (%d)\n", tableprinter.Clean(v.Name), v.ID)
	if m == nil && v.Model != nil {
		field(w, "model", fmt.Sprintf("%s (%s, id %d)", v.Model.Name, v.Model.Type, v.ModelID))
	}
	field(w, "base model", v.BaseModel)
	field(w, "published", day(v.PublishedAt.Time))
	var status []string
	for _, s := range []string{availability(v), downloadsDisabled(v)} {
		if s != "" {
			status = append(status, s)
		}
	}
	field(w, "status", strings.Join(status, "; "))
	field(w, "trigger words", strings.Join(v.TrainedWords, ", "))
	field(w, "air", v.AIR)
	if downloadsDisabled(v) == "" {
		field(w, "download", v.DownloadURL)
	}
	if len(v.Files) == 0 {
		fmt.Fprintln(w, "\nNo downloadable files.")
		return
	}
	fmt.Fprintf(w, "\nFiles (%d):\n", len(v.Files))
	// On a terminal the table fits its width (the hash is cut first, a
	// long name next); piped, every hash is whole.
	width := 0
	if ios.IsStdoutTTY() {
		width = ios.TerminalWidth()
	}
	tp := tableprinter.New(w, true, width, "", "id", "name", "size", "type", "format", "fp", "size type", "sha256")
	tp.SetHeaderStyle(ios.ColorScheme().Bold)
	for _, f := range v.Files {
		mark := ""
		if bool(f.Primary) {
			mark = "*"
		}
		// A GGUF's quantisation (Q8_0, Q4_K_M) is its precision: files of
		// one name told apart only by it need it shown.
		fp := strings.TrimSpace(f.Metadata.FP + " " + f.Metadata.QuantType)
		tp.AddRow(mark, fmt.Sprint(f.ID), f.Name, tableprinter.Bytes(f.SizeBytes()), f.Type, f.Metadata.Format, fp, f.Metadata.Size, f.Hashes.SHA256())
	}
	tp.Render()
}

var (
	tagRe   = regexp.MustCompile(`<[^>]*>`)
	breakRe = regexp.MustCompile(`(?i)<br\s*/?>|</p>|</li>|</h[1-6]>`)
	spaceRe = regexp.MustCompile(`[ \t]+`)
)

// plainText reduces a model's HTML description to its first lines of text.
func plainText(h string, lines int) string {
	if h == "" {
		return ""
	}
	s := breakRe.ReplaceAllString(h, "\n")
	s = html.UnescapeString(tagRe.ReplaceAllString(s, ""))
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(spaceRe.ReplaceAllString(l, " "))
		if l == "" {
			continue
		}
		out = append(out, l)
		if len(out) == lines {
			break
		}
	}
	return strings.Join(out, "\n"+strings.Repeat(" ", labelWidth))
}
