package transport

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOwnerCache(t *testing.T) {
	passwd := "root:x:0:0:root:/root:/bin/bash\n# comment\nbad line\nalias:x:0:0::/:/bin/sh\n"
	group := "root:x:0:\nwheel:x:10:root\n"
	reads, runs := 0, 0
	o := &ownerCache{
		get: func(_ context.Context, p string, w io.Writer) error {
			reads++
			if p == "/etc/passwd" {
				_, err := io.WriteString(w, passwd)
				return err
			}
			_, err := io.WriteString(w, group)
			return err
		},
		run: func(_ context.Context, cmd string, _ RunOpts) (Result, error) {
			runs++
			if cmd == "getent passwd 5000" {
				return Result{Stdout: []byte("ldapuser:*:5000:5000::/home/l:/bin/sh\n")}, nil
			}
			return Result{RC: 2}, nil
		},
	}
	ctx := context.Background()
	u, g := o.names(ctx, 0, 10)
	assert.Equal(t, "root", u, "first name wins")
	assert.Equal(t, "wheel", g)
	assert.Equal(t, 2, reads)

	// A user created since: the files are read again.
	passwd += "app:x:1001:1001::/srv:/bin/sh\n"
	u, _ = o.names(ctx, 1001, 0)
	assert.Equal(t, "app", u)
	assert.Equal(t, 4, reads)
	assert.Zero(t, runs)

	// Directory users come from getent, once.
	for range 2 {
		u, g = o.names(ctx, 5000, 0)
		assert.Equal(t, "ldapuser", u)
		assert.Equal(t, "root", g)
	}
	assert.Equal(t, 1, runs)

	// Unknown ids cost one lookup, then nothing.
	before := fmt.Sprint(reads, runs)
	u, g = o.names(ctx, 4242, 4242)
	assert.Empty(t, u)
	assert.Empty(t, g)
	after := fmt.Sprint(reads, runs)
	assert.NotEqual(t, before, after)
	o.names(ctx, 4242, 4242)
	assert.Equal(t, after, fmt.Sprint(reads, runs))
	assert.True(t, strings.HasPrefix(after, "8 "), after)
}
