package files

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(Fetch{}) }

// Fetch is the fetch module: copy a file from the host to the controller.
type Fetch struct{}

// Spec describes the fetch module.
func (Fetch) Spec() module.Spec {
	return module.Spec{
		Name:  "fetch",
		Short: "Copy a file from the host to the controller",
		Doc: `Copies the file src from the managed host to the controller. By default it lands in DEST/INVENTORY_HOSTNAME/SRC (the host's full path below a directory named after the host), so one task can collect the same file from many hosts; with flat it goes to dest itself, or into dest under src's base name when dest ends with "/".

The copy is skipped when the controller's file already has the host file's SHA-1. Otherwise the content is streamed into a temporary file beside the destination, its SHA-1 checked against the host's (validate_checksum), and the temporary file renamed into place, so a failed transfer never leaves a partial file. Relative dests are relative to the playbook's directory. Symlinks on the host are followed; directories cannot be fetched.

A missing src fails the task unless fail_on_missing is false. In check mode the module reports whether the file would be copied and writes nothing (Ansible skips fetch in check mode).`,
		Params: []module.Param{
			{Name: "src", Type: module.Path, Required: true, Doc: "The file on the host (not a directory)."},
			{Name: "dest", Type: module.Path, Required: true, Doc: "Directory (or, with flat, file) on the controller."},
			{Name: "flat", Type: module.Bool, Default: false, Doc: "Write to dest itself instead of DEST/HOST/SRC."},
			{Name: "fail_on_missing", Type: module.Bool, Default: true, Aliases: []string{"fail_when_missing"}, Doc: "Fail when src does not exist or is a directory."},
			{Name: "validate_checksum", Type: module.Bool, Default: true, Doc: "Check the copy's SHA-1 against the host file's."},
		},
		CheckMode: true,
		Examples: `- name: Collect every host's configuration
  fetch:
    src: /etc/haproxy/haproxy.cfg
    dest: collected/
  # collected/infra01/etc/haproxy/haproxy.cfg, collected/infra02/…

- name: One file, named by the task
  fetch:
    src: /etc/corosync/authkey
    dest: "secrets/{{ inventory_hostname }}.authkey"
    flat: true`,
		Returns: []module.ReturnValue{
			{Name: "dest", Type: module.Str, Doc: "The controller path."},
			{Name: "checksum", Type: module.Str, Doc: "SHA-1 of the controller's file."},
			{Name: "md5sum", Type: module.Str, Doc: "MD5 of the controller's file."},
			{Name: "remote_checksum", Type: module.Str, Doc: "SHA-1 of the host's file (when copied)."},
			{Name: "file", Type: module.Str, Doc: "The host path, when nothing was copied."},
		},
	}
}

// Run fetches.
func (Fetch) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	src := a.String("src")
	failMissing := a.Bool("fail_on_missing")
	st, err := remotefile.Gather(ctx, t.Conn, src, remotefile.GatherOpts{Follow: true, Sums: []string{"sha1"}})
	if err != nil {
		return module.Result{}, err
	}
	missing := func(msg string) module.Result {
		if failMissing {
			return failed(msg, map[string]any{"file": st.Resolved})
		}
		return module.Result{Msg: msg, Data: map[string]any{"file": st.Resolved, "msg": msg}}
	}
	switch {
	case st.Err != "":
		return failed(fmt.Sprintf("error reading %s: %s", src, st.Err), nil), nil
	case !st.Exists:
		return missing("the remote file does not exist, not transferring, ignored"), nil
	case st.Type == remotefile.TypeDirectory:
		msg := "remote file is a directory, fetch cannot work on directories"
		if !failMissing {
			msg += ", not transferring, ignored"
		}
		return missing(msg), nil
	case !st.Readable || st.Sums["sha1"] == "":
		return failed(fmt.Sprintf("file is not readable: %s", src), map[string]any{"file": st.Resolved}), nil
	}
	dest, msg := fetchDest(t, a.String("dest"), st.Resolved, a.Bool("flat"))
	if msg != "" {
		return failed(msg, nil), nil
	}
	remoteSum := st.Sums["sha1"]
	localSum, localMD5, err := localSums(dest)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return failed(fmt.Sprintf("Failed to fetch the file: %v", err), nil), nil
	}
	if localSum == remoteSum {
		return module.Result{Data: map[string]any{"md5sum": localMD5, "file": st.Resolved, "dest": dest, "checksum": localSum}}, nil
	}
	data := map[string]any{"dest": dest, "remote_md5sum": nil, "remote_checksum": remoteSum}
	if t.Check {
		data["checksum"] = remoteSum
		return module.Result{Changed: true, Data: data}, nil
	}
	gotSum, gotMD5, err := fetchInto(ctx, t, st.Resolved, dest, remoteSum, a.Bool("validate_checksum"))
	data["checksum"], data["md5sum"] = gotSum, gotMD5
	if errors.Is(err, errChecksumMismatch) {
		data["file"] = st.Resolved
		return failed("checksum mismatch", data), nil
	}
	if err != nil {
		return failed(fmt.Sprintf("Failed to fetch the file: %v", err), data), nil
	}
	return module.Result{Changed: true, Data: data}, nil
}

var errChecksumMismatch = errors.New("checksum mismatch")

// fetchDest computes the controller path: DEST/HOST/SRC, or with flat
// dest itself (dest/BASENAME when dest ends with "/"). A relative dest is
// relative to the playbook's directory. msg explains an unusable dest.
func fetchDest(t *module.Target, dest, src string, flat bool) (string, string) {
	if rest, ok := strings.CutPrefix(dest, "~"); ok && (rest == "" || strings.HasPrefix(rest, "/")) {
		if home, err := os.UserHomeDir(); err == nil {
			dest = home + rest
		}
	}
	base := dest
	if !filepath.IsAbs(base) {
		if dir, ok := t.Vars["playbook_dir"].(string); ok && dir != "" {
			base = filepath.Join(dir, base)
		}
	}
	if flat {
		if strings.HasSuffix(dest, "/") {
			return filepath.Join(base, path.Base(src)), ""
		}
		if fi, err := os.Stat(base); err == nil && fi.IsDir() {
			return "", "dest is an existing directory, use a trailing slash if you want to fetch src into that directory"
		}
		return filepath.Clean(base), ""
	}
	hostDir := filepath.Join(base, t.Host)
	full := filepath.Clean(hostDir + "/" + src)
	if !strings.HasPrefix(full, hostDir+string(filepath.Separator)) {
		return "", fmt.Sprintf("Detected directory traversal, expected to be contained in '%s' but got '%s'", hostDir, full)
	}
	return full, ""
}

// localSums returns the SHA-1 and MD5 of a controller file.
func localSums(p string) (string, string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", "", err
	}
	if !fi.Mode().IsRegular() {
		return "", "", nil
	}
	s, m := sha1.New(), md5.New()
	if _, err := io.Copy(io.MultiWriter(s, m), f); err != nil {
		return "", "", err
	}
	return hex.EncodeToString(s.Sum(nil)), hex.EncodeToString(m.Sum(nil)), nil
}

// fetchInto streams the host file into a temporary file beside dest,
// checks it and renames it into place. It returns the copy's SHA-1 and
// MD5; with a checksum mismatch (and validate) dest is left as it was.
func fetchInto(ctx context.Context, t *module.Target, src, dest, want string, validate bool) (string, string, error) {
	dir := filepath.Dir(dest)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	if fi, err := os.Stat(dest); err == nil && fi.IsDir() {
		return "", "", fmt.Errorf("%s is a directory", dest)
	}
	tmp := filepath.Join(dir, "."+filepath.Base(dest)+"."+randomHex()+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return "", "", err
	}
	keep := false
	defer func() {
		if !keep {
			_ = os.Remove(tmp)
		}
	}()
	var s, m hash.Hash = sha1.New(), md5.New()
	err = t.Conn.Get(ctx, src, io.MultiWriter(f, s, m))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", "", fmt.Errorf("get %s: %w", src, err)
	}
	sum, sumMD5 := hex.EncodeToString(s.Sum(nil)), hex.EncodeToString(m.Sum(nil))
	if validate && sum != want {
		return sum, sumMD5, errChecksumMismatch
	}
	if fi, err := os.Stat(dest); err == nil {
		_ = os.Chmod(tmp, fi.Mode().Perm())
	}
	if err := os.Rename(tmp, dest); err != nil {
		return "", "", err
	}
	keep = true
	return sum, sumMD5, nil
}
