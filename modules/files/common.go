package files

import (
	"context"
	"fmt"
	"strings"

	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// attrParams are the mode/owner/group arguments shared by the modules
// that create files.
func attrParams() []module.Param {
	return []module.Param{
		{Name: "mode", Type: module.Raw, Doc: `Permissions of the file: a quoted octal string ("0644"), a symbolic mode ("u=rw,g=r,o=r"), or an integer. As in Ansible an unquoted YAML 644 is the decimal number 644, not rw-r--r--; quote modes or write 0644.`},
		{Name: "owner", Type: module.Str, Doc: "User name or uid that should own the file."},
		{Name: "group", Type: module.Str, Doc: "Group name or gid that should own the file."},
		{Name: "unsafe_writes", Type: module.Bool, Default: false, Doc: "Accepted for compatibility; hactl always writes atomically."},
	}
}

// writeParams are the arguments of modules that replace file content.
func writeParams() []module.Param {
	return []module.Param{
		{Name: "backup", Type: module.Bool, Default: false, Doc: "Keep a copy of the previous file, named PATH.PID.DATE@TIME~, when the content changes."},
		{Name: "validate", Type: module.Str, Doc: `A command checking the new content before it replaces the file; "%s" stands for a temporary file holding it. It runs without a shell. On failure the file is untouched.`},
	}
}

// attrsOf reads mode/owner/group from validated args.
func attrsOf(a module.Args) (remotefile.Attrs, error) {
	mode := a["mode"]
	if mode == "preserve" { // resolved by the module from its source
		mode = nil
	}
	return remotefile.AttrsFromArgs(mode, a.String("owner"), a.String("group"))
}

// fileData is the part of a result describing a file, as Ansible returns
// it after changing one.
func fileData(st remotefile.State) map[string]any {
	d := map[string]any{"state": st.Type}
	if !st.Exists {
		return d
	}
	d["uid"], d["gid"] = st.UID, st.GID
	d["owner"], d["group"] = st.Owner, st.Group
	d["mode"] = st.ModeString()
	d["size"] = st.Size
	if st.Type == remotefile.TypeFile && st.Nlink > 1 {
		d["state"] = "hard"
	}
	return d
}

// applyAttrs applies an attribute plan to an existing path.
func applyAttrs(ctx context.Context, c transport.Conn, path string, p remotefile.AttrPlan, noFollow bool) error {
	if p.Empty() {
		return nil
	}
	res, err := c.Run(ctx, "p="+transport.Quote(path)+"\n"+p.Script("p", noFollow), transport.RunOpts{})
	if err != nil {
		return fmt.Errorf("set attributes of %s: %w", path, err)
	}
	if res.RC != 0 {
		return fmt.Errorf("set attributes of %s: %s", path, strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}

// applyAttrsGather applies an attribute plan to an existing path and
// reads the path's state afterwards, in one command.
func applyAttrsGather(ctx context.Context, c transport.Conn, path string, p remotefile.AttrPlan, o remotefile.GatherOpts) (remotefile.State, error) {
	sts, res, err := remotefile.RunGather(ctx, c, "p="+transport.Quote(path)+"\n"+p.Script("p", false), []remotefile.Query{{Path: path, Opts: o}})
	if err != nil {
		return remotefile.State{}, fmt.Errorf("set attributes of %s: %w", path, err)
	}
	if res.RC != 0 {
		return remotefile.State{}, fmt.Errorf("set attributes of %s: %s", path, strings.TrimSpace(string(res.Stderr)))
	}
	return sts[0], nil
}

// failed returns a failed result carrying msg in Data too.
func failed(msg string, data map[string]any) module.Result {
	if data == nil {
		data = map[string]any{}
	}
	return module.Result{Failed: true, Msg: msg, Data: data}
}

// validateFailure turns a ValidateError into Ansible's failed result.
func validateFailure(err error, data map[string]any) (module.Result, bool) {
	ve, ok := err.(*remotefile.ValidateError)
	if !ok {
		return module.Result{}, false
	}
	if data == nil {
		data = map[string]any{}
	}
	data["exit_status"], data["stdout"], data["stderr"] = ve.RC, ve.Stdout, ve.Stderr
	return failed("failed to validate", data), true
}
