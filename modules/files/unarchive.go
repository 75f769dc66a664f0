package files

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/modules/internal/shellx"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Unarchive{}) }

// Unarchive is the unarchive module: unpack an archive on the host.
type Unarchive struct{}

// Spec describes the unarchive module.
func (Unarchive) Spec() module.Spec {
	return module.Spec{
		Name:  "unarchive",
		Short: "Unpack a tar or zip archive on the host",
		Doc: `Unpacks src into the existing directory dest. src is a controller file (looked up in files/, uploaded to a temporary directory on the host) or, with remote_src, a file already on the host or a URL the host downloads with curl. Formats are recognised by their first bytes: zip (needs unzip and zipinfo on the host), tar, and tar compressed with gzip, bzip2, xz or zstd (needs the compressor).

Idempotence: when creates names a path that exists, the task is skipped. Otherwise the archive's listing (tar -tv, zipinfo -T, in UTC) is compared with dest, every member's path read in one command: a member is in place when the path exists with the same type, and for regular files the same size and modification time (whole seconds; with keep_newer a file newer than its member counts as in place whatever its size), for tar symlinks the same target, and — when mode is not given and the host user is root, so tar restores permissions — the same permission bits. Owners and file content are not compared. Only when some member is not in place is the archive extracted (tar -x, or unzip -o, with extra_opts, exclude and include); the comparison is then repeated to verify it. mode, owner and group, when given, are applied to every member (directories and dest's own "./" entry included, as Ansible does).

In check mode the archive is uploaded and listed (to compare) but nothing is extracted.`,
		Params: append([]module.Param{
			{Name: "src", Type: module.Path, Required: true, Doc: "The archive: a controller path, or with remote_src a host path or URL."},
			{Name: "dest", Type: module.Path, Required: true, Doc: "Existing directory to unpack into."},
			{Name: "remote_src", Type: module.Bool, Default: false, Doc: "src is already on the host (or a URL the host downloads)."},
			{Name: "creates", Type: module.Path, Doc: "Skip the task when this path exists on the host."},
			{Name: "list_files", Type: module.Bool, Default: false, Doc: "Return the archive's member names as files."},
			{Name: "exclude", Type: module.List, Elements: module.Str, Default: []any{}, Doc: "Members (patterns) not to extract."},
			{Name: "include", Type: module.List, Elements: module.Str, Default: []any{}, Doc: "Only these members are extracted."},
			{Name: "keep_newer", Type: module.Bool, Default: false, Doc: "Do not replace files newer than the archive's."},
			{Name: "extra_opts", Type: module.List, Elements: module.Str, Default: []any{}, Doc: "More options for tar or unzip (--strip-components=1, …), also used for the listing."},
			{Name: "validate_certs", Type: module.Bool, Default: true, Doc: "Verify TLS certificates when src is a URL."},
			{Name: "decrypt", Type: module.Bool, Default: true, Doc: "Accepted for compatibility (vault-encrypted archives are not supported)."},
			{Name: "io_buffer_size", Type: module.Int, Default: 65536, Doc: "Accepted for compatibility."},
		}, attrParams()...),
		CheckMode:         true,
		MutuallyExclusive: [][]string{{"include", "exclude"}},
		Examples: `- name: Unpack the release shipped with the role
  unarchive:
    src: app-1.4.tar.gz
    dest: /opt/app
    owner: app
    group: app

- name: Unpack an archive the host downloaded
  unarchive:
    src: /var/cache/app-1.4.zip
    dest: /opt/app
    remote_src: true
    creates: /opt/app/bin/app`,
		Returns: []module.ReturnValue{
			{Name: "dest", Type: module.Str, Doc: "The destination directory."},
			{Name: "src", Type: module.Str, Doc: "The archive's path on the host."},
			{Name: "handler", Type: module.Str, Doc: "Which format was recognised (TgzArchive, ZipArchive, …)."},
			{Name: "files", Type: module.List, Doc: "Member names, with list_files."},
			{Name: "extract_results", Type: module.Dict, Doc: "cmd, rc, out and err of the extraction, when it ran."},
		},
	}
}

// unarchiveJob is one run's settings.
type unarchiveJob struct {
	dest, src  string // dest as resolved on the host; src as given
	archive    string // the archive on the host
	tmp        string // temporary directory on the host
	format     archiveFormat
	opts       []string
	excludes   []string
	includes   []string
	keepNewer  bool
	attrs      remotefile.Attrs
	uid        string
	entries    []archiveEntry
	extraction map[string]any
}

// Run unpacks.
func (Unarchive) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	attrs, err := attrsOf(a)
	if err != nil {
		return failed(err.Error(), nil), nil
	}
	j := &unarchiveJob{src: a.String("src"), opts: a.Strings("extra_opts"), excludes: a.Strings("exclude"),
		includes: a.Strings("include"), keepNewer: a.Bool("keep_newer"), attrs: attrs}
	data := map[string]any{"dest": a.String("dest"), "src": j.src}
	var local string
	if !a.Bool("remote_src") {
		if local, err = t.FindFile("files", j.src); err != nil {
			return failed(fmt.Sprintf("Could not find or access '%s' on the controller: %v", j.src, err), data), nil
		}
		if fi, err := os.Stat(local); err != nil || !fi.Mode().IsRegular() {
			return failed(fmt.Sprintf("Could not find or access '%s' on the controller (not a regular file)", local), data), nil
		}
	}
	msg, skip, err := j.prepare(ctx, t, a.String("dest"), a.String("creates"))
	if j.tmp != "" {
		defer func() {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			_, _ = t.Conn.Run(cctx, "rm -rf -- "+transport.Quote(j.tmp), transport.RunOpts{})
		}()
	}
	switch {
	case err != nil:
		return module.Result{}, err
	case skip:
		return module.Result{Skipped: true, Msg: msg, Data: map[string]any{"msg": msg}}, nil
	case msg != "":
		return failed(msg, data), nil
	}
	data["dest"] = j.dest
	switch {
	case local != "":
		f, err := os.Open(local)
		if err != nil {
			return failed(fmt.Sprintf("Could not read '%s': %v", local, err), data), nil
		}
		defer f.Close()
		j.archive = path.Join(j.tmp, "source")
		if err := t.Conn.Put(ctx, j.archive, f, 0o600); err != nil {
			return module.Result{}, fmt.Errorf("upload %s: %w", local, err)
		}
	case strings.Contains(j.src, "://"):
		req := httpRequest{URL: j.src, Follow: true, Insecure: !a.Bool("validate_certs"), Timeout: 10, Agent: "ansible-httpget", Decompress: false}
		resp, err := doHTTP(ctx, t.Conn, req, curlRun{TmpDir: j.tmp, Keep: true})
		if err != nil {
			return module.Result{}, err
		}
		if resp.Status != 200 {
			return failed(fmt.Sprintf("Failure downloading %s, %s", j.src, resp.msg()), data), nil
		}
		j.archive = resp.Tmp
	default:
		j.archive = j.src
	}
	data["src"] = j.archive
	if msg, err := j.list(ctx, t); err != nil || msg != "" {
		return failed(msg, data), err
	}
	data["handler"] = j.format.handler
	if a.Bool("list_files") {
		files := make([]any, len(j.entries))
		for i, e := range j.entries {
			files[i] = e.raw
		}
		data["files"] = files
	}
	changed, err := j.converge(ctx, t)
	if j.extraction != nil {
		data["extract_results"] = j.extraction
	}
	if err != nil {
		return failed(err.Error(), data), nil
	}
	if st, err := remotefile.Gather(ctx, t.Conn, j.dest, remotefile.GatherOpts{}); err == nil {
		for k, v := range fileData(st) {
			data[k] = v
		}
	}
	return module.Result{Changed: changed, Data: data}, nil
}

// prepare checks creates and dest and makes the temporary directory, in
// one command. msg is a failure (or, with skip, the reason to skip).
func (j *unarchiveJob) prepare(ctx context.Context, t *module.Target, dest, creates string) (msg string, skip bool, err error) {
	var b strings.Builder
	if creates != "" {
		fmt.Fprintf(&b, "if [ -e %s ]; then echo @@creates; exit 0; fi\n", shellx.Path(creates))
	}
	fmt.Fprintf(&b, "d=%s\n[ -d \"$d\" ] || { echo @@nodest; exit 0; }\n", shellx.Path(dest))
	b.WriteString(`printf '@@dest %s\n' "$(printf '%s' "$d" | base64 | tr -d '\n')"` + "\n")
	b.WriteString(`printf '@@uid %s\n' "$(id -u)"` + "\n")
	b.WriteString(`tmp=$(mktemp -d) || exit 1` + "\n" + `printf '@@tmp %s\n' "$(printf '%s' "$tmp" | base64 | tr -d '\n')"` + "\n")
	res, err := t.Conn.Run(ctx, b.String(), transport.RunOpts{})
	if err != nil {
		return "", false, fmt.Errorf("unarchive: %w", err)
	}
	if res.RC != 0 {
		return "", false, fmt.Errorf("unarchive: rc %d: %s", res.RC, strings.TrimSpace(string(res.Stderr)))
	}
	for _, line := range strings.Split(string(res.Stdout), "\n") {
		key, val, _ := strings.Cut(line, " ")
		switch key {
		case "@@creates":
			return fmt.Sprintf("skipped, since %s exists", creates), true, nil
		case "@@nodest":
			return fmt.Sprintf("dest '%s' must be an existing dir", dest), false, nil
		case "@@dest", "@@tmp":
			v, err := base64.StdEncoding.DecodeString(val)
			if err != nil {
				return "", false, fmt.Errorf("unarchive: decode %s: %w", key, err)
			}
			if key == "@@dest" {
				j.dest = string(v)
			} else {
				j.tmp = string(v)
			}
		case "@@uid":
			j.uid = val
		}
	}
	if j.dest == "" || j.tmp == "" {
		return "", false, fmt.Errorf("unarchive: unexpected output %q", res.Stdout)
	}
	return "", false, nil
}
