// Package user implements the account modules: user and group. Both read
// the account databases with getent (colon-separated records) and change
// them with the shadow tools (useradd, usermod, userdel, groupadd,
// groupmod, groupdel); password hashes reach the host on stdin only.
package user

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Group{}) }

// Group is the group module.
type Group struct{}

// Spec describes the group module.
func (Group) Spec() module.Spec {
	return module.Spec{
		Name:  "group",
		Short: "Manage local groups",
		Doc:   `Creates, changes the id of, or deletes a group. The current state is read with getent group; groupadd, groupmod -g and groupdel make the difference.`,
		Params: []module.Param{
			{Name: "name", Type: module.Str, Required: true, Doc: "The group's name."},
			{Name: "gid", Type: module.Int, Doc: "The numeric group id."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"absent", "present"}, Doc: "Whether the group exists."},
			{Name: "system", Type: module.Bool, Default: false, Doc: "Create a system group (id from the system range); ignored for existing groups."},
			{Name: "non_unique", Type: module.Bool, Default: false, Doc: "Allow a gid another group already has (-o); needs gid."},
			{Name: "force", Type: module.Bool, Default: false, Doc: "Delete the group even when it is some user's primary group (groupdel -f)."},
		},
		CheckMode: true,
		Examples: `- name: The group HAProxy's admin socket belongs to
  group:
    name: haproxy-admin
    gid: 1500
    state: present`,
		Returns: []module.ReturnValue{
			{Name: "name", Type: module.Str, Doc: "The group's name."},
			{Name: "state", Type: module.Str, Doc: "present or absent."},
			{Name: "gid", Type: module.Int, Doc: "The group's id (present only)."},
			{Name: "system", Type: module.Bool, Doc: "Whether a system group was asked for (present only)."},
		},
	}
}

// validIdentity checks the name argument and that non_unique comes with
// the id argument (uid or gid) it allows to be shared.
func validIdentity(a module.Args, idArg string) error {
	if err := validName(a.String("name")); err != nil {
		return err
	}
	if a.Bool("non_unique") && !a.Has(idArg) {
		return fmt.Errorf("non_unique needs %s", idArg)
	}
	return nil
}

// validName rejects names the shadow tools would take as options or that
// cannot be a group or user name.
func validName(n string) error {
	if n == "" || strings.HasPrefix(n, "-") || strings.ContainsAny(n, ":,\n\t /") {
		return fmt.Errorf("%q is not a valid name", n)
	}
	return nil
}

// getent reads one record of a database ("group", "passwd"); nil when
// absent.
func getent(ctx context.Context, conn transport.Conn, db, name string) ([]string, error) {
	out, err := hostcmd.Run(ctx, conn, "read "+db, "getent "+db+" -- "+transport.Quote(name), transport.RunOpts{})
	if err != nil {
		return nil, err
	}
	switch out.RC {
	case 0:
		return strings.Split(strings.TrimRight(out.Stdout, "\n"), ":"), nil
	case 2:
		return nil, nil
	}
	return nil, fmt.Errorf("getent %s %s: exit status %d: %s", db, name, out.RC, hostcmd.FirstLine(out.Stderr))
}

// Run brings the group to the requested state.
func (Group) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	name, state := a.String("name"), a.String("state")
	if err := validIdentity(a, "gid"); err != nil {
		return module.Failf("group: %v", err), nil
	}
	rec, err := getent(ctx, t.Conn, "group", name)
	if err != nil {
		return module.Result{}, fmt.Errorf("group: %w", err)
	}
	data := map[string]any{"name": name, "state": state}
	var cmd []string
	before, after := "absent", "absent"
	if rec != nil {
		before = "gid: " + rec[2]
	}
	switch {
	case state == "absent" && rec != nil:
		cmd = []string{"groupdel"}
		if a.Bool("force") {
			cmd = append(cmd, "-f")
		}
		cmd = append(cmd, "--", name)
	case state == "present" && rec == nil:
		cmd = []string{"groupadd"}
		if a.Has("gid") {
			cmd = append(cmd, "-g", strconv.Itoa(a.Int("gid")))
		}
		if a.Bool("non_unique") {
			cmd = append(cmd, "-o")
		}
		if a.Bool("system") {
			cmd = append(cmd, "-r")
		}
		cmd = append(cmd, "--", name)
		after = "gid: (new)"
		if a.Has("gid") {
			after = "gid: " + strconv.Itoa(a.Int("gid"))
		}
	case state == "present" && a.Has("gid") && rec[2] != strconv.Itoa(a.Int("gid")):
		cmd = []string{"groupmod", "-g", strconv.Itoa(a.Int("gid"))}
		if a.Bool("non_unique") {
			cmd = append(cmd, "-o")
		}
		cmd = append(cmd, "--", name)
		after = "gid: " + strconv.Itoa(a.Int("gid"))
	default:
		after = before
	}
	res := module.Result{Changed: cmd != nil, Data: data}
	if res.Changed && t.Diff {
		res.Diff = []module.FileDiff{{BeforeHeader: "group " + name, AfterHeader: "group " + name, Before: before + "\n", After: after + "\n"}}
	}
	if cmd != nil && !t.Check {
		out, err := hostcmd.Run(ctx, t.Conn, "group: "+cmd[0], transport.QuoteArgs(cmd), transport.RunOpts{})
		if err != nil {
			return module.Result{}, err
		}
		if out.RC != 0 {
			res.Failed, res.Msg = true, strings.TrimSpace(out.Stderr)
			return res, nil
		}
		if rec, err = getent(ctx, t.Conn, "group", name); err != nil {
			return module.Result{}, fmt.Errorf("group: verify: %w", err)
		}
		if (rec == nil) != (state == "absent") {
			res.Failed, res.Msg = true, fmt.Sprintf("group: %s ran but the group is still %s", cmd[0], before)
			return res, nil
		}
	}
	if state == "present" {
		data["system"] = a.Bool("system")
		if rec != nil {
			gid, _ := strconv.Atoi(rec[2])
			data["gid"] = gid
		} else if a.Has("gid") {
			data["gid"] = a.Int("gid")
		}
	}
	return res, nil
}
