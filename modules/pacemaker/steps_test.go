package pacemaker

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/fakeconn"
	"github.com/hactl/hactl/pkg/module"
)

func TestRunSteps(t *testing.T) {
	c1, c2 := fakeconn.New(), fakeconn.New(fakeconn.OK(""), fakeconn.RC(1, "", "bad password s3cret\n"))
	m1, m2 := &member{Name: "h1", Conn: c1}, &member{Name: "h2", Conn: c2}
	tg := &module.Target{Log: slog.New(slog.DiscardHandler)}
	steps := []step{
		{Desc: "pw h1", On: m1, Cmd: "chpasswd", Stdin: "hacluster:s3cret\n", Local: true},
		{Desc: "pw h2", On: m2, Cmd: "chpasswd", Stdin: "hacluster:s3cret\n", Local: true},
		{Desc: "pcsd h2", On: m2, Cmd: "systemctl enable --now pcsd", Local: true},
		{Desc: "pcsd h2 again", On: m2, Cmd: "never", Local: true},
		{Desc: "setup", On: m1, Cmd: "pcs cluster setup"},
	}
	took, fail, err := runSteps(context.Background(), tg, steps, "s3cret")
	require.NoError(t, err)
	assert.Equal(t, "pcsd h2 on h2: exit status 1: bad password ********", fail)
	assert.Len(t, took, 3, "h2 stops at its failure, the cluster-wide phase never starts")
	assert.Equal(t, []string{"chpasswd"}, c1.Commands())
	assert.Equal(t, []string{"chpasswd", "systemctl enable --now pcsd"}, c2.Commands())
	assert.Equal(t, "hacluster:s3cret\n", c1.Calls[0].Stdin)

	c1, c2 = fakeconn.New(), fakeconn.New()
	m1.Conn, m2.Conn = c1, c2
	took, fail, err = runSteps(context.Background(), tg, steps, "s3cret")
	require.NoError(t, err)
	assert.Empty(t, fail)
	assert.Len(t, took, 5)
	assert.Equal(t, []string{"chpasswd", "pcs cluster setup"}, c1.Commands())
}
