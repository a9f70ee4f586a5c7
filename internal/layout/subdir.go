package layout

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Subdir is a template for the folder, under -o DIR or the layout's folder,
// that each file goes into: "{base}" puts SDXL and Flux LoRAs apart,
// "{base}/{creator}" sorts them further. Placeholders are replaced by the
// file's values, each made into a single safe folder name; a "/" in the
// template makes nested folders. The zero Subdir adds no folder.
type Subdir struct {
	tmpl string
}

// Fields are the values a Subdir template can use.
type Fields struct {
	Base      string // the version's base model: "SDXL 1.0", "Flux.1 D", "Pony"
	Type      string // the model's type: "LORA", "Checkpoint", ...
	Creator   string // the model creator's user name
	Model     string // the model's name
	ModelID   int64
	Version   string // the version's name
	VersionID int64
}

// placeholders lists the names a template may use, with what they stand
// for (the order of the help text).
var placeholders = []struct{ name, help string }{
	{"base", "base model (SDXL 1.0, Flux.1 D, Pony, ...)"},
	{"type", "model type (LORA, Checkpoint, ...)"},
	{"creator", "creator's user name"},
	{"model", "model name"},
	{"model_id", "model id"},
	{"version", "version name"},
	{"version_id", "version id"},
}

// SubdirHelp lists the placeholders, for flag and error texts.
func SubdirHelp() string {
	names := make([]string, len(placeholders))
	for i, p := range placeholders {
		names[i] = "{" + p.name + "}"
	}
	return strings.Join(names, ", ")
}

// ParseSubdir checks a template: relative, no "." or ".." folder, braces
// closed, known placeholders only. "" is the zero Subdir.
func ParseSubdir(s string) (Subdir, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Subdir{}, nil
	}
	s = strings.ReplaceAll(s, `\`, "/")
	if strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~") || filepath.VolumeName(s) != "" || (len(s) > 1 && s[1] == ':') {
		return Subdir{}, fmt.Errorf("subfolder template %q must be relative (it goes under the download folder)", s)
	}
	for _, part := range strings.Split(strings.Trim(s, "/"), "/") {
		if p := strings.TrimSpace(part); p == "" || p == "." || p == ".." {
			return Subdir{}, fmt.Errorf("subfolder template %q has an empty, \".\" or \"..\" folder", s)
		}
	}
	rest := s
	for {
		i := strings.IndexAny(rest, "{}")
		if i < 0 {
			break
		}
		if rest[i] == '}' {
			return Subdir{}, fmt.Errorf("subfolder template %q: \"}\" without \"{\"", s)
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return Subdir{}, fmt.Errorf("subfolder template %q: \"{\" without \"}\"", s)
		}
		name := rest[i+1 : i+j]
		if !knownPlaceholder(name) {
			return Subdir{}, fmt.Errorf("subfolder template %q: unknown placeholder {%s} (there are %s)", s, name, SubdirHelp())
		}
		rest = rest[i+j+1:]
	}
	return Subdir{tmpl: strings.Trim(s, "/")}, nil
}

func knownPlaceholder(name string) bool {
	for _, p := range placeholders {
		if p.name == name {
			return true
		}
	}
	return false
}

// IsZero reports whether the Subdir adds no folder.
func (d Subdir) IsZero() bool { return d.tmpl == "" }

// String returns the template.
func (d Subdir) String() string { return d.tmpl }

// Uses reports whether the template has the placeholder name (without
// braces): the creator costs an extra API call for a version target.
func (d Subdir) Uses(name string) bool { return strings.Contains(d.tmpl, "{"+name+"}") }

// Path expands the template for f into a relative path. clean turns each
// folder name into a safe one (the same rules as file names); a value that
// is empty or that clean rejects becomes "unknown". Separators inside a
// value cannot add folders: they become "_" first.
func (d Subdir) Path(f Fields, clean func(string) (string, error)) string {
	if d.IsZero() {
		return ""
	}
	value := func(name string) string {
		var v string
		switch name {
		case "base":
			v = f.Base
		case "type":
			v = f.Type
		case "creator":
			v = f.Creator
		case "model":
			v = f.Model
		case "model_id":
			v = id(f.ModelID)
		case "version":
			v = f.Version
		case "version_id":
			v = id(f.VersionID)
		}
		v = strings.NewReplacer("/", "_", `\`, "_").Replace(strings.TrimSpace(v))
		if v == "" {
			return "unknown"
		}
		return v
	}
	var dirs []string
	for _, part := range strings.Split(d.tmpl, "/") {
		var b strings.Builder
		rest := part
		for {
			i := strings.IndexByte(rest, '{')
			if i < 0 {
				b.WriteString(rest)
				break
			}
			j := strings.IndexByte(rest[i:], '}') // ParseSubdir checked it is there
			b.WriteString(rest[:i])
			b.WriteString(value(rest[i+1 : i+j]))
			rest = rest[i+j+1:]
		}
		name, err := clean(b.String())
		if err != nil || name == "" {
			name = "unknown"
		}
		dirs = append(dirs, name)
	}
	return filepath.Join(dirs...)
}

func id(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}
