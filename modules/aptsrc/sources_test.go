package aptsrc

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSuggestFilenameLikeAnsible(t *testing.T) {
	assert.Equal(t, "download_docker_com_linux_debian.list", suggestFilename("deb [arch=amd64 signed-by=/k.asc] https://download.docker.com/linux/debian bookworm stable", "", false))
	assert.Equal(t, "mirror_example_mariadb.list", suggestFilename("deb-src http://user:pw@mirror.example/mariadb/ bookworm main", "", false))
	assert.Equal(t, "mariadb.list", suggestFilename("deb http://x/ y z", "mariadb", true))
	assert.Equal(t, "/etc/apt/sources.list.d/a.list", expandPath("a.list", sourcesDir))
	assert.Equal(t, "/tmp/a.list", expandPath("/tmp/a.list", sourcesDir))
}

func TestSourcesListNormalisesLikeAnsible(t *testing.T) {
	l := newSourcesList()
	l.load("/a", "deb  http://h/d   bookworm main   # mirror\n#deb http://h/x bookworm main\n\n# just a comment\nrubbish\n")
	assert.Equal(t, map[string]string{"/a": "deb http://h/d bookworm main # mirror\n# deb http://h/x bookworm main\n\n# just a comment\nrubbish\n"}, l.dump())

	l.add("deb http://h/x bookworm main", "/b")
	assert.Equal(t, "deb http://h/d bookworm main # mirror\ndeb http://h/x bookworm main\n\n# just a comment\nrubbish\n", l.dump()["/a"], "a disabled line is enabled in place")
	assert.NotContains(t, l.dump(), "/b")

	l.add("deb http://new/ bookworm main", "/b")
	assert.Equal(t, "deb http://new/ bookworm main\n", l.dump()["/b"])
	assert.True(t, l.added["/b"])

	l.remove("deb http://new/ bookworm main")
	assert.NotContains(t, l.dump(), "/b", "an empty file disappears")
	l.remove("deb http://h/d bookworm main")
	assert.Equal(t, "deb http://h/x bookworm main\n\n# just a comment\nrubbish\n", l.dump()["/a"])

	assert.False(t, parseSource("# deb http://x y z").enabled)
	assert.False(t, parseSource("dub http://x y z").valid)
	assert.Equal(t, "deb http://x y z ", invalidText("#deb http://x y z # c"))
}
