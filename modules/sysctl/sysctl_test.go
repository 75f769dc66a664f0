package sysctl

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRenderLikeAnsible(t *testing.T) {
	p := parse("# comment\n  net.a = 1 \n\nnet.b=2\nnet.a=3\n; other\njunk\n")
	assert.Equal(t, "3", p.values["net.a"], "the last value counts")
	assert.Equal(t, "# comment\nnet.a=9\n\nnet.b=2\n; other\njunk\n", p.render("net.a", "9", true), "first occurrence kept, rewritten k=v")
	assert.Equal(t, "# comment\n\nnet.b=2\n; other\njunk\n", p.render("net.a", "", false))
	assert.Equal(t, "# comment\nnet.a=1\n\nnet.b=2\n; other\njunk\nnet.c=x y\n", p.render("net.c", "x y", true))
	assert.Equal(t, "k=v\n", parse("").render("k", "v", true))
}

func TestValues(t *testing.T) {
	assert.Equal(t, "1", normValue("yes"))
	assert.Equal(t, "0", normValue("False"))
	assert.Equal(t, "4096 87380", normValue(" 4096 87380 "))
	assert.True(t, sameWords("4096\t87380  6291456", "4096 87380 6291456"))
	assert.False(t, sameWords("1", "1 2"))
}
