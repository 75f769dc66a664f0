package template

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/nikolalohinski/gonja/v2/loaders"
)

// templateID is the name under which gonja knows the template being parsed.
const templateID = "template"

// sourceLoader serves one template text to gonja, and the templates it
// includes or imports from dir (when the template came from a file).
type sourceLoader struct {
	text string
	dir  string
}

func newSourceLoader(text string) loaders.Loader { return &sourceLoader{text: text} }

var reUsesOther = regexp.MustCompile(`\{%[-+]?\s*(?:include|import|from|extends)\b`)

// usesOtherTemplates reports whether text includes, imports or extends
// another template.
func usesOtherTemplates(text string) bool {
	return strings.Contains(text, "{%") && reUsesOther.MatchString(text)
}

// Read implements loaders.Loader.
func (l *sourceLoader) Read(path string) (io.Reader, error) {
	if path == templateID {
		return strings.NewReader(inlineIfs(pyEscapes(l.text))), nil
	}
	if l.dir == "" {
		return nil, fmt.Errorf("cannot load %q: only templates rendered from a file can include others", path)
	}
	p := path
	if !filepath.IsAbs(p) {
		p = filepath.Join(l.dir, p)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("template not found: %w", err)
	}
	return strings.NewReader(inlineIfs(pyEscapes(string(data)))), nil
}

// Resolve implements loaders.Loader.
func (l *sourceLoader) Resolve(path string) (string, error) { return path, nil }

// Inherit implements loaders.Loader.
func (l *sourceLoader) Inherit(string) (loaders.Loader, error) { return l, nil }
