package system

import (
	"context"
	"fmt"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Hostname{}) }

// Hostname is the hostname module.
type Hostname struct{}

// hostnameUses are Ansible's strategy names; hactl implements the Linux
// ones that Debian-family hosts need.
var hostnameUses = []any{"alpine", "debian", "freebsd", "generic", "macos", "macosx", "darwin", "openbsd", "openrc", "redhat", "sles", "solaris", "systemd"}

// Spec describes the hostname module.
func (Hostname) Spec() module.Spec {
	return module.Spec{
		Name:  "hostname",
		Short: "Set the system's hostname",
		Doc: `Sets both the running (transient) hostname and the permanent one.

With systemd running (or use: systemd or debian) both are read and set with hostnamectl; the permanent name is set with --pretty --static, before the transient one, as Ansible does. Without systemd, the permanent name is the first line of /etc/hostname and the running one is set with the hostname command. Names longer than 64 characters are refused on systemd hosts. The returned facts update ansible_hostname, ansible_nodename, ansible_fqdn and ansible_domain.

hactl implements use: systemd, debian and alpine; the other choices are accepted by validation (as in Ansible) but fail on the host.`,
		Params: []module.Param{
			{Name: "name", Type: module.Str, Required: true, Doc: "The hostname."},
			{Name: "use", Type: module.Str, Choices: hostnameUses, Doc: "Which strategy to use instead of detecting it."},
		},
		CheckMode: true,
		Examples: `- name: Name the first NFS node as the book does
  hostname:
    name: nfsha01

- name: Force the systemd strategy
  hostname:
    name: infra01.lab.example
    use: systemd`,
		Returns: []module.ReturnValue{
			{Name: "name", Type: module.Str, Doc: "The hostname set."},
			{Name: "ansible_facts", Type: module.Dict, Doc: "ansible_hostname, ansible_nodename, ansible_fqdn and ansible_domain after the change."},
		},
	}
}

// hostnameState is what the gather script saw.
type hostnameState struct {
	systemd            bool
	current, permanent string
	fqdn               string
	errMsg             string
}

func gatherHostname(ctx context.Context, conn transport.Conn, use string) (hostnameState, error) {
	m := hostcmd.Marker()
	script := fmt.Sprintf(`m=%s use=%s
sd=0
case "$use" in systemd|debian) sd=1;; "") [ -d /run/systemd/system ] && command -v hostnamectl >/dev/null && sd=1;; esac
echo $sd; echo "$m"
if [ $sd = 1 ]; then
  c=$(hostnamectl --transient status 2>&1) || { echo "transient: $c"; exit 3; }
  p=$(hostnamectl --static status 2>&1) || { echo "static: $p"; exit 3; }
  echo "$c"; echo "$m"; echo "$p"
else
  hostname; echo "$m"; [ -f /etc/hostname ] && head -n 1 /etc/hostname
fi
echo "$m"; hostname -f 2>/dev/null || hostname
`, m, transport.Quote(use))
	out, err := hostcmd.Run(ctx, conn, "hostname: gather", script, transport.RunOpts{Env: map[string]string{"LC_ALL": "C"}})
	if err != nil {
		return hostnameState{}, err
	}
	secs := hostcmd.Sections(out.Stdout, m)
	if out.RC == 3 && len(secs) >= 2 {
		return hostnameState{errMsg: "Command failed: " + strings.TrimSpace(secs[1])}, nil
	}
	if out.RC != 0 || len(secs) != 4 {
		return hostnameState{}, fmt.Errorf("hostname: gather: exit status %d: %s", out.RC, hostcmd.FirstLine(out.Stderr, out.Stdout))
	}
	return hostnameState{
		systemd:   strings.TrimSpace(secs[0]) == "1",
		current:   strings.TrimSpace(secs[1]),
		permanent: strings.TrimSpace(secs[2]),
		fqdn:      strings.TrimSpace(secs[3]),
	}, nil
}

// Run sets the hostname.
func (Hostname) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	name, use := a.String("name"), a.String("use")
	switch use {
	case "", "systemd", "debian", "alpine":
	default:
		return module.Failf("hostname: use=%s is not implemented by hactl (systemd, debian and alpine are)", use), nil
	}
	if strings.ContainsAny(name, "\n\r") {
		return module.Failf("hostname: the name holds a newline"), nil
	}
	st, err := gatherHostname(ctx, t.Conn, use)
	if err != nil {
		return module.Result{}, err
	}
	if st.errMsg != "" {
		return module.Failf("%s", st.errMsg), nil
	}
	setPerm, setCur := st.permanent != name, st.current != name
	if st.systemd && (setPerm || setCur) && len(name) > 64 {
		return module.Failf("name cannot be longer than 64 characters on systemd servers, try a shorter name"), nil
	}
	changed := setPerm || setCur
	before := st.permanent
	if st.current != name {
		before = st.current
	}
	res := module.Result{Changed: changed, Data: map[string]any{"name": name}}
	if changed && t.Diff {
		res.Diff = []module.FileDiff{{Before: "hostname = " + before + "\n", After: "hostname = " + name + "\n"}}
	}
	fqdn := st.fqdn
	if changed && !t.Check {
		if fqdn, err = setHostname(ctx, t, st.systemd, use == "alpine", name, setPerm, setCur); err != nil {
			return module.Result{}, err
		}
	}
	res.Data["ansible_facts"] = hostnameFacts(name, fqdn)
	return res, nil
}

// setHostname applies the change and returns the new fully qualified name.
func setHostname(ctx context.Context, t *module.Target, systemd, alpine bool, name string, perm, cur bool) (string, error) {
	q := transport.Quote(name)
	var b strings.Builder
	b.WriteString("set -e\n")
	if systemd {
		if perm {
			b.WriteString("hostnamectl --pretty --static set-hostname -- " + q + "\n")
		}
		if cur {
			b.WriteString("hostnamectl --transient set-hostname -- " + q + "\n")
		}
	} else {
		if perm {
			st, err := remotefile.Gather(ctx, t.Conn, "/etc/hostname", remotefile.GatherOpts{Follow: true})
			if err != nil {
				return "", fmt.Errorf("hostname: %w", err)
			}
			if _, err := remotefile.Write(ctx, t.Conn, remotefile.WriteOpts{Dest: "/etc/hostname", Content: []byte(name + "\n"), Current: st}); err != nil {
				return "", fmt.Errorf("hostname: write /etc/hostname: %w", err)
			}
		}
		switch {
		case alpine:
			b.WriteString("hostname -F /etc/hostname\n")
		case cur:
			b.WriteString("hostname -- " + q + "\n")
		}
	}
	b.WriteString("hostname -f 2>/dev/null || hostname\n")
	out, err := hostcmd.Must(ctx, t.Conn, "hostname: set", b.String())
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(out), nil
}

func hostnameFacts(name, fqdn string) map[string]any {
	short, _, _ := strings.Cut(name, ".")
	_, domain, _ := strings.Cut(fqdn, ".")
	return map[string]any{"ansible_hostname": short, "ansible_nodename": name, "ansible_fqdn": fqdn, "ansible_domain": domain}
}
