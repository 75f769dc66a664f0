package nfs

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
)

// exportsContent renders the managed exports file.
func exportsContent(r request) []byte {
	var b strings.Builder
	b.WriteString("# Managed by hactl (nfs_export " + r.Name + "); local edits are overwritten.\n")
	b.WriteString(r.Path)
	for _, c := range r.Clients {
		b.WriteString(" " + c.Host)
		if opts := c.withFsid(r.Fsid); len(opts) > 0 {
			b.WriteString("(" + strings.Join(opts, ",") + ")")
		}
	}
	b.WriteString("\n")
	return []byte(b.String())
}

// runExports manages /etc/exports.d/NAME.exports and reloads the export
// table with exportfs -ra.
func runExports(ctx context.Context, t *module.Target, a module.Args, r request) (module.Result, error) {
	file := path.Join(a.String("exports_dir"), r.Name+".exports")
	sts, err := gatherFiles(ctx, t.Conn, file, r.Path)
	if err != nil {
		return module.Result{}, err
	}
	fc := fileChange{Path: file, Current: sts[0]}
	if r.State == "present" {
		fc.Want = exportsContent(r)
	}
	res := module.Result{Data: map[string]any{"file": file}}
	if r.State == "present" {
		made, err := ensureDir(ctx, t.Conn, r.Path, sts[1], r.CreateDir, t.Check)
		if err != nil {
			return module.Failf("nfs_export: %v", err), nil
		}
		res.Changed = made
	}
	if fc.Needed() {
		res.Changed = true
		if t.Diff {
			res.Diff = append(res.Diff, fc.Diff())
		}
		if !t.Check {
			if err := fc.Apply(ctx, t.Conn); err != nil {
				return module.Result{}, err
			}
			if _, err := hostcmd.Must(ctx, t.Conn, "exportfs -ra", "exportfs -ra"); err != nil {
				return module.Result{}, err
			}
		}
	}
	if t.Check {
		return res, nil
	}
	live, err := hostcmd.Must(ctx, t.Conn, "exportfs -v", "exportfs -v")
	if err != nil {
		return module.Result{}, err
	}
	table := parseExportfs(live)
	if err := checkTable(table, r); err != nil {
		res.Failed = true
		res.Msg = "nfs_export: exportfs -v: " + err.Error()
		return res, nil
	}
	res.Msg = "export " + r.Path + " " + r.State
	return res, nil
}

// parseExportfs reads exportfs -v: for each path, client → options.
// Long paths put their clients on the next line, indented.
func parseExportfs(out string) map[string]map[string][]string {
	table := map[string]map[string][]string{}
	cur := ""
	for _, line := range strings.Split(out, "\n") {
		for _, f := range strings.Fields(line) {
			if strings.HasPrefix(f, "/") {
				cur = f
				if table[cur] == nil {
					table[cur] = map[string][]string{}
				}
				continue
			}
			if cur == "" {
				continue
			}
			host, opts, _ := strings.Cut(f, "(")
			table[cur][host] = splitOpts(strings.TrimSuffix(opts, ")"))
		}
	}
	return table
}

// checkTable checks that the live table matches the request: the path is
// exported to every client with (at least) the desired options, or not
// exported at all for absent. exportfs -v adds defaults, so desired ⊆ live.
func checkTable(table map[string]map[string][]string, r request) error {
	clients, ok := table[r.Path]
	if r.State == "absent" {
		if ok {
			return fmt.Errorf("%s is still exported", r.Path)
		}
		return nil
	}
	if !ok {
		return fmt.Errorf("%s is not exported", r.Path)
	}
	for _, c := range r.Clients {
		live, ok := clients[c.Host]
		if !ok {
			return fmt.Errorf("%s is not exported to %s", r.Path, c.Host)
		}
		for _, o := range c.withFsid(r.Fsid) {
			if !slices.Contains(live, o) {
				return fmt.Errorf("%s to %s lacks option %s (live: %s)", r.Path, c.Host, o, strings.Join(live, ","))
			}
		}
	}
	return nil
}
