package labverify

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// service is an httptest stand-in for the front VIP: it answers 503 while
// down, stores created items unless lossy, and serves them back.
type service struct {
	down, lossy atomic.Bool
	mu          sync.Mutex
	items       map[string]bool
}

func (s *service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	id := strings.TrimPrefix(r.URL.Path, "/items/")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.Method == http.MethodPost:
		if !s.lossy.Load() {
			s.items[id] = true
		}
		w.WriteHeader(http.StatusCreated)
	case r.URL.Path == "/":
	case !s.items[id]:
		http.NotFound(w, r)
	}
}

// fakeEnv takes the service down for outage on a fault, or makes it lose
// writes for a while on a playbook run.
type fakeEnv struct {
	svc      *service
	outage   time.Duration
	calls    []string
	restored chan struct{}
	// exec answers Exec; execs records "host: command" of each call.
	exec  func(host, command string) (string, error)
	mu    sync.Mutex
	execs []string
}

func (e *fakeEnv) Fault(ctx context.Context, kind, host string) error {
	e.mu.Lock()
	e.calls = append(e.calls, kind+" "+host)
	e.mu.Unlock()
	e.svc.down.Store(true)
	go func() {
		time.Sleep(e.outage)
		e.svc.down.Store(false)
	}()
	return nil
}

func (e *fakeEnv) Restore(ctx context.Context, kind, host string) error {
	e.mu.Lock()
	e.calls = append(e.calls, "restore "+kind+" "+host)
	e.mu.Unlock()
	return nil
}

func (e *fakeEnv) Exec(ctx context.Context, host, command string) (string, error) {
	e.mu.Lock()
	e.execs = append(e.execs, host+": "+command)
	e.mu.Unlock()
	if e.exec == nil {
		return "", errors.New("no exec")
	}
	return e.exec(host, command)
}

func (e *fakeEnv) Play(ctx context.Context, playbook string, _ map[string]any) error {
	e.calls = append(e.calls, "play "+playbook)
	if playbook == "broken.yml" {
		return errors.New("host failed")
	}
	e.svc.lossy.Store(true)
	time.Sleep(300 * time.Millisecond)
	e.svc.lossy.Store(false)
	return nil
}

func TestRunnerMeasures(t *testing.T) {
	svc := &service{items: map[string]bool{}}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	cfg, err := ParseConfig([]byte(`
target: ` + srv.URL + `/
client: {interval: 20ms, timeout: 500ms}
writes: {create_url: "` + srv.URL + `/items/{id}", read_url: "` + srv.URL + `/items/{id}", body: '{"id": "{id}"}', interval: 20ms}
defaults: {before: 200ms, after: 200ms, observe: 1s, recovery_timeout: 3s}
scenarios:
  - {name: kill, fault: kill, hosts: [lb1], max_recovery: 5s}
  - {name: strict, fault: stop, hosts: [lb2], max_recovery: 100ms}
  - {name: update, playbook: rolling.yml, max_failed: 0}
  - {name: broken, playbook: broken.yml}
`))
	require.NoError(t, err)
	steps, err := cfg.Steps(nil)
	require.NoError(t, err)
	env := &fakeEnv{svc: svc, outage: 600 * time.Millisecond}
	var log bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := &Runner{Config: cfg, Steps: steps, Env: env, Log: &log, RecoveredAfter: 3}
	res, err := r.Run(ctx)
	require.NoError(t, err)
	require.Len(t, res, 4)
	assert.Equal(t, []string{"kill lb1", "restore kill lb1", "stop lb2", "restore stop lb2", "play rolling.yml", "play broken.yml"}, env.calls)

	kill := res[0]
	assert.Greater(t, kill.Outcome.Failed, 10, "a 600 ms outage at one request per 20 ms")
	assert.InDelta(t, 600, kill.Outcome.Outage.Milliseconds(), 150, "outage measured from the first failure to the first success")
	assert.True(t, kill.Outcome.Recovered)
	assert.Empty(t, kill.Misses)
	assert.Greater(t, kill.Acked, 5)
	assert.Zero(t, kill.Lost)

	strict := res[1]
	require.Len(t, strict.Misses, 1)
	assert.Contains(t, strict.Misses[0], "> 100ms")

	update := res[2]
	assert.Zero(t, update.Outcome.Failed)
	assert.Greater(t, update.Outcome.Requests, 20)
	assert.Greater(t, update.Lost, 3, "writes acknowledged while the service lost them")
	assert.Equal(t, []string{update.Misses[0]}, update.Misses)
	assert.Contains(t, update.Misses[0], "acknowledged writes lost")

	assert.Contains(t, res[3].Misses, "host failed")
	assert.True(t, Missed(res))

	var out bytes.Buffer
	require.NoError(t, WriteTable(&out, res, true))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 5)
	assert.Regexp(t, `^SCENARIO\s+REQUESTS\s+FAILED\s+RECOVERY\s+WRITES LOST\s+RESULT$`, lines[0])
	assert.Regexp(t, `^kill lb1\s+\d+\s+\d+\s+[0-9.]+m?s\s+0/\d+\s+ok$`, lines[1])
	assert.Regexp(t, `^update\s+\d+\s+0\s+-\s+\d+/\d+\s+MISSED: \d+ acknowledged writes lost$`, lines[3])
	assert.Contains(t, log.String(), "kill lb1: service back")
}

func TestRunnerQuietFault(t *testing.T) {
	svc := &service{items: map[string]bool{}}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	cfg, err := ParseConfig([]byte("target: " + srv.URL + "/\nclient: {interval: 20ms}\n" +
		"scenarios: [{name: cut, fault: cut, hosts: [standby], before: 100ms, after: 100ms, observe: 500ms, max_recovery: 1s}]"))
	require.NoError(t, err)
	steps, err := cfg.Steps(nil)
	require.NoError(t, err)
	start := time.Now()
	res, err := (&Runner{Config: cfg, Steps: steps, Env: &fakeEnv{svc: svc}}).Run(context.Background())
	require.NoError(t, err)
	// fakeEnv with no outage: down for 0 s, so at most a request or two fail.
	assert.Less(t, time.Since(start), 3*time.Second, "a fault without effect is watched for observe, not recovery_timeout")
	assert.True(t, res[0].Outcome.Recovered)
	assert.False(t, Missed(res))
}
