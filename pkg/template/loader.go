package template

import (
	"fmt"
	"io"
	"strings"

	"github.com/nikolalohinski/gonja/v2/loaders"
)

// templateID is the name under which gonja knows the template being parsed.
const templateID = "template"

// sourceLoader serves one template text to gonja. Includes and imports of
// other files are not supported through it.
type sourceLoader struct{ text string }

func newSourceLoader(text string) loaders.Loader { return &sourceLoader{text: text} }

// Read implements loaders.Loader.
func (l *sourceLoader) Read(path string) (io.Reader, error) {
	if path != templateID {
		return nil, fmt.Errorf("cannot load %q: include/import of other templates is not supported", path)
	}
	return strings.NewReader(l.text), nil
}

// Resolve implements loaders.Loader.
func (l *sourceLoader) Resolve(path string) (string, error) { return path, nil }

// Inherit implements loaders.Loader.
func (l *sourceLoader) Inherit(string) (loaders.Loader, error) { return l, nil }
