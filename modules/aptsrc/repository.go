// Package aptsrc implements apt_repository and apt_key: APT sources and
// the keys that sign them, read and written as files on the host (no
// python-apt, no apt-key).
package aptsrc

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Repository{}) }

const (
	sourcesFile = "/etc/apt/sources.list"
	sourcesDir  = "/etc/apt/sources.list.d"
)

// Repository is the apt_repository module.
type Repository struct{}

// Spec describes the apt_repository module.
func (Repository) Spec() module.Spec {
	return module.Spec{
		Name:  "apt_repository",
		Short: "Add or remove an APT source line",
		Doc: `Adds or removes a one-line APT source ("deb [options] URI suite components").

All of /etc/apt/sources.list and /etc/apt/sources.list.d/*.list is read: a line already present (even commented out) is enabled rather than added again; a new line goes into filename.list, or a file named after the repository's host and path. Lines are compared and written in Ansible's normalised form (single spaces, "# " before disabled lines, " # " before comments). A file left without lines is removed. After a change the package lists are refreshed (update_cache) with retries; if that keeps failing the sources are put back as they were and the task fails.

As in Ansible, when anything changes every sources file is rewritten in that normalised form and files without lines are removed. ppa: repositories are not supported (they need Launchpad).`,
		Params: []module.Param{
			{Name: "repo", Type: module.Str, Required: true, Doc: "The source line."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"absent", "present"}, Doc: "Whether the line is there."},
			{Name: "mode", Type: module.Raw, Doc: "Mode of a newly created sources file (default 0644)."},
			{Name: "update_cache", Type: module.Bool, Default: true, Aliases: []string{"update-cache"}, Doc: "Run apt-get update after a change."},
			{Name: "update_cache_retries", Type: module.Int, Default: 5, Doc: "How many times to try apt-get update."},
			{Name: "update_cache_retry_max_delay", Type: module.Int, Default: 12, Doc: "Longest pause between tries, in seconds (the pause doubles from 1)."},
			{Name: "filename", Type: module.Str, Doc: "Base name of the sources file (.list is added) for a new line."},
			{Name: "install_python_apt", Type: module.Bool, Default: true, Doc: "Accepted for compatibility; hactl needs no python-apt."},
			{Name: "validate_certs", Type: module.Bool, Default: true, Doc: "Accepted for compatibility (used by Ansible for PPAs only)."},
			{Name: "codename", Type: module.Str, Doc: "Accepted for compatibility (used by Ansible for PPAs only)."},
		},
		CheckMode: true,
		Examples: `- name: The MariaDB repository for the Galera nodes
  apt_repository:
    repo: deb [signed-by=/etc/apt/keyrings/mariadb.asc] https://mirror.example/mariadb/repo/10.11/debian bookworm main
    filename: mariadb

- name: Drop the old Docker source
  apt_repository:
    repo: deb https://download.docker.com/linux/debian bookworm stable
    state: absent`,
		Returns: []module.ReturnValue{
			{Name: "repo", Type: module.Str, Doc: "The repo argument."},
			{Name: "state", Type: module.Str, Doc: "The state argument."},
		},
	}
}

// sourceFile is one sources file as read.
type sourceFile struct {
	name, content string
}

func readSources(ctx context.Context, conn transport.Conn) ([]sourceFile, error) {
	script := fmt.Sprintf(`for f in %s %s/*.list; do [ -f "$f" ] || continue; printf '%%s %%s\n' "$(printf '%%s' "$f" | base64 -w0)" "$(base64 -w0 < "$f")" || exit 1; done`, sourcesFile, sourcesDir)
	out, err := hostcmd.Must(ctx, conn, "apt_repository: read sources", script)
	if err != nil {
		return nil, err
	}
	var files []sourceFile
	for l := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		n, c, _ := strings.Cut(l, " ")
		name, err1 := base64.StdEncoding.DecodeString(n)
		content, err2 := base64.StdEncoding.DecodeString(strings.TrimSpace(c))
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("apt_repository: read sources: bad line %q", l)
		}
		files = append(files, sourceFile{string(name), string(content)})
	}
	return files, nil
}

// Run adds or removes the source.
func (Repository) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	repo, state := a.String("repo"), a.String("state")
	data := map[string]any{"repo": repo, "state": state}
	fail := func(format string, v ...any) (module.Result, error) {
		r := module.Failf(format, v...)
		r.Data = data
		return r, nil
	}
	if repo == "" {
		return fail("Please set argument 'repo' to a non-empty value")
	}
	if strings.HasPrefix(repo, "ppa:") {
		return fail("apt_repository: ppa: repositories are not supported by hactl; give the deb line and the key (apt_key)")
	}
	if strings.ContainsAny(repo, "\n\r") {
		return fail("Invalid repository string: %s", repo)
	}
	src := parseSource(repo)
	if !src.valid || !src.enabled {
		return fail("Invalid repository string: %s", invalidText(repo))
	}
	files, err := readSources(ctx, t.Conn)
	if err != nil {
		return module.Result{}, err
	}
	list := newSourcesList()
	for _, f := range files {
		list.load(f.name, f.content)
	}
	before := list.dump()
	if state == "present" {
		list.add(src.source, expandPath(suggestFilename(src.source, a.String("filename"), a.Has("filename")), sourcesDir))
	} else {
		list.remove(src.source)
	}
	after := list.dump()
	res := module.Result{Data: data}
	var names []string
	for _, n := range list.order {
		if before[n] != after[n] {
			names = append(names, n)
		}
	}
	res.Changed = len(names) > 0
	if !res.Changed {
		return res, nil
	}
	if t.Diff {
		for _, n := range names {
			d := remotefile.ContentDiff(n, n, []byte(before[n]), []byte(after[n]))
			if _, ok := before[n]; !ok {
				d.BeforeHeader = "/dev/null"
			}
			if _, ok := after[n]; !ok {
				d.AfterHeader = "/dev/null"
			}
			res.Diff = append(res.Diff, d)
		}
	}
	if t.Check {
		return res, nil
	}
	original := map[string]string{}
	existed := map[string]bool{}
	for _, f := range files {
		original[f.name], existed[f.name] = f.content, true
	}
	// Like Ansible, saving rewrites every sources file in the normalised
	// form and removes the files left without lines.
	var save []string
	for _, n := range list.order {
		if c, ok := after[n]; (ok && (!existed[n] || c != original[n])) || (!ok && existed[n]) {
			save = append(save, n)
		}
	}
	if err := saveSources(ctx, t.Conn, save, after, list.added, a["mode"]); err != nil {
		restoreSources(ctx, t.Conn, save, original, existed)
		return fail("%s", err)
	}
	if a.Bool("update_cache") {
		if msg, err := updateCache(ctx, t.Conn, a.Int("update_cache_retries"), a.Int("update_cache_retry_max_delay")); err != nil || msg != "" {
			restoreSources(ctx, t.Conn, save, original, existed)
			if err != nil {
				return module.Result{}, err
			}
			return fail("Failed to update apt cache: %s", msg)
		}
	}
	return res, nil
}

// saveSources writes (or removes, when empty) the changed files.
func saveSources(ctx context.Context, conn transport.Conn, names []string, after map[string]string, added map[string]bool, mode any) error {
	for _, n := range names {
		content, ok := after[n]
		if !ok {
			if _, err := hostcmd.Must(ctx, conn, "apt_repository: remove "+n, "rm -f -- "+transport.Quote(n)); err != nil {
				return err
			}
			continue
		}
		st, err := remotefile.Gather(ctx, conn, n, remotefile.GatherOpts{Follow: true})
		if err != nil {
			return fmt.Errorf("apt_repository: %w", err)
		}
		var attrs remotefile.Attrs
		if added[n] {
			if mode == nil {
				mode = "0644"
			}
			if attrs, err = remotefile.AttrsFromArgs(mode, "", ""); err != nil {
				return fmt.Errorf("apt_repository: mode: %w", err)
			}
		}
		if !st.ParentDir {
			if _, err := hostcmd.Must(ctx, conn, "apt_repository: mkdir", "mkdir -p -- "+transport.Quote(parentDir(n))); err != nil {
				return err
			}
		}
		if _, err := remotefile.Write(ctx, conn, remotefile.WriteOpts{Dest: n, Content: []byte(content), Current: st, Attrs: attrs}); err != nil {
			return fmt.Errorf("apt_repository: write %s: %w", n, err)
		}
	}
	return nil
}

func parentDir(p string) string {
	if i := strings.LastIndex(p, "/"); i > 0 {
		return p[:i]
	}
	return "/"
}

// restoreSources puts the files back as they were (best effort).
func restoreSources(ctx context.Context, conn transport.Conn, names []string, original map[string]string, existed map[string]bool) {
	for _, n := range names {
		if !existed[n] {
			_, _ = hostcmd.Run(ctx, conn, "apt_repository: revert", "rm -f -- "+transport.Quote(n), transport.RunOpts{})
			continue
		}
		st, err := remotefile.Gather(ctx, conn, n, remotefile.GatherOpts{Follow: true})
		if err == nil {
			_, _ = remotefile.Write(ctx, conn, remotefile.WriteOpts{Dest: n, Content: []byte(original[n]), Current: st})
		}
	}
}

// updateCache runs apt-get update on the host with retries; msg holds the
// last failure's output.
func updateCache(ctx context.Context, conn transport.Conn, retries, maxDelay int) (string, error) {
	script := `n=0 tries=$1 max=$2
while :; do
  out=$(apt-get update -q --error-on=any 2>&1) && exit 0
  n=$((n+1)); [ "$n" -ge "$tries" ] && { printf '%s' "$out"; exit 1; }
  d=$((1 << (n-1))); [ "$d" -gt "$max" ] && d=$max
  sleep "$d"
done`
	if retries < 1 {
		retries = 1
	}
	out, err := hostcmd.Run(ctx, conn, "apt_repository: update cache", transport.QuoteArgs([]string{"sh", "-c", script, "sh", strconv.Itoa(retries), strconv.Itoa(maxDelay)}), transport.RunOpts{Env: map[string]string{"LC_ALL": "C", "DEBIAN_FRONTEND": "noninteractive"}})
	if err != nil {
		return "", err
	}
	if out.RC != 0 {
		msg := strings.TrimSpace(out.Stdout)
		if msg == "" {
			msg = "unknown reason"
		}
		return msg, nil
	}
	return "", nil
}
