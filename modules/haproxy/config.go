package haproxy

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/modules/internal/svcunit"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Config{}) }

// Config is the haproxy_config module.
type Config struct{}

// maxRead is the largest live file read for comparison and --diff;
// larger files are compared by checksum.
const maxRead = 8 << 20

// pendingSlack is how much newer than the newest worker the live file
// must be before the module decides a reload was missed (the kernel's
// boot time, from which process start times are computed, is rounded to
// the second).
const pendingSlack = 2

// Run implements module.Module.
func (Config) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	cand, err := buildCandidate(t, a)
	if err != nil {
		return module.Failf("%v", err), nil
	}
	facts := inspect(cand.text)
	var warnings []string
	if bad := facts.exposedSockets(); len(bad) > 0 && !a.Bool("allow_remote_stats_socket") {
		return module.Failf("refusing a stats socket reachable from the network (%s): the runtime API has no authentication; bind it to a unix path (stats socket /run/haproxy/admin.sock mode 660 level admin) or to 127.0.0.1, or set allow_remote_stats_socket: true", strings.Join(bad, ", ")), nil
	}
	if want := a.String("server_state_file"); want != "" {
		if facts.stateFile != want || !facts.loadState {
			return module.Failf("server_state_file %s: the configuration must declare it: `server-state-file %s` in global and `load-server-state-from-file global` in defaults (found server-state-file %q, load-server-state-from-file: %t)", want, want, facts.stateFile, facts.loadState), nil
		}
	} else if facts.stateFile != "" && !facts.loadState {
		warnings = append(warnings, "server-state-file is set but no section has load-server-state-from-file: runtime states are saved but not restored")
	}

	dest := a.String("path")
	service := a.String("service")
	manage := a.String("state") == "started"
	cur, err := remotefile.Gather(ctx, t.Conn, dest, remotefile.GatherOpts{Sums: []string{"sha1"}, MaxContent: maxRead})
	if err != nil {
		return module.Result{}, err
	}
	if cur.Exists && cur.Type != remotefile.TypeFile {
		return module.Failf("%s exists and is a %s, not a file", dest, cur.Type), nil
	}
	var u unit
	if manage {
		if u, err = gatherUnit(ctx, t.Conn, service); err != nil {
			return module.Result{}, err
		}
		if !u.Found || !u.Binary {
			return module.Failf("haproxy is not installed on %s (unit %s found: %t, haproxy program found: %t)", t.Host, service, u.Found, u.Binary), nil
		}
	}

	fileChanged := !sameContent(cur, []byte(cand.text))
	needStart := manage && !u.Running()
	needEnable := manage && a.Bool("enabled") && !u.IsEnabled()
	pending := manage && !fileChanged && !needStart && cur.Exists && u.newest > 0 &&
		cur.Mtime > u.newest+pendingSlack
	needReload := manage && !needStart && (fileChanged || pending)

	res := module.Result{Data: map[string]any{"path": dest, "file_changed": fileChanged, "reloaded": false, "started": false}}
	if fileChanged && t.Diff {
		d := remotefile.ContentDiffFrom(cur, "after: "+cand.what, []byte(cand.text))
		d.Before, d.After = maskPasswords(d.Before), maskPasswords(d.After)
		res.Diff = append(res.Diff, d)
	}
	if (needStart || needEnable) && t.Diff {
		res.Diff = append(res.Diff, svcunit.StartEnableDiff(service, needStart, needEnable))
	}
	res.Changed = fileChanged || needStart || needEnable || needReload
	if pending {
		warnings = append(warnings, fmt.Sprintf("%s is newer than the running haproxy workers: a reload was missed; reloading", dest))
	}
	if len(warnings) > 0 {
		res.Data["warnings"] = warnings
	}

	if t.Check {
		if fileChanged && a.Bool("validate") {
			if msg, err := checkCandidate(ctx, t.Conn, cand, dest); err != nil {
				return module.Result{}, err
			} else if msg != "" {
				return svcunit.Fail(res, msg), nil
			}
		}
		res.Msg = svcunit.Message("haproxy", res.Changed, fileChanged, needStart, needReload, true)
		return res, nil
	}

	if fileChanged {
		if needReload && facts.stateFile != "" && facts.loadState {
			sock := inspect(string(cur.Content)).unixSocket()
			if sock == "" {
				sock = facts.unixSocket()
			}
			if err := dumpState(ctx, t.Conn, sock, facts.stateFile); err != nil {
				return svcunit.Fail(res, fmt.Sprintf("saving server states before the reload: %v (the live file is unchanged)", err)), nil
			}
			res.Data["server_state_saved"] = facts.stateFile
		}
		wo := remotefile.WriteOpts{Dest: dest, Content: []byte(cand.text), Current: cur, Backup: a.Bool("backup")}
		if a.Bool("validate") {
			wo.Validate = "haproxy -c -f %s"
		}
		backup, err := remotefile.Write(ctx, t.Conn, wo)
		if ve := (*remotefile.ValidateError)(nil); errors.As(err, &ve) {
			fields := strings.Fields(ve.Cmd)
			out := cand.explain(strings.TrimSpace(ve.Stdout+"\n"+ve.Stderr), fields[len(fields)-1], dest)
			res.Changed = false
			return svcunit.Fail(res, "haproxy rejected the new configuration; "+dest+" and the running haproxy are unchanged:\n"+out), nil
		}
		if err != nil {
			return module.Result{}, err
		}
		if backup != "" {
			res.Data["backup_file"] = backup
		}
	}

	timeout := time.Duration(a.Int("reload_timeout")) * time.Second
	plan := svcunit.Plan{Manage: manage, Start: needStart, Reload: needReload, Enable: needEnable, MainPID: u.MainPID}
	err = svcunit.Settle(ctx, t.Conn, service, plan,
		func() (int, error) {
			nu, err := start(ctx, t.Conn, service, timeout)
			return nu.MainPID, err
		},
		func() (map[string]any, error) {
			proof, err := reload(ctx, t.Conn, service, u, timeout)
			if err != nil {
				return nil, err
			}
			return map[string]any{"master_pid": proof.master, "worker_pid": proof.newWorker, "reload_seconds": proof.took.Seconds()}, nil
		}, res.Data)
	if err != nil {
		return svcunit.Fail(res, err.Error()), nil
	}
	if manage && (needStart || needReload) {
		if sock := facts.unixSocket(); sock != "" {
			err := waitBackends(ctx, t.Conn, sock, facts.backends, timeout)
			switch {
			case errors.Is(err, errNoSocat):
				warnings = append(warnings, "socat is not installed: the backends of the new configuration were not checked through the stats socket")
				res.Data["warnings"] = warnings
			case err != nil:
				return svcunit.Fail(res, err.Error()), nil
			}
		}
	}
	res.Msg = svcunit.Message("haproxy", res.Changed, fileChanged, needStart, needReload, false)
	return res, nil
}

// sameContent reports whether the live file already holds want.
func sameContent(cur remotefile.State, want []byte) bool {
	switch {
	case !cur.Exists:
		return false
	case cur.HasContent:
		return bytes.Equal(cur.Content, want)
	}
	sum := sha1.Sum(want)
	return cur.Sums["sha1"] == hex.EncodeToString(sum[:])
}

// checkCandidate validates the candidate in a temporary file outside the
// configuration directory and removes it in the same command; it
// returns haproxy's complaint ("" when the candidate is valid).
func checkCandidate(ctx context.Context, c transport.Conn, cand candidate, dest string) (string, error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	tmp := "/tmp/.hactl-haproxy-" + hex.EncodeToString(b) + ".cfg"
	if err := c.Put(ctx, tmp, strings.NewReader(cand.text), 0o600); err != nil {
		return "", fmt.Errorf("upload candidate configuration: %w", err)
	}
	q := transport.Quote(tmp)
	out, err := hostcmd.Run(ctx, c, "haproxy -c", "haproxy -c -f "+q+"; rc=$?; rm -f -- "+q+"; exit $rc", transport.RunOpts{})
	if err != nil {
		return "", err
	}
	if out.RC == 0 {
		return "", nil
	}
	return "haproxy would reject the new configuration:\n" + cand.explain(strings.TrimSpace(out.Stdout+"\n"+out.Stderr), tmp, dest), nil
}

// dumpState saves the running servers' states where the new workers will
// load them.
func dumpState(ctx context.Context, c transport.Conn, sock, file string) error {
	if sock == "" {
		return fmt.Errorf("no unix stats socket in the configuration to read the states from")
	}
	addr, err := socatAddress(sock)
	if err != nil {
		return err
	}
	q := transport.Quote(file)
	script := "command -v socat >/dev/null 2>&1 || { echo 'socat is not installed' >&2; exit 127; }\n" +
		"printf 'show servers state\\n' | socat -t 10 stdio " + transport.Quote(addr) + " > " + q + ".hactl-tmp &&\n" +
		"head -n1 " + q + ".hactl-tmp | grep -qx 1 && mv -f -- " + q + ".hactl-tmp " + q + " || { rm -f -- " + q + ".hactl-tmp; echo 'show servers state gave no state' >&2; exit 1; }\n"
	_, err = hostcmd.Must(ctx, c, "save server states to "+file, script)
	return err
}

// waitBackends waits until show stat lists every backend of the new
// configuration: the proof that the workers answering run it.
func waitBackends(ctx context.Context, c transport.Conn, sock string, backends []string, timeout time.Duration) error {
	if len(backends) == 0 {
		return nil
	}
	deadline := time.Now().Add(timeout)
	for {
		ans, err := ask(ctx, c, sock, []string{"show stat"})
		if errors.Is(err, errNoSocat) {
			return err
		}
		var missing []string
		if err == nil {
			seen := proxies(ans[0])
			for _, b := range backends {
				if !seen[b] {
					missing = append(missing, b)
				}
			}
			if len(missing) == 0 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("verify: %w", err)
			}
			return fmt.Errorf("verify: the running haproxy does not show backends %s %s after applying", strings.Join(missing, ", "), timeout)
		}
		if err := svcunit.Sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
}

// proxies returns the proxy names in a show stat answer.
func proxies(stat string) map[string]bool {
	out := map[string]bool{}
	for line := range strings.SplitSeq(stat, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if name, _, ok := strings.Cut(line, ","); ok {
			out[name] = true
		}
	}
	return out
}

// userPassword matches userlist passwords (hashed or not).
var userPassword = regexp.MustCompile(`(?m)^(\s*user\s+\S+\s+(?:insecure-)?password\s+)\S+`)

// maskPasswords hides userlist passwords in --diff output.
func maskPasswords(text string) string {
	return userPassword.ReplaceAllString(text, "${1}********")
}
