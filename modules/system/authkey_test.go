package system

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The expectations below are the files ansible.posix.authorized_key wrote
// for the same inputs.
func TestPlanKeysLikeAnsible(t *testing.T) {
	const base = "# head\n\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK1 old comment\n\nno-pty,command=\"echo a,b\" ssh-rsa AAAAB3Nza3 c3\njunk line\n"
	const k1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK1 alice@a"
	str := func(s string) *string { return &s }
	cases := []struct {
		name               string
		key                string
		present, exclusive bool
		opts, comment      *string
		want               string
		write              bool
	}{
		{"new key appended, blanks folded", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQK2", true, false, nil, nil,
			"# head\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK1 old comment\n\nno-pty,command=\"echo a,b\" ssh-rsa AAAAB3Nza3 c3\njunk line\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQK2 \n", true},
		{"changed options move the key to the end", k1, true, false, str(`from="10.0.0.1",no-pty`), nil,
			"# head\n\nno-pty,command=\"echo a,b\" ssh-rsa AAAAB3Nza3 c3\njunk line\nfrom=\"10.0.0.1\",no-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK1 alice@a\n", true},
		{"absent", "ssh-rsa AAAAB3Nza3 c3", false, false, nil, nil,
			"# head\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK1 old comment\n\njunk line\n", true},
		{"exclusive", "ssh-rsa AAAAB3Nza3 zzz", true, true, nil, nil, "ssh-rsa AAAAB3Nza3 zzz\n", true},
		{"options in another order are the same", `command="echo a,b",no-pty ssh-rsa AAAAB3Nza3 c3`, true, false, nil, nil, "", false},
		{"comment argument wins", "no-pty ssh-rsa AAAAB3Nza3 other", true, false, nil, str("c3"),
			"# head\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK1 old comment\n\njunk line\nno-pty ssh-rsa AAAAB3Nza3 c3\n", true},
		{"absent key not there", "ssh-rsa BBBB x", false, false, nil, nil, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := planKeys(base, c.key, c.present, c.exclusive, c.opts, c.comment)
			assert.Empty(t, p.invalid)
			assert.Equal(t, c.write, p.write)
			if c.write {
				assert.Equal(t, c.want, p.content)
			}
		})
	}
	assert.Equal(t, "AAAAB3Nza3", planKeys(base, "AAAAB3Nza3", false, false, nil, nil).invalid)
	assert.Equal(t, "ssh-rsa", planKeys("", "# c\nssh-rsa", true, false, nil, nil).invalid)
	p := planKeys("", "# comment\n"+k1+"\nssh-rsa AAAAB3Nza3\n", true, false, nil, nil)
	assert.Equal(t, k1+"\nssh-rsa AAAAB3Nza3 \n", p.content, "several keys keep their order")
}

func TestKeyOptionsParseLikeAnsible(t *testing.T) {
	o := parseKeyOptions(`no-pty,command="a,b",from='x,y',no-pty`)
	assert.Equal(t, `no-pty,command="a,b",from='x,y',no-pty`, o.String())
	assert.True(t, o.equal(parseKeyOptions(`command="a,b",no-pty,from='x,y',no-pty`)))
	assert.False(t, o.equal(parseKeyOptions(`command="a,b",no-pty,from='x,y'`)))
	assert.Equal(t, "a,,,,b", parseKeyOptions("a,,b").String(), "a double comma is an option of its own")
}
