package system

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(AuthorizedKey{}) }

// AuthorizedKey is the authorized_key module (ansible.posix.authorized_key).
type AuthorizedKey struct{}

// Spec describes the authorized_key module.
func (AuthorizedKey) Spec() module.Spec {
	return module.Spec{
		Name:  "authorized_key",
		Short: "Add or remove SSH public keys in a user's authorized_keys",
		Doc: `Keeps SSH public keys in a user's authorized_keys file (~USER/.ssh/authorized_keys unless path is given).

key holds one key per line (lines starting with # are ignored) or an http(s) URL the host fetches with curl, such as https://github.com/NAME.keys. A key is identified by its base64 part: when the same key is present with other options or another comment it is rewritten and moved to the end. The file is rewritten in Ansible's format (options, type, key, comment, separated by single spaces), so files managed by both tools converge to the same bytes.

On a change the file is made 0600 and owned by the user; with manage_dir the directory holding it is created if needed and made 0700, owned by the user.`,
		Params: []module.Param{
			{Name: "user", Type: module.Str, Required: true, Doc: "The account whose authorized_keys file is managed; it must exist (except in check mode with path)."},
			{Name: "key", Type: module.Str, Required: true, Doc: "One or more public keys, one per line, or a URL to fetch them from."},
			{Name: "path", Type: module.Path, Doc: "Another authorized_keys file (default ~USER/.ssh/authorized_keys)."},
			{Name: "manage_dir", Type: module.Bool, Default: true, Doc: "Create the file's directory and give it mode 0700 and the user's ownership when writing."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"absent", "present"}, Doc: "Whether the keys are in the file."},
			{Name: "key_options", Type: module.Str, Doc: "Options put before the key, e.g. no-port-forwarding,from=\"10.0.0.0/8\"."},
			{Name: "exclusive", Type: module.Bool, Default: false, Doc: "With state present, remove every other line of the file."},
			{Name: "comment", Type: module.Str, Doc: "Replace the keys' comments."},
			{Name: "validate_certs", Type: module.Bool, Default: true, Doc: "Verify TLS certificates when key is an https URL."},
			{Name: "follow", Type: module.Bool, Default: false, Doc: "Write through a symbolic link instead of replacing it."},
		},
		CheckMode: true,
		Examples: `- name: Let the deploy key log in as root on every cluster node
  authorized_key:
    user: root
    key: "{{ lookup('file', 'files/deploy.pub') }}"

- name: Only the operators' keys, restricted to the admin network
  authorized_key:
    user: hauser
    key: |
      ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBase64OfKeyOne alice
      ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBase64OfKeyTwo bob
    key_options: 'from="10.77.0.0/24"'
    exclusive: true`,
		Returns: []module.ReturnValue{
			{Name: "keyfile", Type: module.Str, Doc: "The authorized_keys file."},
			{Name: "user", Type: module.Str, Doc: "The user."},
			{Name: "key", Type: module.Str, Doc: "The key argument."},
			{Name: "key_options", Type: module.Str, Doc: "The key_options argument."},
			{Name: "exclusive", Type: module.Bool, Doc: "The exclusive argument."},
			{Name: "manage_dir", Type: module.Bool, Doc: "The manage_dir argument."},
			{Name: "path", Type: module.Str, Doc: "The path argument."},
			{Name: "state", Type: module.Str, Doc: "The state argument."},
			{Name: "comment", Type: module.Str, Doc: "The comment argument."},
			{Name: "follow", Type: module.Bool, Doc: "The follow argument."},
			{Name: "validate_certs", Type: module.Bool, Doc: "The validate_certs argument."},
		},
	}
}

// optString returns a pointer to an optional string argument.
func optString(a module.Args, name string) *string {
	if !a.Has(name) {
		return nil
	}
	s := a.String(name)
	return &s
}

// passwdEntry is the part of a passwd line the modules need.
type passwdEntry struct {
	found    bool
	uid, gid int
	home     string
}

// lookupUser reads the user's passwd entry and, when p is not empty,
// resolves p (realpath -m) if follow is set.
func lookupUser(ctx context.Context, conn transport.Conn, user, p string, follow bool) (passwdEntry, string, error) {
	script := "getent passwd -- " + transport.Quote(user) + " || true\necho @@\n"
	if p != "" && follow {
		script += "realpath -m -- " + transport.Quote(p) + "\n"
	}
	out, err := hostcmd.Must(ctx, conn, "authorized_key: look up user", script)
	if err != nil {
		return passwdEntry{}, "", err
	}
	pw, rest, _ := strings.Cut(out, "@@\n")
	var e passwdEntry
	for l := range strings.SplitSeq(pw, "\n") {
		f := strings.Split(l, ":")
		if len(f) >= 7 && f[0] == user {
			e.found = true
			e.uid, _ = strconv.Atoi(f[2])
			e.gid, _ = strconv.Atoi(f[3])
			e.home = f[5]
			break
		}
	}
	return e, strings.TrimSuffix(rest, "\n"), nil
}

// Run adds or removes the keys.
func (AuthorizedKey) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	user, keyText, p := a.String("user"), a.String("key"), a.String("path")
	data := map[string]any{}
	for _, n := range []string{"user", "key", "path", "manage_dir", "state", "key_options", "exclusive", "comment", "validate_certs", "follow"} {
		data[n] = a[n]
	}
	fail := func(format string, v ...any) (module.Result, error) {
		r := module.Failf(format, v...)
		r.Data = data
		return r, nil
	}
	if strings.HasPrefix(keyText, "http") {
		fetched, msg, err := fetchKeys(ctx, t.Conn, keyText, a.Bool("validate_certs"))
		if err != nil || msg != "" {
			r, _ := fail("Error getting key from: %s", keyText)
			if msg != "" {
				r.Msg += ": " + msg
			}
			return r, err
		}
		keyText = fetched
	}
	pw, resolved, err := lookupUser(ctx, t.Conn, user, p, a.Bool("follow"))
	if err != nil {
		return module.Result{}, err
	}
	switch {
	case !pw.found && t.Check && p == "":
		return fail("Either user must exist or you must provide full path to key file in check mode")
	case !pw.found && !t.Check:
		return fail("Failed to lookup user %s: getpwnam(): name not found: '%s'", user, user)
	}
	keyfile := p
	if p == "" {
		keyfile = path.Join(pw.home, ".ssh", "authorized_keys")
	}
	data["keyfile"] = keyfile
	target := keyfile
	if a.Bool("follow") && resolved != "" {
		target = resolved
	}
	st, err := remotefile.Gather(ctx, t.Conn, target, remotefile.GatherOpts{Follow: true, MaxContent: 16 << 20})
	if err != nil {
		return module.Result{}, fmt.Errorf("authorized_key: read %s: %w", target, err)
	}
	if st.Exists && (st.Type != remotefile.TypeFile || !st.HasContent) {
		return fail("authorized_key: cannot read %s as a file", target)
	}
	plan := planKeys(string(st.Content), keyText, a.String("state") == "present", a.Bool("exclusive"), optString(a, "key_options"), optString(a, "comment"))
	if plan.invalid != "" {
		return fail("invalid key specified: %s", plan.invalid)
	}
	res := module.Result{Changed: plan.write, Data: data}
	if !plan.write {
		return res, nil
	}
	if t.Diff {
		res.Diff = []module.FileDiff{remotefile.ContentDiff(keyfile, target, st.Content, []byte(plan.content))}
	}
	if t.Check {
		return res, nil
	}
	if msg, err := prepareKeyDir(ctx, t.Conn, target, pw, a.Bool("manage_dir")); err != nil || msg != "" {
		r, _ := fail("%s", msg)
		return r, err
	}
	// With follow unset, a symbolic link is replaced by the new file, as
	// Ansible's atomic move does.
	if !a.Bool("follow") {
		st.Resolved = target
	}
	attrs, err := remotefile.AttrsFromArgs("0600", strconv.Itoa(pw.uid), strconv.Itoa(pw.gid))
	if err != nil {
		return module.Result{}, err
	}
	if _, err := remotefile.Write(ctx, t.Conn, remotefile.WriteOpts{Dest: target, Content: []byte(plan.content), Current: st, Attrs: attrs}); err != nil {
		return module.Result{}, fmt.Errorf("authorized_key: write %s: %w", target, err)
	}
	return res, nil
}

// prepareKeyDir creates the key file's directory like Ansible: with
// manage_dir the directory (~/.ssh by default) is made (one level) and
// given 0700 and the user's ownership; otherwise missing parents are made.
func prepareKeyDir(ctx context.Context, conn transport.Conn, keyfile string, pw passwdEntry, manage bool) (string, error) {
	dir := transport.Quote(path.Dir(keyfile))
	var script string
	if manage {
		script = fmt.Sprintf("d=%s\n[ -e \"$d\" ] || mkdir -m 0700 -- \"$d\" || exit 1\nchown %d:%d -- \"$d\" && chmod 0700 -- \"$d\"\n", dir, pw.uid, pw.gid)
	} else {
		script = "mkdir -p -- " + dir + "\n"
	}
	out, err := hostcmd.Run(ctx, conn, "authorized_key: prepare "+path.Dir(keyfile), script, transport.RunOpts{})
	if err != nil {
		return "", err
	}
	if out.RC != 0 {
		return fmt.Sprintf("Failed to create directory %s : %s", path.Dir(keyfile), hostcmd.FirstLine(out.Stderr, out.Stdout)), nil
	}
	return "", nil
}

// fetchKeys downloads keys on the host; msg reports an HTTP failure.
func fetchKeys(ctx context.Context, conn transport.Conn, url string, verify bool) (string, string, error) {
	w := []string{"curl", "-fsSL", "--max-time", "30"}
	if !verify {
		w = append(w, "-k")
	}
	w = append(w, "--", url)
	out, err := hostcmd.Run(ctx, conn, "authorized_key: fetch keys", transport.QuoteArgs(w), transport.RunOpts{})
	if err != nil {
		return "", "", err
	}
	if out.RC != 0 {
		return "", hostcmd.FirstLine(out.Stderr, fmt.Sprintf("curl exited with %d", out.RC)), nil
	}
	return out.Stdout, "", nil
}
