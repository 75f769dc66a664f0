package user

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(User{}) }

// User is the user module.
type User struct{}

// Spec describes the user module.
func (User) Spec() module.Spec {
	return module.Spec{
		Name:  "user",
		Short: "Manage local user accounts",
		Doc: `Creates, changes or deletes a local account. The account is read with getent passwd/shadow/group in one script; useradd, usermod and userdel make the difference, and the password hash is set with chpasswd -e through stdin so that it never shows on a command line.

password is a crypt(3) hash (such as one made by the password_hash filter), never clear text. Ansible's options for SSH key generation, expiry, SELinux and BSD/macOS specifics are not implemented; a task using them fails validation.`,
		Params: []module.Param{
			{Name: "name", Type: module.Str, Required: true, Aliases: []string{"user"}, Doc: "The account name."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"absent", "present"}, Doc: "Whether the account exists."},
			{Name: "uid", Type: module.Int, Doc: "The numeric user id."},
			{Name: "non_unique", Type: module.Bool, Default: false, Doc: "Allow a uid another account already has (-o); needs uid."},
			{Name: "group", Type: module.Str, Doc: "The primary group (name or id); it must exist."},
			{Name: "groups", Type: module.List, Elements: module.Str, Doc: "Supplementary groups; they must exist. An empty list with append false removes the account from every supplementary group."},
			{Name: "append", Type: module.Bool, Default: false, Doc: "Add the account to groups, keeping its other supplementary groups; false makes groups the exact list."},
			{Name: "comment", Type: module.Str, Doc: "The GECOS field (full name)."},
			{Name: "home", Type: module.Path, Doc: "The home directory."},
			{Name: "create_home", Type: module.Bool, Default: true, Aliases: []string{"createhome"}, Doc: "Create the home directory when creating the account."},
			{Name: "move_home", Type: module.Bool, Default: false, Doc: "When home changes, move the old directory's content there."},
			{Name: "skeleton", Type: module.Str, Doc: "The skeleton directory copied into a new home (needs create_home)."},
			{Name: "shell", Type: module.Str, Doc: "The login shell."},
			{Name: "system", Type: module.Bool, Default: false, Doc: "Create a system account; ignored for existing accounts."},
			{Name: "password", Type: module.Str, Secret: true, Doc: "The password as a crypt(3) hash; \"*\" or \"!\" lock password logins."},
			{Name: "update_password", Type: module.Str, Default: "always", Choices: []any{"always", "on_create"}, Doc: "always sets the hash when it differs; on_create sets it only on a new account."},
			{Name: "remove", Type: module.Bool, Default: false, Doc: "With state absent, delete the home directory and mail spool too (userdel -r)."},
			{Name: "force", Type: module.Bool, Default: false, Doc: "With state absent, delete even when the user is logged in (userdel -f)."},
		},
		CheckMode: true,
		Examples: `- name: A service account for the application
  user:
    name: app
    uid: 1500
    group: app
    groups: [docker]
    append: true
    shell: /usr/sbin/nologin
    system: true
    create_home: false

- name: Remove a former employee and their home
  user:
    name: alice
    state: absent
    remove: true`,
		Returns: []module.ReturnValue{
			{Name: "name", Type: module.Str, Doc: "The account name."},
			{Name: "state", Type: module.Str, Doc: "present or absent."},
			{Name: "uid", Type: module.Int, Doc: "The user id."},
			{Name: "group", Type: module.Int, Doc: "The primary group's id."},
			{Name: "groups", Type: module.Str, Doc: "The supplementary groups asked for, comma-separated."},
			{Name: "comment", Type: module.Str, Doc: "The GECOS field."},
			{Name: "home", Type: module.Str, Doc: "The home directory."},
			{Name: "shell", Type: module.Str, Doc: "The login shell."},
			{Name: "system", Type: module.Bool, Doc: "Whether a system account was asked for."},
			{Name: "create_home", Type: module.Bool, Doc: "The create_home argument."},
			{Name: "append", Type: module.Bool, Doc: "The append argument."},
			{Name: "move_home", Type: module.Bool, Doc: "The move_home argument."},
			{Name: "password", Type: module.Str, Doc: "Always NOT_LOGGING_PASSWORD."},
			{Name: "remove", Type: module.Bool, Doc: "The remove argument (absent only)."},
			{Name: "force", Type: module.Bool, Doc: "The force argument (absent only)."},
		},
	}
}

// account is the gathered state of one user.
type account struct {
	exists  bool
	uid     string
	gid     string
	gecos   string
	home    string
	shell   string
	hash    string
	groups  []string          // supplementary group names
	groupOf map[string]string // requested group (name or id) -> gid, "" when missing
}

// gatherScript reads the account, its hash, its groups and the requested
// groups in one round trip.
func gatherScript(marker, name string, groups []string) string {
	q := transport.Quote(name)
	var b strings.Builder
	fmt.Fprintf(&b, "getent passwd -- %s\necho %s\n", q, marker)
	fmt.Fprintf(&b, "getent shadow -- %s | cut -d: -f2\necho %s\n", q, marker)
	fmt.Fprintf(&b, "getent group | awk -F: -v u=%s '{ n = split($4, m, \",\"); for (i = 1; i <= n; i++) if (m[i] == u) print $1 }'\n", q)
	for _, g := range groups {
		fmt.Fprintf(&b, "echo %s\nprintf '%%s\\n' \"$(getent group -- %s | cut -d: -f3)\"\n", marker, transport.Quote(g))
	}
	return b.String()
}

func gather(ctx context.Context, conn transport.Conn, name string, groups []string) (account, error) {
	marker := hostcmd.Marker()
	out, err := hostcmd.Run(ctx, conn, "user: read account", gatherScript(marker, name, groups), transport.RunOpts{})
	if err != nil {
		return account{}, err
	}
	secs := hostcmd.Sections(out.Stdout, marker)
	if len(secs) != 3+len(groups) {
		return account{}, fmt.Errorf("user: unexpected output reading %s: %q", name, out.Stdout)
	}
	var acc account
	if f := strings.Split(strings.TrimSpace(secs[0]), ":"); len(f) == 7 {
		acc = account{exists: true, uid: f[2], gid: f[3], gecos: f[4], home: f[5], shell: f[6]}
	}
	acc.hash = strings.TrimSpace(secs[1])
	for l := range strings.SplitSeq(secs[2], "\n") {
		if l = strings.TrimSpace(l); l != "" {
			acc.groups = append(acc.groups, l)
		}
	}
	acc.groupOf = map[string]string{}
	for i, g := range groups {
		acc.groupOf[g] = strings.TrimSpace(secs[3+i])
	}
	return acc, nil
}

// Run brings the account to the requested state.
func (User) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	name, state := a.String("name"), a.String("state")
	if err := validIdentity(a, "uid"); err != nil {
		return module.Failf("user: %v", err), nil
	}
	var groups []string
	for _, g := range a.Strings("groups") {
		if g = strings.TrimSpace(g); g != "" {
			groups = append(groups, g)
		}
	}
	lookup := slices.Clone(groups)
	if g := a.String("group"); g != "" {
		lookup = append(lookup, g)
	}
	for _, g := range lookup {
		if err := validName(g); err != nil {
			return module.Failf("user: group %v", err), nil
		}
	}
	acc, err := gather(ctx, t.Conn, name, lookup)
	if err != nil {
		return module.Result{}, err
	}
	data := map[string]any{"name": name, "state": state}
	if state == "absent" {
		data["remove"], data["force"] = a.Bool("remove"), a.Bool("force")
		if !acc.exists {
			return module.Result{Data: data}, nil
		}
		cmd := []string{"userdel"}
		if a.Bool("remove") {
			cmd = append(cmd, "-r")
		}
		if a.Bool("force") {
			cmd = append(cmd, "-f")
		}
		return apply(ctx, t, name, data, planned{cmd: append(cmd, "--", name), before: describe(acc), after: "absent\n"}, "")
	}
	for _, g := range lookup {
		if acc.groupOf[g] == "" {
			return module.Failf("Group %s does not exist", g), nil
		}
	}
	p := plan(a, acc, groups)
	data["password"] = "NOT_LOGGING_PASSWORD"
	for _, k := range []string{"system", "create_home", "append", "move_home"} {
		data[k] = a.Bool(k)
	}
	if a.Has("groups") {
		data["groups"] = strings.Join(groups, ",")
	}
	res, err := apply(ctx, t, name, data, p, a.String("password"))
	if err != nil || res.Failed {
		return res, err
	}
	if acc, err = gather(ctx, t.Conn, name, lookup); err != nil {
		return module.Result{}, err
	}
	if acc.exists {
		uid, _ := strconv.Atoi(acc.uid)
		gid, _ := strconv.Atoi(acc.gid)
		data["uid"], data["group"], data["comment"], data["home"], data["shell"] = uid, gid, acc.gecos, acc.home, acc.shell
	}
	if !t.Check && acc.exists {
		if again := plan(a, acc, groups); again.cmd != nil || again.setHash {
			res.Failed, res.Msg = true, "user: the account still differs after "+p.cmd[0]+": "+strings.TrimSpace(again.after)
		}
	} else if !t.Check {
		res.Failed, res.Msg = true, "user: useradd ran but getent does not find "+name
	}
	return res, nil
}

// planned is the command a task needs, with its diff.
type planned struct {
	cmd           []string
	setHash       bool
	before, after string
}

// describe renders an account for the diff (never its hash).
func describe(acc account) string {
	if !acc.exists {
		return "absent\n"
	}
	return fmt.Sprintf("uid: %s\ngroup: %s\ngroups: %s\ncomment: %s\nhome: %s\nshell: %s\n",
		acc.uid, acc.gid, strings.Join(acc.groups, ","), acc.gecos, acc.home, acc.shell)
}

// plan computes useradd or usermod arguments.
func plan(a module.Args, acc account, groups []string) planned {
	var opts []string
	after := acc
	if a.Has("uid") && strconv.Itoa(a.Int("uid")) != acc.uid {
		opts = append(opts, "-u", strconv.Itoa(a.Int("uid")))
		if a.Bool("non_unique") {
			opts = append(opts, "-o")
		}
		after.uid = strconv.Itoa(a.Int("uid"))
	}
	if g := a.String("group"); g != "" && acc.groupOf[g] != acc.gid {
		opts = append(opts, "-g", g)
		after.gid = acc.groupOf[g]
	}
	if a.Has("groups") {
		var want []string
		if a.Bool("append") {
			want = slices.Clone(acc.groups)
		}
		for _, g := range groups {
			name := g
			if acc.groupOf[g] == acc.gid && a.String("group") == "" && acc.exists {
				continue // already the primary group
			}
			if !slices.Contains(want, name) {
				want = append(want, name)
			}
		}
		if !sameSet(want, acc.groups) || !acc.exists && len(want) > 0 {
			opts = append(opts, "-G", strings.Join(want, ","))
			after.groups = want
		}
	}
	if a.Has("comment") && a.String("comment") != acc.gecos {
		opts = append(opts, "-c", a.String("comment"))
		after.gecos = a.String("comment")
	}
	if a.Has("home") && a.String("home") != acc.home {
		opts = append(opts, "-d", a.String("home"))
		if acc.exists && a.Bool("move_home") {
			opts = append(opts, "-m")
		}
		after.home = a.String("home")
	}
	if a.Has("shell") && a.String("shell") != acc.shell {
		opts = append(opts, "-s", a.String("shell"))
		after.shell = a.String("shell")
	}
	setHash := a.Has("password") && a.String("password") != acc.hash &&
		(!acc.exists || a.String("update_password") == "always")
	if !acc.exists {
		cmd := []string{"useradd"}
		if a.Bool("system") {
			cmd = append(cmd, "-r")
		}
		if a.Bool("create_home") {
			cmd = append(cmd, "-m")
			if a.Has("skeleton") {
				cmd = append(cmd, "-k", a.String("skeleton"))
			}
		} else {
			cmd = append(cmd, "-M")
		}
		after.exists = true
		return planned{cmd: append(append(cmd, opts...), "--", a.String("name")), setHash: setHash, before: "absent\n", after: describe(after) + "(new account)\n"}
	}
	p := planned{setHash: setHash, before: describe(acc), after: describe(after)}
	if setHash {
		p.before += "password: (hash)\n"
		p.after += "password: (new hash)\n"
	}
	if len(opts) > 0 {
		p.cmd = append(append([]string{"usermod"}, opts...), "--", a.String("name"))
	}
	return p
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// apply runs the planned command and the password change.
func apply(ctx context.Context, t *module.Target, name string, data map[string]any, p planned, hash string) (module.Result, error) {
	res := module.Result{Changed: p.cmd != nil || p.setHash, Data: data}
	if res.Changed && t.Diff {
		res.Diff = []module.FileDiff{{BeforeHeader: "user " + name, AfterHeader: "user " + name, Before: p.before, After: p.after}}
	}
	if !res.Changed || t.Check {
		return res, nil
	}
	if p.cmd != nil {
		out, err := hostcmd.Run(ctx, t.Conn, "user: "+p.cmd[0], transport.QuoteArgs(p.cmd), transport.RunOpts{})
		if err != nil {
			return module.Result{}, err
		}
		data["stdout"], data["stderr"] = out.Stdout, out.Stderr
		if out.RC != 0 {
			res.Failed, res.Msg = true, strings.TrimSpace(out.Stderr)
			data["rc"] = out.RC
			return res, nil
		}
	}
	if p.setHash {
		if err := setHash(ctx, t, name, hash); err != nil {
			return module.Result{}, err
		}
	}
	return res, nil
}
