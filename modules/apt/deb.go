package apt

import (
	"context"
	"fmt"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// debScript fetches a URL to a temporary file when needed and prints the
// file's path, its Package and Version fields, and the installed version.
func debScript(src, marker string) string {
	var b strings.Builder
	if strings.Contains(src, "://") {
		fmt.Fprintf(&b, `__dl=1; __f=$(mktemp --suffix=.deb) || exit 1
if command -v curl >/dev/null; then curl -fsSL -o "$__f" -- %[1]s; else wget -q -O "$__f" -- %[1]s; fi || { rm -f "$__f"; echo "download failed" >&2; exit 2; }
`, transport.Quote(src))
	} else {
		p := src
		if !strings.HasPrefix(p, "/") {
			p = "./" + p
		}
		fmt.Fprintf(&b, "__dl=; __f=%s\n[ -f \"$__f\" ] || { echo \"no such file\" >&2; exit 3; }\n", transport.Quote(p))
	}
	fmt.Fprintf(&b, `echo "$__f"
echo %[1]s
dpkg-deb -f "$__f" Package Version || { [ -z "$__dl" ] || rm -f "$__f"; exit 4; }
echo %[1]s
dpkg-query -W -f='${Status}\t${Version}\n' -- "$(dpkg-deb -f "$__f" Package)" 2>/dev/null || true
`, marker)
	return b.String()
}

// deb installs a package file (with its dependencies through apt-get).
func (j *job) deb(ctx context.Context, src string) (module.Result, error) {
	marker := hostcmd.Marker()
	out, err := hostcmd.Run(ctx, j.t.Conn, "apt: read deb", debScript(src, marker), transport.RunOpts{Env: env})
	if err != nil {
		return module.Result{}, err
	}
	if out.RC != 0 {
		return module.Result{Failed: true, Msg: fmt.Sprintf("Unable to install package: %s: %s", src, hostcmd.FirstLine(out.Stderr)), Data: j.data}, nil
	}
	secs := hostcmd.Sections(out.Stdout, marker)
	if len(secs) != 3 {
		return module.Result{}, fmt.Errorf("apt: unexpected output reading %s: %q", src, out.Stdout)
	}
	file := strings.TrimSpace(secs[0])
	fields := map[string]string{}
	for l := range strings.SplitSeq(secs[1], "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			fields[k] = strings.TrimSpace(v)
		}
	}
	name, version := fields["Package"], fields["Version"]
	cleanup := ""
	if file != src && strings.Contains(src, "://") {
		cleanup = "rm -f " + transport.Quote(file)
	}
	installed := ""
	if st, v, ok := strings.Cut(strings.TrimSpace(secs[2]), "\t"); ok && strings.HasSuffix(st, " installed") {
		installed = v
	}
	if installed != "" && compareVersions(installed, version) == 0 {
		j.drop(ctx, cleanup)
		return module.Result{Data: j.data}, nil
	}
	before := installed
	if before == "" {
		before = "absent"
	}
	changes := []change{{name: name, before: before, after: version}}
	var after []string
	if !j.t.Check {
		after = append(after, dpkgQuery(name))
	}
	cmd := aptGet(j.a, j.t.Check, "install", file)
	if cleanup != "" {
		cmd += "; __rc2=$?; " + cleanup + "; (exit $__rc2)"
	}
	return j.applyChanges(ctx, cmd, after, changes)
}

// drop removes a downloaded file, ignoring errors (it is in /tmp).
func (j *job) drop(ctx context.Context, cleanup string) {
	if cleanup != "" {
		_, _ = hostcmd.Run(ctx, j.t.Conn, "apt: remove download", cleanup, transport.RunOpts{})
	}
}
