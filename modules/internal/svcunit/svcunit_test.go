package svcunit

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParse(t *testing.T) {
	s := Parse("LoadState=loaded\nActiveState=active\nUnitFileState=static\nMainPID=42\nbinary=1\nworker=1 2\nworker=3 4\ncursor=s=abc\n")
	assert.True(t, s.Found)
	assert.True(t, s.Running())
	assert.True(t, s.IsEnabled())
	assert.True(t, s.Binary)
	assert.Equal(t, []string{"1 2", "3 4"}, s.Values("worker"))
	assert.Equal(t, []string{"s=abc"}, s.Values("cursor"), "only the first = splits")
	off := Parse("LoadState=not-found\nActiveState=inactive\nUnitFileState=disabled\nMainPID=0\nbinary=0\n")
	assert.False(t, off.Found || off.Running() || off.IsEnabled() || off.Binary)
}

func TestMessage(t *testing.T) {
	assert.Equal(t, "haproxy configuration up to date", Message("haproxy", false, false, false, false, false))
	assert.Equal(t, "configuration updated, haproxy reloaded", Message("haproxy", true, true, false, true, false))
	assert.Equal(t, "would be: keepalived started", Message("keepalived", true, false, true, false, true))
	assert.Equal(t, "keepalived enabled", Message("keepalived", true, false, false, false, false))
}

func TestPoll(t *testing.T) {
	n := 0
	err := Poll(context.Background(), time.Second, time.Millisecond, func() (bool, error) { n++; return n == 3, nil }, nil)
	assert.NoError(t, err)
	assert.Equal(t, 3, n)
	expired := errors.New("expired")
	err = Poll(context.Background(), 5*time.Millisecond, time.Millisecond, func() (bool, error) { return false, nil }, func() error { return expired })
	assert.ErrorIs(t, err, expired)
	boom := errors.New("boom")
	err = Poll(context.Background(), time.Second, time.Millisecond, func() (bool, error) { return false, boom }, nil)
	assert.ErrorIs(t, err, boom)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = Poll(ctx, time.Second, time.Millisecond, func() (bool, error) { return false, nil }, nil)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestStartEnableDiff(t *testing.T) {
	d := StartEnableDiff("haproxy", true, false)
	assert.Contains(t, d.Before, "stopped")
	assert.Contains(t, d.After, "started")
	assert.NotContains(t, d.After, "enabled")
}

func TestSettleRecordsWhatItDid(t *testing.T) {
	ctx := context.Background()
	start := func() (int, error) { return 42, nil }
	reload := func() (map[string]any, error) { return map[string]any{"reload_seconds": 0.5}, nil }
	data := map[string]any{}
	assert.NoError(t, Settle(ctx, nil, "d", Plan{Manage: true, Start: true, Reload: true, MainPID: 7}, start, reload, data))
	assert.Equal(t, map[string]any{"started": true, "master_pid": 42}, data, "start wins over reload")
	data = map[string]any{}
	assert.NoError(t, Settle(ctx, nil, "d", Plan{Manage: true, Reload: true, MainPID: 7}, start, reload, data))
	assert.Equal(t, map[string]any{"reloaded": true, "master_pid": 7, "reload_seconds": 0.5}, data)
	data = map[string]any{}
	assert.NoError(t, Settle(ctx, nil, "d", Plan{Manage: true, MainPID: 7}, start, reload, data))
	assert.Equal(t, map[string]any{"master_pid": 7}, data)
	boom := errors.New("boom")
	err := Settle(ctx, nil, "d", Plan{Manage: true, Reload: true}, start, func() (map[string]any, error) { return nil, boom }, map[string]any{})
	assert.ErrorIs(t, err, boom)
}
