package apt

import (
	"context"
	"fmt"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(DpkgSelections{}) }

// DpkgSelections is the dpkg_selections module: hold packages, or set
// their dpkg selection state.
type DpkgSelections struct{}

// Spec describes the dpkg_selections module.
func (DpkgSelections) Spec() module.Spec {
	return module.Spec{
		Name:  "dpkg_selections",
		Short: "Set a package's dpkg selection (hold, install, deinstall, purge)",
		Doc:   `Reads the package's selection with ` + "`dpkg --get-selections`" + ` and changes it with ` + "`dpkg --set-selections`" + ` when it differs. The selection only records an intention: hold keeps apt from upgrading the package; deinstall and purge take effect at the next dpkg run. A package dpkg has never heard of reports "not present" as its current selection.`,
		Params: []module.Param{
			{Name: "name", Type: module.Str, Required: true, Doc: "The package."},
			{Name: "selection", Type: module.Str, Required: true, Choices: []any{"install", "hold", "deinstall", "purge"}, Doc: "The selection to set."},
		},
		CheckMode: true,
		Examples: `- name: Keep apt from upgrading MariaDB behind Galera's back
  dpkg_selections:
    name: mariadb-server
    selection: hold`,
		Returns: []module.ReturnValue{
			{Name: "before", Type: module.Str, Doc: "The selection before the task."},
			{Name: "after", Type: module.Str, Doc: "The selection after the task."},
		},
	}
}

// Run sets the selection.
func (DpkgSelections) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	name, sel := a.String("name"), a.String("selection")
	if name == "" || strings.ContainsAny(name, " \t\n*?[") || strings.HasPrefix(name, "-") {
		return module.Failf("dpkg_selections: %q is not a package name", name), nil
	}
	cur, err := readSelection(ctx, t.Conn, name)
	if err != nil {
		return module.Result{}, err
	}
	res := module.Result{Changed: cur != sel, Data: map[string]any{"before": cur, "after": sel}}
	if res.Changed && t.Diff {
		res.Diff = []module.FileDiff{{BeforeHeader: name, AfterHeader: name, Before: cur + "\n", After: sel + "\n"}}
	}
	if !res.Changed || t.Check {
		return res, nil
	}
	out, err := hostcmd.Run(ctx, t.Conn, "dpkg_selections: set", "dpkg --set-selections", transport.RunOpts{Stdin: strings.NewReader(name + " " + sel + "\n")})
	if err != nil {
		return module.Result{}, err
	}
	if out.RC != 0 {
		return module.Result{Failed: true, Msg: "dpkg --set-selections failed: " + hostcmd.FirstLine(out.Stderr, out.Stdout), Data: res.Data}, nil
	}
	now, err := readSelection(ctx, t.Conn, name)
	if err != nil {
		return module.Result{}, err
	}
	if now != sel {
		res.Failed, res.Msg = true, fmt.Sprintf("dpkg_selections: %s is %s after dpkg --set-selections, want %s", name, now, sel)
	}
	return res, nil
}

// readSelection returns the package's selection, "not present" when dpkg
// does not know it.
func readSelection(ctx context.Context, conn transport.Conn, name string) (string, error) {
	out, err := hostcmd.Must(ctx, conn, "dpkg_selections: read", "dpkg --get-selections -- "+transport.Quote(name))
	if err != nil {
		return "", err
	}
	for l := range strings.SplitSeq(out, "\n") {
		f := strings.Fields(l)
		if len(f) == 2 && (f[0] == name || strings.TrimSuffix(f[0], ":"+archOf(f[0])) == name) {
			return f[1], nil
		}
	}
	return "not present", nil
}

// archOf returns the :arch suffix of a multiarch name ("" when none).
func archOf(n string) string {
	_, a, _ := strings.Cut(n, ":")
	return a
}
