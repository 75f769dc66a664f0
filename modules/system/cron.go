package system

import (
	"context"
	"encoding/base64"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Cron{}) }

// Cron is the cron module.
type Cron struct{}

// Spec describes the cron module.
func (Cron) Spec() module.Spec {
	return module.Spec{
		Name:  "cron",
		Short: "Manage cron jobs and crontab variables",
		Doc: `Adds, updates or removes one job (or, with env, one variable) in a user's crontab or in a file under /etc/cron.d.

A job is recognised by the "#Ansible: NAME" comment line above it, the same marker Ansible writes, so crontabs managed by Ansible are taken over as they are. A line equal to the wanted job without a marker gets one. User crontabs are read with crontab -l (-u USER for another user) and installed with crontab through standard input; cron files are replaced atomically and removed when their last job goes.`,
		Params: []module.Param{
			{Name: "name", Type: module.Str, Required: true, Doc: "The job's name (its marker), or the variable's name with env."},
			{Name: "user", Type: module.Str, Doc: "Whose crontab; required with cron_file (it is written on each line)."},
			{Name: "job", Type: module.Str, Aliases: []string{"value"}, Doc: "The command, or the variable's value with env."},
			{Name: "cron_file", Type: module.Path, Doc: "A file in /etc/cron.d (a relative name) or an absolute path, instead of the user's crontab."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"present", "absent"}, Doc: "Whether the job or variable exists."},
			{Name: "backup", Type: module.Bool, Default: false, Doc: "Save the crontab to a temporary file on the host first (returned as backup_file)."},
			{Name: "minute", Type: module.Str, Default: "*", Doc: "Minute field."},
			{Name: "hour", Type: module.Str, Default: "*", Doc: "Hour field."},
			{Name: "day", Type: module.Str, Default: "*", Aliases: []string{"dom"}, Doc: "Day of the month field."},
			{Name: "month", Type: module.Str, Default: "*", Doc: "Month field."},
			{Name: "weekday", Type: module.Str, Default: "*", Aliases: []string{"dow"}, Doc: "Day of the week field."},
			{Name: "special_time", Type: module.Str, Choices: []any{"reboot", "yearly", "annually", "monthly", "weekly", "daily", "hourly"}, Doc: "An @-schedule instead of the time fields."},
			{Name: "disabled", Type: module.Bool, Default: false, Doc: "Write the job commented out."},
			{Name: "env", Type: module.Bool, Default: false, Doc: "Manage a variable NAME=\"JOB\" instead of a job."},
			{Name: "insertafter", Type: module.Str, Doc: "With env, put a new variable after this one."},
			{Name: "insertbefore", Type: module.Str, Doc: "With env, put a new variable before this one."},
		},
		MutuallyExclusive: [][]string{{"insertafter", "insertbefore"}},
		CheckMode:         true,
		Examples: `- name: Back up the Galera node every night
  cron:
    name: galera backup
    minute: "30"
    hour: "2"
    job: /usr/local/sbin/galera-backup >/dev/null 2>&1

- name: Mail cron output to the operators
  cron:
    name: MAILTO
    env: true
    job: ops@example.org

- name: A system job in /etc/cron.d
  cron:
    name: purge registry
    special_time: weekly
    user: root
    cron_file: registry-gc
    job: registry garbage-collect /etc/docker/registry/config.yml`,
		Returns: []module.ReturnValue{
			{Name: "jobs", Type: module.List, Doc: "The names of the jobs in the crontab after the change."},
			{Name: "envs", Type: module.List, Doc: "The variables in the crontab after the change."},
			{Name: "cron_file", Type: module.Str, Doc: "The cron_file argument."},
			{Name: "backup_file", Type: module.Str, Doc: "The backup's path when backup was set and something changed."},
			{Name: "warnings", Type: module.List, Doc: "Warnings about the arguments."},
		},
	}
}

var cronFileNameRe = regexp.MustCompile(`(?i)^[A-Z0-9_-]+$`)

// cronTarget says where the crontab lives.
type cronTarget struct {
	file   string // cron file path, "" for a user crontab
	user   string
	other  bool // a user other than the one we run as (crontab -u)
	header string
}

func readCrontab(ctx context.Context, conn transport.Conn, ct *cronTarget) (string, remotefile.State, error) {
	if ct.file != "" {
		st, err := remotefile.Gather(ctx, conn, ct.file, remotefile.GatherOpts{Follow: true, MaxContent: 16 << 20})
		if err != nil {
			return "", st, fmt.Errorf("cron: read %s: %w", ct.file, err)
		}
		if st.Exists && st.Type == remotefile.TypeFile && !st.HasContent {
			return "", st, fmt.Errorf("cron: cannot read %s", ct.file)
		}
		return string(st.Content), st, nil
	}
	script := fmt.Sprintf(`u=%s
me=$(id -un) || exit 1
if [ -n "$u" ] && [ "$u" != "$me" ]; then echo other; out=$(crontab -u "$u" -l 2>/dev/null; echo "rc=$?")
else echo self; out=$(crontab -l 2>/dev/null; echo "rc=$?"); fi
rc=${out##*rc=}; out=${out%%rc=*}
case $rc in 0|1) ;; *) exit 3;; esac
printf '%%s' "$out" | base64 -w0; echo
`, transport.Quote(ct.user))
	out, err := hostcmd.Run(ctx, conn, "cron: read crontab", script, transport.RunOpts{})
	if err != nil {
		return "", remotefile.State{}, err
	}
	if out.RC != 0 {
		return "", remotefile.State{}, fmt.Errorf("cron: Unable to read crontab (exit status %d): %s", out.RC, hostcmd.FirstLine(out.Stderr))
	}
	kind, b64, _ := strings.Cut(out.Stdout, "\n")
	ct.other = kind == "other"
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return "", remotefile.State{}, fmt.Errorf("cron: read crontab: %w", err)
	}
	return string(b), remotefile.State{}, nil
}

// Run adds, updates or removes the job.
func (Cron) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	name, user, job, state := a.String("name"), a.String("user"), a.String("job"), a.String("state")
	install := state == "present"
	isEnv := a.Bool("env")
	after, before := a.String("insertafter"), a.String("insertbefore")
	warnings := []any{}
	ct := &cronTarget{user: user}
	if f := a.String("cron_file"); f != "" {
		if f == "/etc/crontab" {
			return module.Failf("Will not manage /etc/crontab via cron_file, see documentation."), nil
		}
		if base := path.Base(f); !cronFileNameRe.MatchString(base) {
			warnings = append(warnings, fmt.Sprintf("Filename portion of cron_file (%q) should consist solely of upper- and lower-case letters, digits, underscores, and hyphens", base))
		}
		ct.file = f
		if !path.IsAbs(f) {
			ct.file = path.Join("/etc/cron.d", f)
		}
	}
	special := a.String("special_time")
	if special != "" {
		for _, f := range []string{"minute", "hour", "day", "month", "weekday"} {
			if a.String(f) != "*" {
				return module.Failf("You must specify time and date fields or special time."), nil
			}
		}
	}
	if install {
		switch {
		case ct.file != "" && user == "":
			return module.Failf("To use cron_file=... parameter you must specify user=... as well"), nil
		case !a.Has("job"):
			return module.Failf("You must specify 'job' to install a new cron job or variable"), nil
		case (after != "" || before != "") && !isEnv:
			return module.Failf("Insertafter and insertbefore parameters are valid only with env=yes"), nil
		}
	}
	if isEnv && strings.Contains(name, " ") {
		return module.Failf("Invalid name for environment variable"), nil
	}
	text, fileState, err := readCrontab(ctx, t.Conn, ct)
	if err != nil {
		return module.Result{}, err
	}
	tab := parseCrontab(text, ct.file != "", user)
	backupText := tab.render()
	header := ct.file
	switch {
	case ct.file != "":
	case user != "":
		header = fmt.Sprintf("crontab for user %q", user)
	default:
		header = "crontab"
	}
	diff := module.FileDiff{BeforeHeader: header, Before: tab.existing}
	changed := false
	if isEnv {
		decl := name + `="` + job + `"`
		_, old, found := tab.findEnv(name)
		switch {
		case install && !found:
			if !tab.addEnv(decl, after, before) {
				return module.Failf("Variable named '%s' not found.", after+before), nil
			}
			changed = true
		case install && old != decl:
			tab.updateEnv(name, decl, false)
			changed = true
		case !install && found:
			tab.updateEnv(name, "", true)
			changed = true
		}
	} else if install {
		if strings.ContainsAny(strings.Trim(job, "\r\n"), "\r\n") {
			warnings = append(warnings, "Job should not contain line breaks")
		}
		line := tab.jobLine(a.String("minute"), a.String("hour"), a.String("day"), a.String("month"), a.String("weekday"), job, special, a.Bool("disabled"))
		found, old, inserted := tab.findJob(name, line)
		switch {
		case !found:
			tab.lines = append(tab.lines, cronMarker+name, line)
			changed = true
		case old != line || inserted:
			tab.updateJob(name, line, false)
			changed = true
		}
	} else if found, _, _ := tab.findJob(name, ""); found {
		tab.updateJob(name, "", true)
		changed = true
		if ct.file != "" && tab.isEmpty() {
			return removeCronFile(ctx, t, a, ct.file, fileState, diff)
		}
	}
	if !changed && tab.existing != "" && !strings.HasSuffix(tab.existing, "\n") && !strings.HasSuffix(tab.existing, "\r") {
		changed = true
	}
	data := map[string]any{"jobs": tab.jobNames(), "envs": tab.envNames(), "warnings": warnings}
	if a.Has("cron_file") {
		data["cron_file"] = a.String("cron_file")
	}
	res := module.Result{Changed: changed, Data: data}
	if !changed {
		return res, nil
	}
	diff.AfterHeader, diff.After = header, tab.render()
	if t.Diff {
		res.Diff = []module.FileDiff{diff}
	}
	if t.Check {
		return res, nil
	}
	if a.Bool("backup") {
		out, err := hostcmd.Run(ctx, t.Conn, "cron: backup", `b=$(mktemp /tmp/crontabXXXXXXXX) && cat > "$b" && printf '%s' "$b"`, transport.RunOpts{Stdin: strings.NewReader(backupText)})
		if err != nil {
			return module.Result{}, err
		}
		if out.RC != 0 {
			return module.Failf("cron: backup: %s", hostcmd.FirstLine(out.Stderr)), nil
		}
		data["backup_file"] = out.Stdout
	}
	if err := writeCrontab(ctx, t.Conn, ct, fileState, tab.render()); err != nil {
		return module.Result{Failed: true, Msg: err.Error(), Data: data}, nil
	}
	return res, nil
}

func writeCrontab(ctx context.Context, conn transport.Conn, ct *cronTarget, st remotefile.State, content string) error {
	if ct.file != "" {
		var attrs remotefile.Attrs
		if !st.Exists {
			var err error
			if attrs, err = remotefile.AttrsFromArgs("0644", "", ""); err != nil {
				return err
			}
		}
		if _, err := remotefile.Write(ctx, conn, remotefile.WriteOpts{Dest: ct.file, Content: []byte(content), Current: st, Attrs: attrs}); err != nil {
			return fmt.Errorf("cron: write %s: %w", ct.file, err)
		}
		return nil
	}
	cmd := "crontab -"
	if ct.other {
		cmd = "crontab -u " + transport.Quote(ct.user) + " -"
	}
	out, err := hostcmd.Run(ctx, conn, "cron: install crontab", cmd, transport.RunOpts{Stdin: strings.NewReader(content)})
	if err != nil {
		return err
	}
	if out.RC != 0 {
		return fmt.Errorf("%s", strings.TrimSpace(out.Stderr))
	}
	return nil
}

// removeCronFile removes a cron file whose last job went.
func removeCronFile(ctx context.Context, t *module.Target, a module.Args, file string, st remotefile.State, diff module.FileDiff) (module.Result, error) {
	res := module.Result{Changed: st.Exists, Data: map[string]any{"cron_file": a.String("cron_file"), "state": a.String("state")}}
	if t.Diff {
		diff.After, diff.AfterHeader = "", "/dev/null"
		res.Diff = []module.FileDiff{diff}
	}
	if t.Check || !st.Exists {
		return res, nil
	}
	if _, err := hostcmd.Must(ctx, t.Conn, "cron: remove "+file, "rm -f -- "+transport.Quote(file)); err != nil {
		return module.Result{}, err
	}
	return res, nil
}
