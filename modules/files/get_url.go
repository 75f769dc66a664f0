package files

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(GetURL{}) }

// GetURL is the get_url module: download a file on the host.
type GetURL struct{}

// Spec describes the get_url module.
func (GetURL) Spec() module.Spec {
	return module.Spec{
		Name:  "get_url",
		Short: "Download a file from HTTP, HTTPS or FTP onto the host",
		Doc: `Downloads url on the managed host itself (with curl, 7.83 or later) into a temporary file beside dest (or in tmp_dest), checks it, and renames it over dest only when its content differs; then mode, owner and group are brought in line. When dest is a directory the file goes into it under the name the server suggests (Content-Disposition) or the URL's last element.

When dest exists, its modification time is sent as If-Modified-Since, and a 304 answer leaves it alone; force sends Cache-Control: no-cache instead and always downloads (dest is still replaced only when the content differs). With checksum ("sha256:HEX", or "sha256:URL" of a checksum file listing "HEX  NAME" lines) an existing dest with that checksum is kept without any request, and a download with another checksum fails — unlike Ansible, which deletes dest in that case, hactl leaves dest as it was.

Credentials and headers reach curl on its standard input, never on a command line. In check mode nothing is written: a missing dest is probed with a HEAD request, an existing one is downloaded to a temporary file that is compared and removed.`,
		Params: append(append(urlParams(10, "username", "password"), []module.Param{
			{Name: "dest", Type: module.Path, Required: true, Doc: "File to write, or directory to download into."},
			{Name: "checksum", Type: module.Str, Default: "", Doc: `"ALGORITHM:HEX" or "ALGORITHM:URL" of a checksum file (md5, sha1, sha224, sha256, sha384, sha512).`},
			{Name: "force", Type: module.Bool, Default: false, Aliases: []string{"thirsty"}, Doc: "Download even when dest is newer than the server's file (dest is replaced only if the content differs)."},
			{Name: "backup", Type: module.Bool, Default: false, Doc: "Keep a copy of the replaced dest, named PATH.PID.DATE@TIME~."},
			{Name: "tmp_dest", Type: module.Path, Doc: "Existing directory for the temporary download (default: dest's directory, so the final rename is atomic)."},
		}...), attrParams()...),
		CheckMode: true,
		Examples: `- name: Fetch the release
  get_url:
    url: https://releases.example.com/app-1.4.tar.gz
    dest: /opt/app/app-1.4.tar.gz
    checksum: sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03
    mode: "0644"

- name: Into a directory, checksum from the publisher's file
  get_url:
    url: https://releases.example.com/app-1.4.tar.gz
    dest: /opt/app/
    checksum: sha256:https://releases.example.com/SHA256SUMS`,
		Returns: []module.ReturnValue{
			{Name: "dest", Type: module.Str, Doc: "The file written."},
			{Name: "url", Type: module.Str, Doc: "The URL asked for."},
			{Name: "checksum_src", Type: module.Str, Doc: "SHA-1 of the download."},
			{Name: "checksum_dest", Type: module.Str, Doc: "SHA-1 of dest before, when it existed."},
			{Name: "md5sum", Type: module.Str, Doc: "MD5 of dest afterwards."},
			{Name: "status_code", Type: module.Int, Doc: "HTTP status."},
			{Name: "msg", Type: module.Str, Doc: `"OK (N bytes)", "file already exists", or the HTTP error.`},
			{Name: "elapsed", Type: module.Int, Doc: "Seconds the download took."},
			{Name: "backup_file", Type: module.Str, Doc: "The backup's path, when one was made."},
			{Name: "size", Type: module.Int, Doc: "Size of dest."},
			{Name: "mode", Type: module.Str, Doc: "Permissions of dest."},
			{Name: "owner", Type: module.Str, Doc: "Owner of dest."},
		},
	}
}

// Run downloads.
func (GetURL) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	urlArg, dest := a.String("url"), a.String("dest")
	data := map[string]any{"checksum_dest": nil, "checksum_src": nil, "dest": dest, "elapsed": 0, "url": urlArg}
	attrs, err := attrsOf(a)
	if err != nil {
		return failed(err.Error(), data), nil
	}
	req, err := requestFromArgs(a, "GET")
	if err != nil {
		return failed(err.Error(), data), nil
	}
	req.NoCache = false
	force := a.Bool("force")
	alg, want, msg, err := wantedChecksum(ctx, t, a, req)
	if err != nil {
		return module.Result{}, err
	}
	if msg != "" {
		return failed(msg, data), nil
	}
	sums := []string{"sha1"}
	if alg != "" && alg != "sha1" {
		sums = append(sums, alg)
	}
	st, err := gatherFollowing(ctx, t.Conn, dest, remotefile.GatherOpts{Sums: sums})
	if err != nil {
		return module.Result{}, err
	}
	isDir := st.Type == remotefile.TypeDirectory
	if st.Exists && !isDir {
		if !force && want != "" {
			if st.Sums[alg] == want {
				return keepExisting(ctx, t, st, attrs, data)
			}
			force = true
		}
		if !force && isHTTPURL(urlArg) {
			req.IfModifiedSince = &st.Mtime
		}
	}
	if !st.Exists && !st.ParentDir {
		return failed(fmt.Sprintf("Destination %s does not exist", path.Dir(st.Resolved)), data), nil
	}
	run := curlRun{TmpDir: path.Dir(st.Resolved), Keep: true, Sums: sums}
	if isDir {
		run.TmpDir = st.Resolved
	}
	if a.Has("tmp_dest") {
		run.TmpDir = a.String("tmp_dest")
		if msg, err := checkTmpDest(ctx, t, run.TmpDir); err != nil || msg != "" {
			return failed(msg, data), err
		}
	}
	req.NoCache = force
	head := t.Check && !st.Exists
	req.Head = head
	resp, err := doHTTP(ctx, t.Conn, req, run)
	if err != nil {
		return module.Result{}, err
	}
	data["elapsed"] = resp.Elapsed
	switch {
	case resp.Status == 304:
		removeTemp(ctx, t.Conn, resp.Tmp)
		return notModified(ctx, t, st, attrs, resp, urlArg)
	case resp.Status < 0:
		removeTemp(ctx, t.Conn, resp.Tmp)
		return failed(resp.msg(), map[string]any{"url": urlArg, "dest": dest, "elapsed": resp.Elapsed}), nil
	case resp.Status != 200 && !strings.HasPrefix(urlArg, "file:/"):
		removeTemp(ctx, t.Conn, resp.Tmp)
		return failed("Request failed", map[string]any{"url": urlArg, "dest": dest, "elapsed": resp.Elapsed,
			"status_code": resp.Status, "response": resp.msg()}), nil
	}
	target := st.Resolved
	if isDir {
		target = path.Join(st.Resolved, responseFilename(resp, urlArg))
		data["dest"] = target
	}
	data["src"], data["checksum_src"] = resp.Tmp, resp.Sums["sha1"]
	if want != "" && !head && resp.Sums[alg] != want {
		removeTemp(ctx, t.Conn, resp.Tmp)
		return failed(fmt.Sprintf("The checksum for %s did not match %s; it was %s.", target, want, resp.Sums[alg]), data), nil
	}
	d := download{tmp: resp.Tmp, sha1: resp.Sums["sha1"], size: resp.Size, dest: target, attrs: attrs, backup: a.Bool("backup")}
	inst, err := d.install(ctx, t)
	if err != nil {
		return failed(fmt.Sprintf("failed to copy %s to %s: %v", resp.Tmp, target, err), data), nil
	}
	switch {
	case inst.destIsDir:
		return failed(fmt.Sprintf("Destination %s is a directory", target), data), nil
	case inst.destMissing:
		return failed(fmt.Sprintf("Destination %s does not exist", path.Dir(target)), data), nil
	}
	if inst.checksumDest != "" {
		data["checksum_dest"] = inst.checksumDest
	}
	for k, v := range fileData(inst.after) {
		data[k] = v
	}
	if md5, ok := inst.after.Sums["md5"]; ok {
		data["md5sum"] = md5
	}
	if inst.backup != "" {
		data["backup_file"] = inst.backup
	}
	data["msg"], data["status_code"] = resp.msg(), resp.Status
	return module.Result{Changed: inst.changed, Msg: resp.msg(), Data: data}, nil
}

// keepExisting ends a run whose dest already has the wanted checksum:
// only attributes may change.
func keepExisting(ctx context.Context, t *module.Target, st remotefile.State, attrs remotefile.Attrs, data map[string]any) (module.Result, error) {
	changed, after, err := converge(ctx, t, st, attrs)
	if err != nil {
		return failed(err.Error(), data), nil
	}
	msg := "file already exists"
	if changed {
		msg = "file already exists but file attributes changed"
	}
	for k, v := range fileData(after) {
		data[k] = v
	}
	data["msg"] = msg
	return module.Result{Changed: changed, Msg: msg, Data: data}, nil
}

// notModified ends a run the server answered 304: dest is current, only
// attributes may change.
func notModified(ctx context.Context, t *module.Target, st remotefile.State, attrs remotefile.Attrs, resp httpResponse, urlArg string) (module.Result, error) {
	data := map[string]any{"url": urlArg, "dest": st.Resolved, "msg": resp.msg(), "status_code": resp.Status, "elapsed": resp.Elapsed}
	changed, after, err := converge(ctx, t, st, attrs)
	if err != nil {
		return failed(err.Error(), data), nil
	}
	for k, v := range fileData(after) {
		data[k] = v
	}
	return module.Result{Changed: changed, Msg: resp.msg(), Data: data}, nil
}

// converge brings an existing file's attributes in line.
func converge(ctx context.Context, t *module.Target, st remotefile.State, attrs remotefile.Attrs) (bool, remotefile.State, error) {
	plan, err := attrs.PlanAttrs(st)
	if err != nil {
		return false, st, err
	}
	if plan.Empty() {
		return false, st, nil
	}
	after := predicted(st, putJob{attrs: attrs}, false, plan)
	if t.Check {
		return true, after, nil
	}
	if err := applyAttrs(ctx, t.Conn, st.Resolved, plan, false); err != nil {
		return false, st, err
	}
	return true, after, nil
}

// checkTmpDest checks that tmp_dest is an existing directory.
func checkTmpDest(ctx context.Context, t *module.Target, dir string) (string, error) {
	st, err := remotefile.Gather(ctx, t.Conn, dir, remotefile.GatherOpts{Follow: true})
	if err != nil {
		return "", err
	}
	switch {
	case !st.Exists:
		return fmt.Sprintf("%s directory does not exist.", dir), nil
	case st.Type != remotefile.TypeDirectory:
		return fmt.Sprintf("%s is a file but should be a directory.", dir), nil
	}
	return "", nil
}

var nonWord = regexp.MustCompile(`\W+`)

// wantedChecksum parses checksum ("alg:hex" or "alg:url"), fetching a
// checksum file on the host when a URL is given. msg is set when the
// argument is unusable (Ansible's messages).
func wantedChecksum(ctx context.Context, t *module.Target, a module.Args, req httpRequest) (alg, sum, msg string, err error) {
	raw := a.String("checksum")
	if raw == "" {
		return "", "", "", nil
	}
	alg, sum, ok := strings.Cut(raw, ":")
	if !ok {
		return "", "", "The checksum parameter has to be in format <algorithm>:<checksum>", nil
	}
	if !hashAlgorithms[alg] {
		return "", "", fmt.Sprintf("Could not hash file with algorithm '%s'. Available algorithms: md5, sha1, sha224, sha256, sha384, sha512", alg), nil
	}
	if isURL(sum) {
		req.URL, req.IfModifiedSince, req.Head, req.NoCache = sum, nil, false, false
		resp, err := doHTTP(ctx, t.Conn, req, curlRun{PrintBody: true})
		if err != nil {
			return "", "", "", err
		}
		if resp.Status != 200 {
			return "", "", fmt.Sprintf("Request failed: %s (%s)", sum, resp.msg()), nil
		}
		found, ok := checksumFromFile(string(resp.Body), urlFilename(a.String("url")))
		if !ok {
			return "", "", fmt.Sprintf("Unable to find a checksum for file '%s' in '%s'", urlFilename(a.String("url")), sum), nil
		}
		sum = found
	}
	sum = strings.ToLower(nonWord.ReplaceAllString(sum, ""))
	if sum == "" || strings.Trim(sum, "0123456789abcdef") != "" {
		return "", "", "The checksum format is invalid", nil
	}
	return alg, sum, "", nil
}

// isHTTPURL reports whether u is fetched over HTTP(S), the only schemes
// where curl reports an unmet If-Modified-Since (304).
func isHTTPURL(u string) bool {
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// isURL reports whether a checksum value is a URL to fetch.
func isURL(s string) bool {
	for _, p := range []string{"http://", "https://", "ftp://", "file://"} {
		if strings.HasPrefix(strings.ToLower(s), p) {
			return true
		}
	}
	return false
}

// checksumFromFile finds filename's checksum in a checksum file the way
// Ansible reads one: a lone word is the checksum; otherwise lines are
// "SUM NAME" (NAME may start with "*" or a space, and "./").
func checksumFromFile(text, filename string) (string, bool) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) == 1 && len(strings.Fields(lines[0])) == 1 {
		return strings.TrimSpace(lines[0]), true
	}
	for _, line := range lines {
		sum, name, ok := strings.Cut(strings.TrimRight(line, "\r"), " ")
		if !ok {
			continue
		}
		if strings.HasPrefix(name, " ") || strings.HasPrefix(name, "*") {
			name = name[1:]
		}
		if strings.TrimLeft(name, "./") == filename {
			return sum, true
		}
	}
	return "", false
}
