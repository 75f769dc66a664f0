package transport

import (
	"context"
	"testing"
	"time"

	"github.com/hactl/hactl/internal/sshtest"
	"github.com/stretchr/testify/require"
)

// testTimeout bounds every test's network work.
const testTimeout = 30 * time.Second

// testCtx returns a context bounded by testTimeout, cancelled at cleanup.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// serverConfig is the Config that reaches a test server with strict host
// key checking.
func serverConfig(s sshtest.Server) Config {
	return Config{
		Host:            s.Host,
		Port:            s.Port,
		User:            s.User,
		KeyFiles:        []string{s.KeyFile},
		NoAgent:         true,
		KnownHostsFiles: []string{s.KnownHostsFile},
	}
}

// dialServer connects to s and closes the Conn at cleanup.
func dialServer(t testing.TB, s sshtest.Server) Conn {
	t.Helper()
	c, err := DialSSH(testCtx(t), serverConfig(s))
	require.NoError(t, err, s.Logs())
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// transportCase is one transport the shared suite runs against.
type transportCase struct {
	name string
	conn Conn
}

// allTransports returns an SSH Conn to a fresh server and a Local Conn.
func allTransports(t *testing.T) []transportCase {
	t.Helper()
	s := sshtest.Start(t, 1)[0]
	return []transportCase{
		{"ssh", dialServer(t, s)},
		{"local", NewLocal()},
	}
}
