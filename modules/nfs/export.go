package nfs

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/hactl/hactl/modules/pacemaker"
	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Export{}) }

// Export is the nfs_export module.
type Export struct{}

// Spec describes nfs_export.
func (Export) Spec() module.Spec {
	params := []module.Param{
		{Name: "path", Type: module.Path, Required: true, Doc: "The exported directory."},
		{Name: "name", Type: module.Str, Doc: "Names the managed file or resources; default derived from path (/srv/nfs/data: srv-nfs-data)."},
		{Name: "backend", Type: module.Str, Default: "exports", Choices: []any{"exports", "ganesha", "pacemaker"}, Doc: "exports: the kernel server (/etc/exports.d/NAME.exports, exportfs -ra); ganesha: nfs-ganesha; pacemaker: ocf:heartbeat:exportfs primitives."},
		{Name: "clients", Type: module.List, Doc: "Clients: dicts {host, options: [rw, sync, no_subtree_check, …]} or strings \"host(rw,sync)\". Default: every host (*), read-write."},
		{Name: "fsid", Type: module.Str, Doc: "The filesystem id (added to each client's options; required for the pacemaker backend, where failover must keep file handles)."},
		{Name: "create_dir", Type: module.Bool, Default: true, Doc: "Create path (mode 0755) when missing; otherwise a missing path fails the task."},
		{Name: "state", Type: module.Str, Default: "present", Choices: []any{"present", "absent"}, Doc: "absent removes the export."},
		{Name: "exports_dir", Type: module.Path, Default: "/etc/exports.d", Doc: "exports backend: the directory of the managed file."},
		{Name: "export_id", Type: module.Int, Doc: "ganesha: the Export_Id (1–65535), required."},
		{Name: "pseudo", Type: module.Str, Doc: "ganesha: the NFSv4 pseudo path; default path."},
		{Name: "access_type", Type: module.Str, Default: "RW", Choices: []any{"RW", "RO", "MDONLY", "MDONLY_RO", "None"}, Doc: "ganesha: the access of listed clients without rw/ro in their options (and of every client when clients is empty)."},
		{Name: "squash", Type: module.Str, Default: "Root_Squash", Doc: "ganesha: the default squash (No_Root_Squash, Root_Squash, All_Squash, …)."},
		{Name: "protocols", Type: module.List, Elements: module.Str, Default: []any{"3", "4"}, Doc: "ganesha: NFS versions."},
		{Name: "sectype", Type: module.List, Elements: module.Str, Default: []any{"sys"}, Doc: "ganesha: security flavours."},
		{Name: "ganesha_conf", Type: module.Path, Default: "/etc/ganesha/ganesha.conf", Doc: "ganesha: the main configuration, which gets an %include line for the managed file."},
		{Name: "ganesha_dir", Type: module.Path, Default: "/etc/ganesha/hactl", Doc: "ganesha: where managed export files live."},
		{Name: "ganesha_service", Type: module.Str, Default: "started", Choices: []any{"started", "unmanaged"}, Doc: "ganesha: started starts nfs-ganesha when it is stopped; unmanaged leaves the service to something else (Pacemaker) and only changes exports live when it runs."},
		{Name: "group", Type: module.Str, Doc: "pacemaker: the group the exportfs primitives join (with the filesystem and VIP)."},
	}
	params = append(params, pacemaker.LeaderParams()...)
	return module.Spec{
		Name:  "nfs_export",
		Short: "Export a directory over NFS (kernel server, nfs-ganesha or Pacemaker exportfs)",
		Doc: `Declares one export and owns only it: other exports are never touched.

backend: exports writes /etc/exports.d/NAME.exports (one line: path and its clients) atomically and runs exportfs -ra; the NFS server is never restarted. After a change exportfs -v must list the path for every client with the desired options.

backend: ganesha writes an EXPORT block (Export_Id, Path, Pseudo, Access_Type, Squash, Protocols, SecType, FSAL VFS, one CLIENT block per client) to ganesha_dir/NAME.conf, adds an %include line for it to ganesha_conf, creates the path first (ganesha stops at startup when an export path is missing), and then, when nfs-ganesha runs, adds or updates the export live over D-Bus (AddExport / UpdateExport; RemoveExport for absent) — no restart, existing clients keep their mounts. When nfs-ganesha is stopped it is started. After a change ShowExports must list the export.

backend: pacemaker declares one ocf:heartbeat:exportfs primitive per client (NAME-1, NAME-2, …; params clientspec, directory, options, fsid) with pacemaker_resource's code: compared semantically with the CIB, pushed once per cluster (cluster_leader), optionally in a group.

Check mode reports the difference (with --diff the file change or the CIB objects) and changes nothing.`,
		Params:    params,
		CheckMode: true,
		RequiredIf: []module.RequiredIf{
			{Param: "backend", Value: "ganesha", Requires: []string{"export_id"}},
			{Param: "backend", Value: "pacemaker", Requires: []string{"fsid"}},
		},
		Examples: `- name: Export /srv/nfs/data with nfs-ganesha
  nfs_export:
    backend: ganesha
    path: /srv/nfs/data
    pseudo: /data
    export_id: 10
    clients:
      - {host: 10.77.0.0/24, options: [rw, no_root_squash]}`,
	}
}

// request is the validated arguments.
type request struct {
	Path, Name, State, Fsid string
	Clients                 []Client
	CreateDir               bool
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// Run dispatches to the backend.
func (Export) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	r := request{Path: a.String("path"), Name: a.String("name"), State: a.String("state"), Fsid: a.String("fsid"), CreateDir: a.Bool("create_dir")}
	if !strings.HasPrefix(r.Path, "/") || path.Clean(r.Path) != r.Path || strings.ContainsAny(r.Path, " \t\n\"'\\") {
		return module.Failf("nfs_export: path %q must be a clean absolute path without blanks or quotes", r.Path), nil
	}
	if r.Name == "" {
		r.Name = strings.ReplaceAll(strings.Trim(r.Path, "/"), "/", "-")
		if r.Name == "" {
			r.Name = "root"
		}
	}
	if !nameRE.MatchString(r.Name) {
		return module.Failf("nfs_export: name %q: use letters, digits, '.', '_' and '-'", r.Name), nil
	}
	var err error
	if r.Clients, err = parseClients(a.List("clients")); err != nil {
		return module.Failf("nfs_export: %v", err), nil
	}
	if len(r.Clients) == 0 {
		r.Clients = []Client{{Host: "*", Options: []string{"rw", "sync", "no_subtree_check"}}}
	}
	var res module.Result
	switch a.String("backend") {
	case "exports":
		res, err = runExports(ctx, t, a, r)
	case "ganesha":
		res, err = runGanesha(ctx, t, a, r)
	case "pacemaker":
		res, err = runPacemaker(ctx, t, a, r)
	default:
		return module.Failf("nfs_export: unknown backend %q", a.String("backend")), nil
	}
	if err != nil {
		return res, fmt.Errorf("nfs_export %s: %w", r.Path, err)
	}
	return res, nil
}
