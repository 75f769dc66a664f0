package haproxy_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/hactl/hactl/modules/haproxy"
	"github.com/hactl/hactl/modules/internal/modtest"
	"github.com/hactl/hactl/pkg/lab/labtest"
)

const stateFile = "/var/lib/haproxy/server-state"

// globalFragment is the part of the configuration every test shares.
const globalFragment = `global
    log /dev/log local0
    stats socket /run/haproxy/admin.sock mode 660 level admin expose-fd listeners
    server-state-file /var/lib/haproxy/server-state
defaults
    mode http
    log global
    load-server-state-from-file global
    option redispatch
    retries 3
    timeout connect 2s
    timeout client 10s
    timeout server 10s
`

// webFragment balances over the two backend hosts.
func webFragment(b1, b2, extra string) string {
	return fmt.Sprintf(`frontend fe
    bind *:80
    default_backend web
backend web
    balance roundrobin
    option httpchk GET /
%s    server b1 %s:8080 check inter 500 fall 2 rise 1
    server b2 %s:8080 check inter 500 fall 2 rise 1
`, extra, b1, b2)
}

func cfgArgs(b1, b2, extra string) map[string]any {
	return map[string]any{
		"server_state_file": stateFile,
		"fragments": []any{
			map[string]any{"name": "global", "order": 10, "content": globalFragment},
			map[string]any{"name": "web", "content": webFragment(b1, b2, extra)},
		},
	}
}

// TestHAProxyOnLab runs two load balancers (h1, h2) in front of two web
// servers (h3, h4).
func TestHAProxyOnLab(t *testing.T) {
	hosts := modtest.Lab(t, 4, labtest.Options{})
	lb1, lb2, web1, web2 := hosts[0], hosts[1], hosts[2], hosts[3]
	b1, b2 := addr(web1), addr(web2)
	pids := map[string]string{web1.Name: serve(t, web1), web2.Name: serve(t, web2)}
	front := "http://" + addr(lb1) + "/"
	paths := []string{"/etc/haproxy"}
	probes := []string{"systemctl is-active haproxy", "systemctl is-enabled haproxy"}

	t.Run("converge starts haproxy", func(t *testing.T) {
		first := lb1.Converge(t, "haproxy_config", cfgArgs(b1, b2, ""), paths, probes...)
		assert.Equal(t, true, first.Data["started"])
		assert.Equal(t, "active\n", lb1.Sh(t, "systemctl is-active haproxy"))
		assert.Equal(t, "enabled\n", lb1.Sh(t, "systemctl is-enabled haproxy"))
		lb2.MustRun(t, "haproxy_config", cfgArgs(b1, b2, ""), false, false)
		waitUp(t, front)
		for _, lb := range []*modtest.Host{lb1, lb2} {
			code, _ := get(t, "http://"+addr(lb)+"/")
			assert.Equal(t, 200, code, "through %s", lb.Name)
		}
	})

	t.Run("change reloads with the same master", func(t *testing.T) {
		before := masterPID(t, lb1)
		workers := lb1.Sh(t, "ps -o pid= --ppid "+before+" | sort")
		args := cfgArgs(b1, b2, "    http-response set-header X-Hactl v2\n")
		res := lb1.MustRun(t, "haproxy_config", args, false, true)
		require.True(t, res.Changed)
		assert.Equal(t, true, res.Data["reloaded"])
		require.Len(t, res.Diff, 1)
		assert.Contains(t, res.Diff[0].After, "X-Hactl v2")
		assert.Equal(t, before, masterPID(t, lb1), "master PID after reload")
		assert.Equal(t, before, strconv.Itoa(res.Data["master_pid"].(int)))
		assert.NotContains(t, workers, strconv.Itoa(res.Data["worker_pid"].(int)))
		t.Logf("reload took %.3fs, master %s kept, new worker %d", res.Data["reload_seconds"], before, res.Data["worker_pid"])
		_, hdr := get(t, front)
		assert.Equal(t, "v2", hdr.Get("X-Hactl"), "the new configuration is serving")

		reloaded := lb1.Sh(t, "ps -o pid= --ppid "+before+" | sort")
		again := lb1.MustRun(t, "haproxy_config", args, false, false)
		assert.False(t, again.Changed)
		assert.Equal(t, false, again.Data["reloaded"])
		assert.Equal(t, reloaded, lb1.Sh(t, "ps -o pid= --ppid "+before+" | sort"), "no reload on the second run")
	})

	t.Run("invalid fragment leaves the proxy alone", func(t *testing.T) {
		sum := lb1.Sh(t, "sha256sum /etc/haproxy/haproxy.cfg")
		master := masterPID(t, lb1)
		args := cfgArgs(b1, b2, "    http-response set-header X-Hactl v2\n    bogus-keyword on\n")
		for _, check := range []bool{true, false} {
			res, err := lb1.Run(t, "haproxy_config", args, check, false)
			require.NoError(t, err)
			require.True(t, res.Failed, "check=%t: %s", check, res.Msg)
			assert.Contains(t, res.Msg, "fragment web line")
			assert.Contains(t, res.Msg, "bogus-keyword")
			t.Logf("check=%t: %s", check, res.Msg)
		}
		assert.Equal(t, sum, lb1.Sh(t, "sha256sum /etc/haproxy/haproxy.cfg"), "live file")
		assert.Equal(t, master, masterPID(t, lb1))
		assert.Empty(t, lb1.Sh(t, "ls -A /etc/haproxy | grep hactl || true"), "no temporary file left")
		assert.Empty(t, lb1.Sh(t, "ls -A /tmp | grep hactl-haproxy || true"), "no temporary file left")
		code, _ := get(t, front)
		assert.Equal(t, 200, code)
	})

	t.Run("remote admin socket refused", func(t *testing.T) {
		res, err := lb1.Run(t, "haproxy_config", map[string]any{"content": "global\n    stats socket ipv4@0.0.0.0:9999 level admin\n"}, false, false)
		require.NoError(t, err)
		require.True(t, res.Failed)
		assert.Contains(t, res.Msg, "ipv4@0.0.0.0:9999")
	})

	t.Run("rolling update of a backend under load loses no request", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		type count struct{ total, failed int }
		counts := make([]count, 2)
		var wg sync.WaitGroup
		for i, lb := range []*modtest.Host{lb1, lb2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				counts[i].total, counts[i].failed = loop(ctx, "http://"+addr(lb)+"/", 300, 20*time.Millisecond)
			}()
		}
		time.Sleep(500 * time.Millisecond)
		args := map[string]any{"server": "b1", "backend": "web", "state": "maint", "drain": true, "wait_interval": 0.2, "wait_retries": 50}
		res := lb1.MustRun(t, "haproxy_server", args, true, true)
		assert.True(t, res.Changed, "check mode predicts the change")
		assert.Equal(t, "ready", state(t, lb1, "web/b1"), "check mode sent nothing")
		start := time.Now()
		for _, lb := range []*modtest.Host{lb1, lb2} {
			res = lb.MustRun(t, "haproxy_server", args, false, true)
			assert.True(t, res.Changed)
			assert.Equal(t, "maint", state(t, lb, "web/b1"))
			assert.False(t, lb.MustRun(t, "haproxy_server", args, false, false).Changed, "second run")
		}
		t.Logf("b1 drained and in maintenance on both load balancers in %.1fs", time.Since(start).Seconds())

		// "Update" web1: its server process is replaced.
		web1.Sh(t, "kill "+pids[web1.Name])
		time.Sleep(time.Second)
		pids[web1.Name] = serve(t, web1)
		for _, lb := range []*modtest.Host{lb1, lb2} {
			res = lb.MustRun(t, "community.general.haproxy", map[string]any{"host": "b1", "state": "enabled", "wait": true, "wait_interval": 0.2}, false, false)
			assert.True(t, res.Changed)
			assert.Equal(t, "UP", res.Data["after"].(map[string]any)["web/b1"].(map[string]any)["status"])
		}
		wg.Wait()
		for i, c := range counts {
			t.Logf("through lb%d: %d requests, %d failed", i+1, c.total, c.failed)
			assert.Equal(t, 300, c.total)
			assert.Zero(t, c.failed)
		}
	})

	t.Run("drain state survives a reload", func(t *testing.T) {
		lb1.MustRun(t, "haproxy_server", map[string]any{"server": "b2", "state": "drain"}, false, false)
		master := masterPID(t, lb1)
		res := lb1.MustRun(t, "haproxy_config", cfgArgs(b1, b2, "    http-response set-header X-Hactl v3\n"), false, false)
		require.Equal(t, true, res.Data["reloaded"])
		assert.Equal(t, stateFile, res.Data["server_state_saved"])
		assert.Equal(t, master, masterPID(t, lb1))
		assert.Equal(t, "drain", state(t, lb1, "web/b2"), "b2 still draining after the reload")
		lb1.MustRun(t, "haproxy_server", map[string]any{"server": "b2", "state": "ready"}, false, false)
	})

	t.Run("haproxy_server converges", func(t *testing.T) {
		probe := `printf 'show servers state web\n' | socat stdio /run/haproxy/admin.sock | awk 'NF > 8 {print $4, $7, $8}'`
		lb2.Converge(t, "haproxy_server", map[string]any{"server": "b2", "backend": "web", "state": "drain", "weight": 3}, nil, probe)
		assert.Contains(t, lb2.Sh(t, probe), "b2 8 3\n", "admin state FDRAIN, weight 3")
		lb2.MustRun(t, "haproxy_server", map[string]any{"server": "b2", "state": "ready", "weight": "100%"}, false, false)
		assert.Contains(t, lb2.Sh(t, probe), "b2 0 1\n", "ready, configured weight 1")
	})

	t.Run("src template", func(t *testing.T) {
		require.NoError(t, os.MkdirAll(filepath.Join(lb2.FilesDir, "templates"), 0o755))
		tpl := "# {{ inventory_hostname }}\n" + globalFragment + webFragment(b1, b2, "")
		require.NoError(t, os.WriteFile(filepath.Join(lb2.FilesDir, "templates", "haproxy.cfg.j2"), []byte(tpl), 0o644))
		res := lb2.MustRun(t, "haproxy_config", map[string]any{"src": "haproxy.cfg.j2"}, false, false)
		assert.Equal(t, true, res.Data["reloaded"])
		assert.True(t, strings.HasPrefix(lb2.Sh(t, "cat /etc/haproxy/haproxy.cfg"), "# "+lb2.Name+"\nglobal\n"))
		assert.False(t, lb2.MustRun(t, "haproxy_config", map[string]any{"src": "haproxy.cfg.j2"}, false, false).Changed)
	})

	t.Run("a missed reload is caught up", func(t *testing.T) {
		args := cfgArgs(b1, b2, "    http-response set-header X-Hactl v3\n")
		require.False(t, lb1.MustRun(t, "haproxy_config", args, false, false).Changed)
		// Rewrite the same bytes later than the newest worker started, as a
		// run interrupted between the write and the reload would leave them.
		lb1.Sh(t, "sleep 3; cat /etc/haproxy/haproxy.cfg > /tmp/same && cat /tmp/same > /etc/haproxy/haproxy.cfg")
		res := lb1.MustRun(t, "haproxy_config", args, false, false)
		assert.True(t, res.Changed)
		assert.Equal(t, false, res.Data["file_changed"])
		assert.Equal(t, true, res.Data["reloaded"])
		assert.Contains(t, fmt.Sprint(res.Data["warnings"]), "reload was missed")
		assert.False(t, lb1.MustRun(t, "haproxy_config", args, false, false).Changed)
	})

	t.Run("server not found", func(t *testing.T) {
		res, err := lb1.Run(t, "haproxy_server", map[string]any{"server": "nope", "state": "maint", "fail_on_not_found": true}, false, false)
		require.NoError(t, err)
		assert.True(t, res.Failed)
		res = lb1.MustRun(t, "haproxy_server", map[string]any{"server": "nope", "state": "maint"}, false, false)
		assert.False(t, res.Changed)
	})
}

// serve starts a web server on w's port 8080 and returns its PID; it is
// killed (by that PID) when the test ends.
func serve(t *testing.T, w *modtest.Host) string {
	t.Helper()
	pid := strings.TrimSpace(w.Sh(t, "mkdir -p /srv/www && hostname > /srv/www/index.html && cd /srv/www && "+
		"setsid python3 -m http.server 8080 </dev/null >/dev/null 2>&1 & echo $!"))
	_, err := strconv.Atoi(pid)
	require.NoError(t, err, "pid %q", pid)
	t.Cleanup(func() { w.Sh(t, "kill "+pid+" 2>/dev/null || true") })
	return pid
}

// addr returns h's lab address.
func addr(h *modtest.Host) string {
	return h.Vars["ansible_host"].(string)
}

func masterPID(t *testing.T, h *modtest.Host) string {
	return strings.TrimSpace(h.Sh(t, "systemctl show -p MainPID --value haproxy"))
}

// state reads a server's admin state through the module in check mode.
func state(t *testing.T, h *modtest.Host, key string) string {
	backend, server, _ := strings.Cut(key, "/")
	res := h.MustRun(t, "haproxy_server", map[string]any{"server": server, "backend": backend, "state": "ready"}, true, false)
	before := res.Data["before"].(map[string]any)[key].(map[string]any)
	return before["state"].(string)
}

var client = &http.Client{Timeout: 5 * time.Second}

func get(t *testing.T, url string) (int, http.Header) {
	t.Helper()
	resp, err := client.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header
}

// waitUp waits up to 10 s for the frontend to answer 200.
func waitUp(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not answer 200 within 10s", url)
}

// loop sends n requests, one every gap, and counts those that did not
// get a 200.
func loop(ctx context.Context, url string, n int, gap time.Duration) (total, failed int) {
	for i := 0; i < n && ctx.Err() == nil; i++ {
		total++
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err != nil {
			failed++
		} else {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				failed++
			}
		}
		time.Sleep(gap)
	}
	return total, failed
}
