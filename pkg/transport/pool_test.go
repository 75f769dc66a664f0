package transport

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hactl/hactl/internal/sshtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPoolSharesOneConnPerHost(t *testing.T) {
	servers := sshtest.Start(t, 2)
	var dials atomic.Int32
	pool := NewPool(PoolOptions{Dial: func(ctx context.Context, cfg Config) (Conn, error) {
		dials.Add(1)
		return Dial(ctx, cfg)
	}})
	t.Cleanup(func() { _ = pool.CloseAll() })

	const callers = 30
	conns := make([]Conn, callers*2)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := servers[i%2]
			c, err := pool.Get(testCtx(t), s.Name, serverConfig(s))
			if !assert.NoError(t, err) {
				return
			}
			conns[i] = c
			res, err := c.Run(testCtx(t), "echo ok", RunOpts{})
			assert.NoError(t, err)
			assert.Equal(t, "ok\n", string(res.Stdout))
			assert.NoError(t, c.Close(), "closing a pooled conn is a no-op")
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(2), dials.Load(), "one dial per host")
	for i := 2; i < len(conns); i++ {
		assert.Same(t, underlying(conns[i%2]), underlying(conns[i]))
	}
	assert.NotSame(t, underlying(conns[0]), underlying(conns[1]))

	// Still usable after every caller "closed" it.
	res, err := conns[0].Run(testCtx(t), "echo again", RunOpts{})
	require.NoError(t, err)
	assert.Equal(t, "again\n", string(res.Stdout))

	require.NoError(t, pool.CloseAll())
	_, err = conns[0].Run(testCtx(t), "true", RunOpts{})
	assert.ErrorIs(t, err, ErrClosed)
	_, err = pool.Get(testCtx(t), servers[0].Name, serverConfig(servers[0]))
	assert.ErrorIs(t, err, ErrClosed)
}

func TestPoolRetriesFailedDialAndHonoursContext(t *testing.T) {
	var dials atomic.Int32
	release := make(chan struct{})
	pool := NewPool(PoolOptions{Dial: func(ctx context.Context, cfg Config) (Conn, error) {
		if dials.Add(1) == 1 {
			return nil, errors.New("first dial fails")
		}
		<-release
		return NewLocal(), nil
	}})
	_, err := pool.Get(testCtx(t), "h", Config{Host: "h"})
	require.EqualError(t, err, "first dial fails")

	// The second dial blocks: a caller with a short deadline gives up,
	// the dial goes on and serves the next caller.
	ctx, cancel := context.WithTimeout(testCtx(t), 50*time.Millisecond)
	defer cancel()
	_, err = pool.Get(ctx, "h", Config{Host: "h"})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	close(release)
	c, err := pool.Get(testCtx(t), "h", Config{Host: "h"})
	require.NoError(t, err)
	assert.NotNil(t, c)
	assert.Equal(t, int32(2), dials.Load())
	require.NoError(t, pool.CloseAll())
}

func TestPoolDialsLocal(t *testing.T) {
	pool := NewPool(PoolOptions{})
	defer pool.CloseAll()
	c, err := pool.Get(testCtx(t), "localhost", Config{Connection: "local", Host: "localhost"})
	require.NoError(t, err)
	res, err := c.Run(testCtx(t), "echo local", RunOpts{})
	require.NoError(t, err)
	assert.Equal(t, "local\n", string(res.Stdout))
}

// underlying unwraps a pooled Conn.
func underlying(c Conn) Conn {
	if s, ok := c.(shared); ok {
		return s.Conn
	}
	return c
}
