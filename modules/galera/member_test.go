package galera

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/pkg/transport"
)

// TestGatherReadsAPaddedGrastate runs the gather script in a local shell
// over a data directory whose grastate.dat ends the way Galera leaves it
// after rewriting it in place: spaces after the last newline.
func TestGatherReadsAPaddedGrastate(t *testing.T) {
	dir := t.TempDir()
	grastate := "# GALERA saved state\nversion: 2.1\nuuid:    " + uuidA + "\nseqno:   -1\nsafe_to_bootstrap: 0\n" + "                "
	require.NoError(t, os.WriteFile(filepath.Join(dir, "grastate.dat"), []byte(grastate), 0o644))
	conf := filepath.Join(dir, "galera.cnf")
	require.NoError(t, os.WriteFile(conf, []byte("[mysqld]\nwsrep_on = ON\n"), 0o644))
	m := &Member{Name: "local", Conn: transport.NewLocal(), Recovered: -1}
	p := paths{Config: conf, Datadir: dir, Service: "hactl-test-no-such-unit"}
	require.NoError(t, m.gather(context.Background(), p))
	assert.Equal(t, GraState{Present: true, UUID: uuidA, Seqno: -1}, m.Grastate)
	assert.True(t, m.ConfigExists)
	assert.Equal(t, "[mysqld]\nwsrep_on = ON\n", string(m.Config))
	assert.False(t, m.Active)
	assert.Empty(t, m.Status)
}
