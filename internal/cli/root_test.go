package cli

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/civit/civit/internal/iostreams"
)

// Every command a user runs documents itself: a short line, examples, and
// (for the top-level commands) the exit status.
func TestEveryCommandHasHelp(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := iostreams.Test()
	root := NewRootCmd(NewFactory(ios, "test", func(string) string { return "" }))
	var walk func(c *cobra.Command, depth int)
	walk = func(c *cobra.Command, depth int) {
		for _, sub := range c.Commands() {
			if sub.Name() == "help" || sub.Name() == "completion" || strings.HasPrefix(sub.CommandPath(), "civit completion") {
				continue
			}
			if sub.Runnable() {
				if sub.Short == "" || strings.HasSuffix(sub.Short, ".") {
					t.Errorf("%s: Short %q must be one line without a final period", sub.CommandPath(), sub.Short)
				}
				if depth == 0 && sub.Example == "" {
					t.Errorf("%s: no examples", sub.CommandPath())
				}
				if depth == 0 && !strings.Contains(sub.Long, "EXIT STATUS") {
					t.Errorf("%s: Long help has no EXIT STATUS section", sub.CommandPath())
				}
			}
			// cmd.exe passes single quotes on as part of the value
			// ('~/models' makes a folder named so): examples quote with ".
			for _, line := range strings.Split(sub.Example, "\n") {
				if strings.HasPrefix(line, "$ ") && strings.Contains(line, "'") {
					t.Errorf("%s: example %q uses single quotes, which cmd.exe does not understand", sub.CommandPath(), line)
				}
			}
			// The long help is prose wrapped for an 80-column terminal
			// (lines a hand edit left long read badly there); tables
			// (| rows) may be wider.
			for _, line := range strings.Split(sub.Long, "\n") {
				if n := utf8.RuneCountInString(line); n > 80 && !strings.HasPrefix(line, "|") {
					t.Errorf("%s: Long help line of %d characters: %q", sub.CommandPath(), n, line)
				}
			}
			walk(sub, depth+1)
		}
	}
	walk(root, 0)
}
