package registry

import (
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/fakeconn"
	"github.com/hactl/hactl/pkg/transport"
)

// hostWith answers readInstance with a config and a filesystem type.
func hostWith(config, fstype string) *fakeconn.Conn {
	c := fakeconn.New()
	marker := regexp.MustCompile(`echo (__hactl_[0-9a-f]+)`)
	c.Handler = func(call fakeconn.Call) (transport.Result, error) {
		m := marker.FindStringSubmatch(call.Cmd)
		return transport.Result{Stdout: []byte(config + m[1] + "\n" + fstype + "\n")}, nil
	}
	return c
}

func TestReadInstance(t *testing.T) {
	s := settingsFor(t, map[string]any{"http_secret": "abc", "storage_path": "/srv/registry"})
	in, err := readInstance(context.Background(), hostWith(string(s.render(false)), "nfs4"))
	require.NoError(t, err)
	assert.Equal(t, instance{secretSum: secretSum("abc"), storage: "/srv/registry", fsType: "nfs4"}, in)
	assert.NotContains(t, in.secretSum, "abc")

	// Debian's stock file, unquoted and without a secret.
	stock := "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/docker-registry\nhttp:\n  addr: :5000\n"
	in, err = readInstance(context.Background(), hostWith(stock, "ext4"))
	require.NoError(t, err)
	assert.Equal(t, instance{storage: "/var/lib/docker-registry", fsType: "ext4"}, in)

	_, err = readInstance(context.Background(), hostWith("http: [unclosed\n", ""))
	assert.Error(t, err)
}
