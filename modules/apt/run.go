package apt

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// env makes apt-get and dpkg non-interactive.
var env = map[string]string{"DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}

// aptGet builds an apt-get command line from the task's options; verb and
// args follow the options.
func aptGet(a module.Args, check bool, verb string, args ...string) string {
	w := []string{"apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=" + strconv.Itoa(a.Int("lock_timeout"))}
	for o := range strings.SplitSeq(a.String("dpkg_options"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			w = append(w, "-o", "Dpkg::Options::=--"+o)
		}
	}
	flags := []struct {
		on   bool
		flag string
	}{
		{a.Bool("force"), "--force-yes"},
		{a.Bool("autoremove") && verb != "autoremove", "--auto-remove"},
		{a.Bool("fail_on_autoremove"), "--no-remove"},
		{a.Bool("only_upgrade") && verb == "install", "--only-upgrade"},
		{a.String("state") == "fixed" && verb == "install", "--fix-broken"},
		{a.Bool("purge") && (verb == "remove" || verb == "autoremove"), "--purge"},
		{check, "--simulate"},
		{a.Bool("allow_unauthenticated"), "--allow-unauthenticated"},
		{a.Bool("allow_downgrade"), "--allow-downgrades"},
		{a.Bool("allow_change_held_packages"), "--allow-change-held-packages"},
	}
	for _, f := range flags {
		if f.on {
			w = append(w, f.flag)
		}
	}
	if r := a.String("default_release"); r != "" {
		w = append(w, "-t", r)
	}
	if a.Has("install_recommends") {
		w = append(w, "-o", "APT::Install-Recommends="+map[bool]string{true: "yes", false: "no"}[a.Bool("install_recommends")])
	}
	w = append(w, strings.Fields(verb)...)
	if len(args) > 0 {
		w = append(w, "--")
		w = append(w, args...)
	}
	return transport.QuoteArgs(w)
}

// withPolicy wraps cmd so that services do not start (policy_rc_d) while it
// runs; the exit status ends up in $__rc.
func withPolicy(a module.Args, cmd string) string {
	if !a.Has("policy_rc_d") {
		return cmd + "\n__rc=$?\n"
	}
	return fmt.Sprintf(`__p=/usr/sbin/policy-rc.d
if [ -e $__p ]; then mv -f $__p $__p.hactl-save; fi
printf '#!/bin/sh\nexit %d\n' > $__p && chmod 0755 $__p
%s
__rc=$?
rm -f $__p
if [ -e $__p.hactl-save ]; then mv -f $__p.hactl-save $__p; fi
`, a.Int("policy_rc_d"), cmd)
}

// Run installs, upgrades or removes packages.
func (Apt) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	var specs []pkgSpec
	all := false
	for _, n := range a.Strings("name") {
		n = strings.TrimSpace(n)
		if n == "*" {
			all = true
			continue
		}
		if n == "" {
			continue
		}
		if strings.Count(n, "=") > 1 {
			return module.Failf("invalid package spec: %s", n), nil
		}
		s := splitSpec(n)
		if strings.ContainsAny(s.name, "*?[]!") {
			return module.Failf("apt: package name patterns such as %q are not supported by hactl; list the packages", s.name), nil
		}
		if strings.HasPrefix(s.name, "-") || strings.ContainsAny(s.name, " \t\n'\"$`;&|<>\\") {
			return module.Failf("No package matching '%s' is available", s.name), nil
		}
		specs = append(specs, s)
	}
	state := a.String("state")
	if all && (state != "latest" || len(specs) > 0) {
		if len(specs) > 0 {
			return module.Failf("unable to install additional packages when upgrading all installed packages"), nil
		}
		return module.Failf(`apt: name "*" is only valid with state latest`), nil
	}
	if a.Has("deb") && state != "present" {
		return module.Failf("deb only supports state=present"), nil
	}
	j := &job{t: t, a: a, data: map[string]any{}}
	return j.run(ctx, specs, all)
}

// job is one run of the apt module.
type job struct {
	t    *module.Target
	a    module.Args
	data map[string]any
}

func (j *job) run(ctx context.Context, specs []pkgSpec, all bool) (module.Result, error) {
	a, t := j.a, j.t
	wantUpdate := a.Bool("update_cache") || a.Int("cache_valid_time") > 0
	update := ""
	if wantUpdate && !t.Check {
		update = updateScript(a.Int("cache_valid_time"), a.Int("update_cache_retries"), a.Int("update_cache_retry_max_delay"))
	}
	names := make([]string, 0, len(specs))
	for _, s := range specs {
		names = append(names, s.name)
	}
	marker := hostcmd.Marker()
	out, err := hostcmd.Run(ctx, t.Conn, "apt: read package state", gatherScript(marker, names, update, a.String("default_release")), transport.RunOpts{Env: env})
	if err != nil {
		return module.Result{}, err
	}
	st, err := parseGather(out.Stdout, marker, names)
	if err != nil {
		return module.Result{}, err
	}
	if st.updateRC > 0 {
		return module.Failf("Failed to update apt cache: %s", strings.TrimSpace(st.updateErr)), nil
	}
	updated := st.updateRC == 0 && st.cacheTime != st.cacheBefore
	if t.Check && wantUpdate {
		valid := int64(a.Int("cache_valid_time"))
		updated = valid == 0 || st.cacheBefore+valid < st.now
	}
	j.data["cache_updated"] = updated
	j.data["cache_update_time"] = st.cacheTime
	cacheOnly := len(specs) == 0 && !all && !a.Has("deb") && a.String("upgrade") == "no"
	if a.Bool("clean") {
		res, err := j.exec(ctx, aptGet(a, false, "clean"), nil)
		if err != nil || res.Failed || cacheOnly {
			res.Changed = true
			return res, err
		}
	}
	switch {
	case wantUpdate && cacheOnly && !a.Bool("autoremove") && !a.Bool("autoclean"):
		return module.Result{Changed: updated, Data: j.data}, nil
	case a.String("upgrade") != "no":
		return j.upgrade(ctx, a.String("upgrade"))
	case a.Has("deb"):
		return j.deb(ctx, a.String("deb"))
	case all:
		return j.upgrade(ctx, "yes")
	case len(specs) == 0 && (a.Bool("autoclean") || a.Bool("autoremove")):
		op := "autoremove"
		if a.Bool("autoclean") {
			op = "autoclean"
		}
		return j.cleanup(ctx, op)
	}
	switch state := a.String("state"); state {
	case "absent":
		args, changes := planRemove(specs, st, a.Bool("purge"))
		return j.apply(ctx, "remove", args, changes, specs)
	case "build-dep":
		raw := make([]string, len(specs))
		for i, s := range specs {
			raw[i] = s.raw
		}
		return j.buildDep(ctx, raw)
	default:
		args, changes, fail := planInstall(specs, st, state == "latest", a.Bool("only_upgrade"))
		if fail != "" {
			return module.Result{Failed: true, Msg: fail, Data: j.data}, nil
		}
		return j.apply(ctx, "install", args, changes, specs)
	}
}
