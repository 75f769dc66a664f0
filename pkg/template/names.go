package template

import (
	"sort"

	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// referencedNames lists the identifiers a template may read from its
// variables: every Name token except attribute names (after a dot) and
// keyword-argument names (before a single "="). It over-approximates
// (loop variables, filter names, keywords are included) which is harmless:
// only names present in the variables are resolved before rendering.
func referencedNames(text string, cfg *config.Config) []string {
	stream := tokens.LexAll(text, cfg)
	seen := map[string]bool{}
	var prev *tokens.Token
	for !stream.End() && !stream.EOF() {
		tok := stream.Next()
		if tok == nil {
			break
		}
		if tok.Type == tokens.Name && (prev == nil || prev.Type != tokens.Dot) {
			if next := stream.Current(); next == nil || next.Type != tokens.Assign || prev == nil ||
				(prev.Type != tokens.LeftParenthesis && prev.Type != tokens.Comma) {
				seen[tok.Val] = true
			}
		}
		prev = tok
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
