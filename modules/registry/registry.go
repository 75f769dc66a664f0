package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// run is one docker_registry task.
type run struct {
	t        *module.Target
	a        module.Args
	s        settings
	users    []user
	res      module.Result
	cfgState remotefile.State
	pwState  remotefile.State
	config   []byte
	pw       []byte
}

// Run implements module.Module.
func (Registry) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	s, err := parseSettings(a)
	if err != nil {
		return module.Failf("docker_registry: %v", err), nil
	}
	users, err := parseUsers(a.List("htpasswd_users"))
	if err != nil {
		return module.Failf("docker_registry: %v", err), nil
	}
	r := &run{t: t, a: a, s: s, users: users, res: module.Result{Data: map[string]any{
		"config_changed": false, "htpasswd_changed": false, "restarted": false, "started": false, "url": s.verifyURL,
	}}}
	if err := r.converge(ctx); err != nil {
		return module.Result{}, err
	}
	if a.Bool("garbage_collect") {
		if err := r.collect(ctx); err != nil {
			return module.Result{}, err
		}
	}
	if peers := a.Strings("peers"); len(peers) > 0 {
		var f failure
		if err := r.checkPeers(ctx, peers); errors.As(err, &f) {
			r.res.Failed = true
			r.res.Msg = strings.TrimPrefix(r.res.Msg+"; "+f.msg, "; ")
		} else if err != nil {
			return module.Result{}, err
		}
	}
	return r.res, nil
}

func (r *run) note(format string, args ...any) {
	r.res.Changed = true
	msg := fmt.Sprintf(format, args...)
	if r.res.Msg == "" {
		r.res.Msg = msg
	} else {
		r.res.Msg += "; " + msg
	}
}

// gather reads both files and the storage directory in one Run each.
func (r *run) gather(ctx context.Context) (storageOK bool, err error) {
	st, err := remotefile.GatherMany(ctx, r.t.Conn, []string{ConfigPath, r.a.String("htpasswd_path")}, remotefile.GatherOpts{MaxContent: 1 << 20})
	if err != nil {
		return false, err
	}
	r.cfgState, r.pwState = st[0], st[1]
	if !r.cfgState.ParentDir {
		return false, fmt.Errorf("%s: the directory is missing; is the docker-registry package installed?", ConfigPath)
	}
	out, err := hostcmd.Run(ctx, r.t.Conn, "check "+r.s.Storage, "test -d "+transport.Quote(r.s.Storage), transport.RunOpts{})
	if err != nil {
		return false, err
	}
	return out.RC == 0, nil
}

func (r *run) converge(ctx context.Context) error {
	storageOK, err := r.gather(ctx)
	if err != nil {
		return err
	}
	r.config = r.s.render(false)
	cfgChanged := !r.cfgState.HasContent || string(r.cfgState.Content) != string(r.config)
	pwChanged := false
	if len(r.users) > 0 {
		if r.pw, err = htpasswd(r.users, r.pwState.Content); err != nil {
			return err
		}
		pwChanged = !r.pwState.HasContent || string(r.pwState.Content) != string(r.pw)
	}
	r.res.Data["config_changed"] = cfgChanged
	r.res.Data["htpasswd_changed"] = pwChanged
	if cfgChanged {
		r.note("config.yml updated")
		if r.t.Diff {
			before := ""
			if r.cfgState.HasContent {
				before = maskSecret(string(r.cfgState.Content))
			}
			r.res.Diff = append(r.res.Diff, remotefile.ContentDiff(ConfigPath, ConfigPath, []byte(before), r.s.render(true)))
		}
	}
	if pwChanged {
		r.note("htpasswd updated")
		if r.t.Diff {
			r.res.Diff = append(r.res.Diff, module.FileDiff{BeforeHeader: r.pwState.Path, AfterHeader: r.pwState.Path,
				Before: userNames(r.pwState.Content), After: htpasswdAfter(r.pwState.Content, r.pw)})
		}
	}
	if !storageOK {
		r.note("created %s", r.s.Storage)
	}
	u, err := gatherUnit(ctx, r.t.Conn, r.a.String("service"))
	if err != nil {
		return err
	}
	if !u.Loaded {
		return fmt.Errorf("unit %s is not installed (apt install docker-registry)", r.a.String("service"))
	}
	state := r.a.String("state")
	if r.t.Check {
		r.predictService(u, state, cfgChanged || pwChanged)
		return nil
	}
	if !storageOK {
		q := transport.Quote(r.s.Storage)
		if _, err := hostcmd.Must(ctx, r.t.Conn, "create "+r.s.Storage, "install -d -m 0750 -o docker-registry -g docker-registry "+q); err != nil {
			return err
		}
	}
	if err := r.writeFiles(ctx, cfgChanged, pwChanged); err != nil {
		return err
	}
	return r.service(ctx, u, state, cfgChanged || pwChanged)
}

// maskSecret hides http.secret in a config.yml being shown.
func maskSecret(cfg string) string {
	lines := strings.Split(cfg, "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "secret:") {
			indent := l[:len(l)-len(strings.TrimLeft(l, " "))]
			lines[i] = indent + "secret: " + q(masked)
		}
	}
	return strings.Join(lines, "\n")
}

// htpasswdAfter lists users after the change, marking new hashes.
func htpasswdAfter(before, after []byte) string {
	old := map[string]string{}
	for line := range strings.SplitSeq(string(before), "\n") {
		if n, h, ok := strings.Cut(line, ":"); ok {
			old[n] = h
		}
	}
	var b strings.Builder
	for line := range strings.SplitSeq(string(after), "\n") {
		n, h, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		mark := "(bcrypt hash)"
		if old[n] != h {
			mark = "(new bcrypt hash)"
		}
		b.WriteString(n + ": " + mark + "\n")
	}
	return b.String()
}

func (r *run) writeFiles(ctx context.Context, cfg, pw bool) error {
	attrs, err := remotefile.AttrsFromArgs("0640", "root", "docker-registry")
	if err != nil {
		return err
	}
	if cfg {
		if _, err := remotefile.Write(ctx, r.t.Conn, remotefile.WriteOpts{Dest: ConfigPath, Content: r.config, Current: r.cfgState, Attrs: attrs}); err != nil {
			return err
		}
	}
	if pw {
		if _, err := remotefile.Write(ctx, r.t.Conn, remotefile.WriteOpts{Dest: r.pwState.Path, Content: r.pw, Current: r.pwState, Attrs: attrs}); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) predictService(u unitState, state string, filesChanged bool) {
	switch {
	case state == "started" && !u.running():
		r.note("would start %s", r.a.String("service"))
	case state == "started" && filesChanged, state == "present" && filesChanged && u.running():
		r.note("would restart %s", r.a.String("service"))
	case state == "stopped" && u.running():
		r.note("would stop %s", r.a.String("service"))
	}
	if state == "started" && r.a.Bool("enabled") && !u.isEnabled() {
		r.note("would enable %s", r.a.String("service"))
	}
}

func (r *run) service(ctx context.Context, u unitState, state string, filesChanged bool) error {
	unit := r.a.String("service")
	verify := false
	switch {
	case state == "stopped":
		if u.running() {
			r.note("stopped %s", unit)
			return systemctl(ctx, r.t.Conn, "stop", unit)
		}
		return nil
	case !u.running() && state == "started":
		if err := systemctl(ctx, r.t.Conn, "start", unit); err != nil {
			return err
		}
		r.note("started %s", unit)
		r.res.Data["started"] = true
		verify = true
	case u.running() && filesChanged:
		if err := systemctl(ctx, r.t.Conn, "restart", unit); err != nil {
			return err
		}
		r.note("restarted %s", unit)
		r.res.Data["restarted"] = true
		verify = true
	}
	if state == "started" && r.a.Bool("enabled") && !u.isEnabled() {
		if err := systemctl(ctx, r.t.Conn, "enable", unit); err != nil {
			return err
		}
		r.note("enabled %s", unit)
	}
	if verify && r.a.Bool("verify") {
		return checkV2(ctx, r.t.Conn, r.s.verifyURL, r.s.Htpasswd != "", time.Duration(r.a.Int("verify_timeout"))*time.Second)
	}
	return nil
}
