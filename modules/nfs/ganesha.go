package nfs

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// ganeshaOpts are the ganesha-only arguments.
type ganeshaOpts struct {
	ID                     int
	Pseudo, Access, Squash string
	Protocols, SecTypes    []string
	Conf, Dir              string
}

// exportBlock renders the managed EXPORT block.
func exportBlock(r request, g ganeshaOpts) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Managed by hactl (nfs_export %s); local edits are overwritten.\n", r.Name)
	b.WriteString("EXPORT {\n")
	fmt.Fprintf(&b, "\tExport_Id = %d;\n", g.ID)
	fmt.Fprintf(&b, "\tPath = %q;\n", r.Path)
	fmt.Fprintf(&b, "\tPseudo = %q;\n", g.Pseudo)
	fmt.Fprintf(&b, "\tAccess_Type = %s;\n", "None")
	fmt.Fprintf(&b, "\tSquash = %s;\n", g.Squash)
	fmt.Fprintf(&b, "\tProtocols = %s;\n", strings.Join(g.Protocols, ", "))
	fmt.Fprintf(&b, "\tSecType = %s;\n", strings.Join(g.SecTypes, ", "))
	b.WriteString("\tFSAL {\n\t\tName = VFS;\n\t}\n")
	for _, c := range r.Clients {
		access := g.Access
		switch {
		case c.has("rw"):
			access = "RW"
		case c.has("ro"):
			access = "RO"
		}
		b.WriteString("\tCLIENT {\n")
		fmt.Fprintf(&b, "\t\tClients = %s;\n", c.Host)
		fmt.Fprintf(&b, "\t\tAccess_Type = %s;\n", access)
		switch {
		case c.has("no_root_squash"):
			b.WriteString("\t\tSquash = No_Root_Squash;\n")
		case c.has("all_squash"):
			b.WriteString("\t\tSquash = All_Squash;\n")
		case c.has("root_squash"):
			b.WriteString("\t\tSquash = Root_Squash;\n")
		}
		b.WriteString("\t}\n")
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

// includeLine is the line ganesha.conf needs for the managed file.
func includeLine(file string) string { return "%include \"" + file + "\"" }

// withInclude returns conf with (present) or without the include line.
func withInclude(conf []byte, file string, present bool) []byte {
	line := includeLine(file)
	var out []string
	found := false
	text := strings.TrimSuffix(string(conf), "\n")
	if text != "" {
		for _, l := range strings.Split(text, "\n") {
			if strings.TrimSpace(l) == line {
				if !present || found {
					continue
				}
				found = true
			}
			out = append(out, l)
		}
	}
	if present && !found {
		out = append(out, line)
	}
	if len(out) == 0 {
		return []byte{}
	}
	return []byte(strings.Join(out, "\n") + "\n")
}

const dbusExportMgr = "dbus-send --system --print-reply --dest=org.ganesha.nfsd /org/ganesha/nfsd/ExportMgr org.ganesha.nfsd.exportmgr."

var showExportRE = regexp.MustCompile(`uint16 (\d+)\s*\n\s*string "([^"]*)"`)

// liveExports asks a running ganesha for its exports: id → path.
func liveExports(ctx context.Context, c transport.Conn) (map[int]string, error) {
	out, err := hostcmd.Must(ctx, c, "ganesha ShowExports", dbusExportMgr+"ShowExports")
	if err != nil {
		return nil, err
	}
	return parseShowExports(out), nil
}

// parseShowExports reads dbus-send's print of ShowExports.
func parseShowExports(out string) map[int]string {
	m := map[int]string{}
	for _, s := range showExportRE.FindAllStringSubmatch(out, -1) {
		if id, err := strconv.Atoi(s[1]); err == nil {
			m[id] = s[2]
		}
	}
	return m
}

// runGanesha manages one ganesha export.
func runGanesha(ctx context.Context, t *module.Target, a module.Args, r request) (module.Result, error) {
	g := ganeshaOpts{
		ID: a.Int("export_id"), Pseudo: a.String("pseudo"), Access: a.String("access_type"), Squash: a.String("squash"),
		Protocols: a.Strings("protocols"), SecTypes: a.Strings("sectype"), Conf: a.String("ganesha_conf"), Dir: a.String("ganesha_dir"),
	}
	if g.ID < 1 || g.ID > 65535 {
		return module.Failf("nfs_export: export_id must be 1–65535, got %d", g.ID), nil
	}
	if g.Pseudo == "" {
		g.Pseudo = r.Path
	}
	if !strings.HasPrefix(g.Pseudo, "/") || strings.ContainsAny(g.Pseudo, "\"\n") {
		return module.Failf("nfs_export: pseudo %q must be an absolute path", g.Pseudo), nil
	}
	if !regexp.MustCompile(`^[A-Za-z_]+$`).MatchString(g.Squash) {
		return module.Failf("nfs_export: invalid squash %q", g.Squash), nil
	}
	file := path.Join(g.Dir, r.Name+".conf")
	sts, err := gatherFiles(ctx, t.Conn, file, g.Conf, r.Path)
	if err != nil {
		return module.Result{}, err
	}
	present := r.State == "present"
	block := fileChange{Path: file, Current: sts[0]}
	if present {
		block.Want = exportBlock(r, g)
	}
	conf := fileChange{Path: g.Conf, Current: sts[1], Want: withInclude(sts[1].Content, file, present)}
	if sts[1].Exists && !sts[1].HasContent {
		return module.Failf("nfs_export: %s could not be read", g.Conf), nil
	}
	st, err := hostcmd.Run(ctx, t.Conn, "systemctl is-active", "systemctl is-active nfs-ganesha", transport.RunOpts{})
	if err != nil {
		return module.Result{}, err
	}
	running := strings.TrimSpace(st.Stdout) == "active"
	live := map[int]string{}
	if running {
		if live, err = liveExports(ctx, t.Conn); err != nil {
			return module.Result{}, err
		}
	}
	livePath, isLive := live[g.ID]
	if isLive && present && livePath != r.Path {
		return module.Failf("nfs_export: Export_Id %d is already used by %s", g.ID, livePath), nil
	}
	res := module.Result{Data: map[string]any{"file": file, "export_id": g.ID}}
	var actions []string
	if present {
		made, err := ensureDir(ctx, t.Conn, r.Path, sts[2], r.CreateDir, t.Check)
		if err != nil {
			return module.Failf("nfs_export: %v", err), nil
		}
		if made {
			actions = append(actions, "create "+r.Path)
		}
	}
	for _, f := range []fileChange{block, conf} {
		if f.Needed() {
			actions = append(actions, "write "+f.Path)
			if t.Diff {
				res.Diff = append(res.Diff, f.Diff())
			}
		}
	}
	// The runtime step: D-Bus when ganesha runs, a start when it does not.
	var live1 string
	switch {
	case present && !running && a.String("ganesha_service") == "unmanaged":
	case present && !running:
		live1 = "start nfs-ganesha"
	case present && !isLive:
		live1 = "AddExport"
	case present && block.Needed():
		live1 = "UpdateExport"
	case !present && isLive:
		live1 = "RemoveExport"
	}
	if live1 != "" {
		actions = append(actions, live1)
	}
	res.Changed = len(actions) > 0
	res.Data["actions"] = actions
	if t.Check {
		res.Msg = strings.Join(actions, "; ")
		return res, nil
	}
	// Remove live first, files after; add files first, live after.
	if live1 == "RemoveExport" {
		if _, err := hostcmd.Must(ctx, t.Conn, "RemoveExport", dbusExportMgr+"RemoveExport uint16:"+strconv.Itoa(g.ID)); err != nil {
			return module.Result{}, err
		}
	}
	for _, f := range []fileChange{block, conf} {
		if f.Needed() {
			if err := f.Apply(ctx, t.Conn); err != nil {
				return module.Result{}, err
			}
		}
	}
	arg := " string:" + transport.Quote(file) + " " + transport.Quote(fmt.Sprintf("string:EXPORT(Export_Id=%d)", g.ID))
	switch live1 {
	case "start nfs-ganesha":
		if out, err := hostcmd.Run(ctx, t.Conn, "start nfs-ganesha", "systemctl start nfs-ganesha", transport.RunOpts{}); err != nil {
			return module.Result{}, err
		} else if out.RC != 0 {
			j, _ := hostcmd.Run(ctx, t.Conn, "journal", "journalctl -u nfs-ganesha -n 5 --no-pager -o cat", transport.RunOpts{})
			return module.Failf("nfs_export: nfs-ganesha did not start: %s %s", hostcmd.FirstLine(out.Stderr, out.Stdout), strings.TrimSpace(j.Stdout)), nil
		}
	case "AddExport", "UpdateExport":
		if _, err := hostcmd.Must(ctx, t.Conn, live1, dbusExportMgr+live1+arg); err != nil {
			return module.Result{}, err
		}
	}
	// Verify: ShowExports lists the export (or no longer does). A stopped
	// ganesha serves nothing, which is all absent asks.
	if !running && (!present || a.String("ganesha_service") == "unmanaged") {
		res.Msg = strings.Join(actions, "; ")
		return res, nil
	}
	if err := waitExport(ctx, t.Conn, g.ID, r.Path, present); err != nil {
		res.Failed = true
		res.Msg = "nfs_export: verify: " + err.Error()
		return res, nil
	}
	res.Msg = strings.Join(actions, "; ")
	return res, nil
}

// waitExport polls ShowExports until export id is listed with path
// (present) or not listed, for up to 15 seconds.
func waitExport(ctx context.Context, c transport.Conn, id int, p string, present bool) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		live, err := liveExports(ctx, c)
		if err == nil {
			got, ok := live[id]
			if ok == present && (!present || got == p) {
				return nil
			}
			err = fmt.Errorf("ShowExports: export %d listed=%v (path %q), want listed=%v", id, ok, got, present)
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
