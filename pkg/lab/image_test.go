package lab

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMirrorFromDeb822(t *testing.T) {
	text := `Types: deb
# a comment: here
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
`
	assert.Equal(t, "http://mirror.example/debian", mirrorFromDeb822(text, "bookworm"))
	assert.Equal(t, "http://mirror.example/debian-security", mirrorFromDeb822(text, "bookworm-security"))
	assert.Equal(t, "", mirrorFromDeb822(text, "trixie"))
	assert.Equal(t, "", mirrorFromDeb822("Types: deb-src\nURIs: http://x/\nSuites: bookworm\n", "bookworm"))
	assert.Equal(t, "", mirrorFromDeb822("Enabled: no\nTypes: deb\nURIs: http://x/\nSuites: bookworm\n", "bookworm"))
}

func TestMirrorFromList(t *testing.T) {
	text := "# deb http://old/ bookworm main\ndeb-src http://src/ bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main contrib\n"
	assert.Equal(t, "http://mirror.example/debian", mirrorFromList(text, "bookworm"))
	assert.Equal(t, "http://plain/", mirrorFromList("deb http://plain/ bookworm main\n", "bookworm"))
	assert.Equal(t, "", mirrorFromList(text, "trixie"))
}

func TestRecipeHash(t *testing.T) {
	base := DefaultRecipe()
	assert.Len(t, base.Hash(), 16)
	assert.Equal(t, base.Hash(), DefaultRecipe().Hash(), "stable")
	a := base.WithExtra([]string{"jq", "strace"})
	b := base.WithExtra([]string{"strace", "jq", "jq"})
	assert.Equal(t, a.Hash(), b.Hash(), "order and duplicates do not matter")
	assert.NotEqual(t, base.Hash(), a.Hash())
	assert.Equal(t, base.Hash(), a.Parent().Hash())
	c := base
	c.Version++
	assert.NotEqual(t, base.Hash(), c.Hash(), "the version constant is part of the hash")
	assert.Empty(t, base.Extra, "WithExtra does not change its receiver")
}

func TestUnescapeMount(t *testing.T) {
	assert.Equal(t, "/a b/c", unescapeMount(`/a\040b/c`))
	assert.Equal(t, "/plain", unescapeMount("/plain"))
}
