package keepalived

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/modules/internal/svcunit"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(VRRP{}) }

// VRRP is the keepalived_vrrp module.
type VRRP struct{}

// Run implements module.Module.
func (VRRP) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	cfg, err := parseConfig(a.Dict("global_defs"), a.List("scripts"), a.List("sync_groups"), a.List("instances"))
	if err != nil {
		return module.Failf("%v", err), nil
	}
	text := cfg.render()
	dest := a.String("path")
	service := a.String("service")
	manage := a.String("state") == "started"

	cur, err := remotefile.Gather(ctx, t.Conn, dest, remotefile.GatherOpts{MaxContent: 4 << 20})
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
			return module.Failf("keepalived is not installed on %s (unit %s found: %t, keepalived program found: %t)", t.Host, service, u.Found, u.Binary), nil
		}
	}
	fileChanged := !cur.HasContent || !bytes.Equal(cur.Content, []byte(text))
	needStart := manage && !u.Running()
	needEnable := manage && a.Bool("enabled") && !u.IsEnabled()
	needReload := manage && !needStart && fileChanged

	res := module.Result{
		Changed: fileChanged || needStart || needEnable,
		Data:    map[string]any{"path": dest, "file_changed": fileChanged, "reloaded": false, "started": false, "vips": vipsIn(text)},
	}
	if len(cfg.warnings) > 0 {
		res.Data["warnings"] = cfg.warnings
	}
	if t.Diff {
		if fileChanged {
			d := remotefile.ContentDiffFrom(cur, "after: keepalived_vrrp", []byte(text))
			d.Before, d.After = maskSecrets(d.Before), maskSecrets(d.After)
			res.Diff = append(res.Diff, d)
		}
		if needStart || needEnable {
			res.Diff = append(res.Diff, svcunit.StartEnableDiff(service, needStart, needEnable))
		}
	}
	if t.Check {
		if fileChanged && a.Bool("validate") {
			if msg, err := testConfig(ctx, t.Conn, text, dest); err != nil {
				return module.Result{}, err
			} else if msg != "" {
				return svcunit.Fail(res, "keepalived would reject the new configuration: "+msg), nil
			}
		}
		res.Msg = svcunit.Message("keepalived", res.Changed, fileChanged, needStart, needReload, true)
		return res, nil
	}

	if fileChanged {
		wo := remotefile.WriteOpts{Dest: dest, Content: []byte(text), Current: cur, Attrs: remotefile.Attrs{}, Backup: a.Bool("backup")}
		if !cur.Exists {
			wo.Attrs.Mode, _ = remotefile.ParseModeSpec("0640")
		}
		if a.Bool("validate") {
			wo.Validate = "keepalived -t -f %s"
		}
		backup, err := remotefile.Write(ctx, t.Conn, wo)
		if ve := (*remotefile.ValidateError)(nil); errors.As(err, &ve) {
			res.Changed = false
			f := strings.Fields(ve.Cmd)
			msg := strings.ReplaceAll(clean(ve.Stdout+"\n"+ve.Stderr), f[len(f)-1], dest+" (candidate)")
			return svcunit.Fail(res, "keepalived rejected the new configuration; "+dest+" and the running keepalived are unchanged: "+msg), nil
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
			took, err := reload(ctx, t.Conn, service, u, timeout)
			if err != nil {
				return nil, err
			}
			return map[string]any{"reload_seconds": took.Seconds()}, nil
		}, res.Data)
	if err != nil {
		return svcunit.Fail(res, err.Error()), nil
	}
	res.Msg = svcunit.Message("keepalived", res.Changed, fileChanged, needStart, needReload, false)
	return res, nil
}

// testConfig runs keepalived's configuration test on text in a temporary
// file removed by the same command; it returns keepalived's complaint
// ("" when the test passes).
func testConfig(ctx context.Context, c transport.Conn, text, dest string) (string, error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	tmp := "/tmp/.hactl-keepalived-" + hex.EncodeToString(b) + ".conf"
	if err := c.Put(ctx, tmp, strings.NewReader(text), 0o600); err != nil {
		return "", fmt.Errorf("upload candidate configuration: %w", err)
	}
	q := transport.Quote(tmp)
	out, err := hostcmd.Run(ctx, c, "keepalived -t", "keepalived -t -f "+q+" 2>&1; rc=$?; rm -f -- "+q+"; exit $rc", transport.RunOpts{})
	if err != nil {
		return "", err
	}
	if out.RC == 0 {
		return "", nil
	}
	return strings.ReplaceAll(clean(out.Stdout+"\n"+out.Stderr), tmp, dest+" (candidate)"), nil
}

// clean joins keepalived's non-empty output lines.
func clean(s string) string {
	var keep []string
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			keep = append(keep, l)
		}
	}
	if len(keep) == 0 {
		return "(no message; run keepalived -t -f FILE on the host)"
	}
	return strings.Join(keep, "; ")
}
