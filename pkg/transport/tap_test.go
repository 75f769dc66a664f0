package transport

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLineTap(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		out    string
		value  string
		found  bool
	}{
		{"first line", []string{"pid:42\nerr\n"}, "err\n", "42", true},
		{"split across writes", []string{"pi", "d:4", "2\ner", "r"}, "err", "42", true},
		{"noise before", []string{"motd line\n", "pid:7\nrest"}, "motd line\nrest", "7", true},
		{"only the first match", []string{"pid:1\npid:2\n"}, "pid:2\n", "1", true},
		{"absent", []string{"no marker\npartial"}, "no marker\npartial", "", false},
		{"empty", nil, "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			tap := newLineTap(&out, "pid:")
			for _, w := range tc.writes {
				n, err := tap.Write([]byte(w))
				assert.NoError(t, err)
				assert.Equal(t, len(w), n)
			}
			tap.flush()
			v, ok := tap.result()
			assert.Equal(t, tc.out, out.String())
			assert.Equal(t, tc.value, v)
			assert.Equal(t, tc.found, ok)
			select {
			case <-tap.done:
			default:
				t.Fatal("done not closed after flush")
			}
		})
	}
}

func TestLineTapGivesUp(t *testing.T) {
	var out bytes.Buffer
	tap := newLineTap(&out, "pid:")
	big := strings.Repeat("x", tapLimit+1)
	_, _ = tap.Write([]byte(big))
	_, _ = tap.Write([]byte("\npid:1\n"))
	_, ok := tap.result()
	assert.False(t, ok)
	assert.Equal(t, big+"\npid:1\n", out.String())
}

func TestTokenStripper(t *testing.T) {
	var out bytes.Buffer
	count := 0
	s := newTokenStripper(&out, "[PROMPT] ", func() { count++ })
	for _, w := range []string{"a[PRO", "MPT] b", "[PROMPT] [PROMPT] c[PR"} {
		_, _ = s.Write([]byte(w))
	}
	s.flush()
	assert.Equal(t, "abc[PR", out.String())
	assert.Equal(t, 3, count)
}

func TestLineTapReadFrom(t *testing.T) {
	var out bytes.Buffer
	tap := newLineTap(&out, "pid:")
	n, err := tap.ReadFrom(strings.NewReader("pid:9\n" + strings.Repeat("y", 10000)))
	assert.NoError(t, err)
	assert.Equal(t, int64(10006), n)
	assert.Equal(t, 10000, out.Len())
	v, ok := tap.result()
	assert.True(t, ok)
	assert.Equal(t, "9", v)
}
