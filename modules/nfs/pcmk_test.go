package nfs_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/fakeconn"
	"github.com/hactl/hactl/modules/internal/modtest"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

const emptyCIB = `<cib epoch="3" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>`

// The pacemaker backend builds exportfs primitives and pushes them as one
// CIB patch; a fake connection plays cibadmin and crm_diff.
func TestPacemakerBackendBuildsExportfsPrimitives(t *testing.T) {
	conn := fakeconn.New()
	conn.Handler = func(c fakeconn.Call) (transport.Result, error) {
		switch {
		case c.Cmd == "cibadmin --query":
			return transport.Result{Stdout: []byte(emptyCIB)}, nil
		case strings.HasPrefix(c.Cmd, "mktemp"):
			return transport.Result{Stdout: []byte("/tmp/hactl-cib.abc123\n")}, nil
		case strings.Contains(c.Cmd, "crm_diff"):
			return transport.Result{Stdout: []byte("patched\n")}, nil
		}
		return transport.Result{}, nil
	}
	m, a, err := modtest.Validate("nfs_export", map[string]any{
		"backend": "pacemaker", "path": "/nfsha/exports", "fsid": "1", "group": "nfsha", "verify": false,
		"clients": []any{"10.0.0.0/24(rw,sync,no_root_squash)", "10.0.1.0/24(ro)"},
	})
	require.NoError(t, err)
	res, err := m.Run(context.Background(), &module.Target{Host: "n1", Conn: conn, Vars: map[string]any{}}, a)
	require.NoError(t, err)
	require.False(t, res.Failed, res.Msg)
	assert.True(t, res.Changed)
	nw := string(conn.Files["/tmp/hactl-cib.abc123/new.xml"])
	old := string(conn.Files["/tmp/hactl-cib.abc123/old.xml"])
	assert.NotContains(t, old, "exportfs")
	assert.Contains(t, nw, `<group id="nfsha">`)
	assert.Contains(t, nw, `<primitive id="nfsha-exports-1" class="ocf" provider="heartbeat" type="exportfs">`)
	assert.Contains(t, nw, `name="clientspec" value="10.0.1.0/24"`)
	assert.Contains(t, nw, `name="options" value="rw,sync,no_root_squash"`)
	assert.Contains(t, nw, `name="fsid" value="1"`)
	assert.NotContains(t, nw, "<status", "the status section is never pushed")

	// Check mode reads only.
	conn2 := fakeconn.New()
	conn2.Handler = conn.Handler
	res, err = m.Run(context.Background(), &module.Target{Host: "n1", Conn: conn2, Check: true, Diff: true, Vars: map[string]any{}}, a)
	require.NoError(t, err)
	assert.True(t, res.Changed)
	assert.Equal(t, []string{"cibadmin --query"}, conn2.Commands())
	require.Len(t, res.Diff, 1)
	assert.Contains(t, res.Diff[0].After, "nfsha-exports-2")
}
