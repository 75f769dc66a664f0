package files

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// detectScript recognises the archive in variable s by its first bytes.
const detectScript = `[ -e "$s" ] || { echo @@nosrc; exit 0; }
{ [ -f "$s" ] && [ -r "$s" ]; } || { echo @@unreadable; exit 0; }
m=$(head -c 6 -- "$s" | od -An -tx1 | tr -d ' \n')
u=$(head -c 262 -- "$s" | tail -c 5)
case $m in
  504b0304*|504b0506*) f=zip ;;
  1f8b*) f=gz ;;
  425a68*) f=bz2 ;;
  fd377a585a00) f=xz ;;
  28b52ffd*) f=zst ;;
  *) if [ "$u" = ustar ]; then f=tar; else f=unknown; fi ;;
esac
printf '@@format %s\n' "$f"
`

// toolOf is the program each format needs besides tar.
var toolOf = map[string]string{"zip": "unzip", "gz": "gzip", "bz2": "bzip2", "xz": "xz", "zst": "zstd"}

// list recognises the archive and lists its members, in one command.
func (j *unarchiveJob) list(ctx context.Context, t *module.Target) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "s=%s\ne=%s\n%s", transport.Quote(j.archive), transport.Quote(path.Join(j.tmp, "err")), detectScript)
	b.WriteString("case $f in\n")
	for _, key := range slices.Sorted(maps.Keys(toolOf)) {
		tool := toolOf[key]
		fmt.Fprintf(&b, "  %s) command -v %s >/dev/null 2>&1 || { echo '@@missing %s'; exit 0; } ;;\n", key, tool, tool)
	}
	b.WriteString("  unknown) exit 0 ;;\nesac\n")
	b.WriteString("command -v zipinfo >/dev/null 2>&1 || [ $f != zip ] || { echo '@@missing zipinfo'; exit 0; }\n")
	b.WriteString("echo @@list\nif [ $f = zip ]; then TZ=UTC LC_ALL=C zipinfo -T \"$s\"" + quoteAll(j.includes) + " 2>\"$e\"\n")
	b.WriteString("else case $f in gz) z=-z ;; bz2) z=-j ;; xz) z=-J ;; zst) z=--zstd ;; *) z= ;; esac\n")
	b.WriteString("TZ=UTC LC_ALL=C tar -t -v --full-time --quoting-style=c $z -f \"$s\"" + j.tarOpts() + quoteAll(j.includes) + " 2>\"$e\"\nfi\n")
	b.WriteString("printf '\\n@@rc %s\\n' \"$?\"\nprintf '@@err %s\\n' \"$(head -c 4096 \"$e\" | base64 | tr -d '\\n')\"\n")
	res, err := t.Conn.Run(ctx, b.String(), transport.RunOpts{})
	if err != nil {
		return "", fmt.Errorf("list %s: %w", j.archive, err)
	}
	if res.RC != 0 {
		return "", fmt.Errorf("list %s: rc %d: %s", j.archive, res.RC, strings.TrimSpace(string(res.Stderr)))
	}
	out := string(res.Stdout)
	head, listing, _ := strings.Cut(out, "@@list\n")
	listing, tail, _ := strings.Cut(listing, "\n@@rc ")
	noHandler := fmt.Sprintf("Failed to find handler for \"%s\". Make sure the required command to extract the file is installed.", j.archive)
	for _, line := range strings.Split(head, "\n") {
		key, val, _ := strings.Cut(line, " ")
		switch key {
		case "@@nosrc":
			return fmt.Sprintf("Source '%s' does not exist", j.src), nil
		case "@@unreadable":
			return fmt.Sprintf("Source '%s' not readable", j.src), nil
		case "@@missing":
			return fmt.Sprintf("%s Unable to find required '%s' binary in the path.", noHandler, val), nil
		case "@@format":
			f, ok := archiveFormats[val]
			if !ok {
				return noHandler + " The file is neither a zip nor a tar archive (optionally gzip, bzip2, xz or zstd compressed).", nil
			}
			j.format = f
		}
	}
	rcText, errText, _ := strings.Cut(tail, "\n@@err ")
	if rc, _ := strconv.Atoi(strings.TrimSpace(rcText)); rc != 0 {
		msg, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(errText))
		return fmt.Sprintf("%s Listing the %s archive failed: %s", noHandler, j.format.key, strings.TrimSpace(string(msg))), nil
	}
	if j.format.key == "zip" {
		for _, e := range parseZipListing(listing) {
			if !matchesAny(j.excludes, e.raw) {
				j.entries = append(j.entries, e)
			}
		}
		return "", nil
	}
	j.entries, err = parseTarListing(listing)
	if err != nil {
		return "", fmt.Errorf("list %s: %w", j.archive, err)
	}
	return "", nil
}

// tarOpts are the options a listing shares with the extraction.
func (j *unarchiveJob) tarOpts() string {
	var b strings.Builder
	if len(j.opts) > 0 {
		b.WriteString(" --show-transformed-names" + quoteAll(j.opts))
	}
	for _, e := range j.excludes {
		b.WriteString(" " + transport.Quote("--exclude="+e))
	}
	return b.String()
}

// quoteAll quotes words for the shell, each preceded by a space.
func quoteAll(words []string) string {
	var b strings.Builder
	for _, w := range words {
		b.WriteString(" " + transport.Quote(w))
	}
	return b.String()
}

func matchesAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if fnmatch(p, name) {
			return true
		}
	}
	return false
}

// memberPaths are the destination paths of the members.
func (j *unarchiveJob) memberPaths() []string {
	paths := make([]string, len(j.entries))
	for i, e := range j.entries {
		paths[i] = path.Join(j.dest, e.name)
	}
	return paths
}

// firstDiff returns the first member not in place and why.
func (j *unarchiveJob) firstDiff(states []remotefile.State) (string, string) {
	o := compareOpts{checkMode: !j.attrs.Mode.IsSet() && j.uid == "0", keepNewer: j.keepNewer}
	for i, e := range j.entries {
		if why := memberDiff(e, states[i], o); why != "" {
			return e.raw, why
		}
	}
	return "", ""
}

// converge compares, extracts when a member is not in place, verifies,
// and applies mode/owner/group to every member.
func (j *unarchiveJob) converge(ctx context.Context, t *module.Target) (bool, error) {
	paths := j.memberPaths()
	if len(paths) == 0 {
		return false, nil
	}
	states, err := remotefile.GatherMany(ctx, t.Conn, paths, remotefile.GatherOpts{})
	if err != nil {
		return false, err
	}
	member, _ := j.firstDiff(states)
	if member != "" {
		if t.Check {
			return true, nil
		}
		if err := j.extract(ctx, t); err != nil {
			return true, err
		}
		if states, err = remotefile.GatherMany(ctx, t.Conn, paths, remotefile.GatherOpts{}); err != nil {
			return true, err
		}
		if m, w := j.firstDiff(states); m != "" {
			return true, fmt.Errorf("unpacked %s to %s, but %s is still not in place (%s)", j.archive, j.dest, m, w)
		}
	}
	changed := member != ""
	var script strings.Builder
	for i, st := range states {
		if !st.Exists {
			continue
		}
		plan, err := j.attrs.PlanAttrs(st)
		if err != nil {
			return changed, err
		}
		if plan.Empty() {
			continue
		}
		fmt.Fprintf(&script, "p=%s\n%s", transport.Quote(paths[i]), plan.Script("p", true))
	}
	if script.Len() == 0 {
		return changed, nil
	}
	if t.Check {
		return true, nil
	}
	res, err := t.Conn.Run(ctx, script.String(), transport.RunOpts{})
	if err != nil {
		return changed, fmt.Errorf("set attributes: %w", err)
	}
	if res.RC != 0 {
		return changed, fmt.Errorf("set attributes: %s", strings.TrimSpace(string(res.Stderr)))
	}
	return true, nil
}

// extract runs tar or unzip and records extract_results.
func (j *unarchiveJob) extract(ctx context.Context, t *module.Target) error {
	var cmd []string
	if j.format.key == "zip" {
		cmd = append([]string{"unzip", "-o"}, j.opts...)
		cmd = append(append(cmd, j.archive), j.includes...)
		if len(j.excludes) > 0 {
			cmd = append(append(cmd, "-x"), j.excludes...)
		}
		cmd = append(cmd, "-d", j.dest)
	} else {
		cmd = []string{"tar", "--extract", "-C", j.dest}
		if j.format.tarFlag != "" {
			cmd = append(cmd, j.format.tarFlag)
		}
		if len(j.opts) > 0 {
			cmd = append(append(cmd, "--show-transformed-names"), j.opts...)
		}
		if j.keepNewer {
			cmd = append(cmd, "--keep-newer-files")
		}
		for _, e := range j.excludes {
			cmd = append(cmd, "--exclude="+e)
		}
		cmd = append(append(cmd, "-f", j.archive), j.includes...)
	}
	line := "TZ=UTC LC_ALL=C " + transport.QuoteArgs(cmd)
	res, err := t.Conn.Run(ctx, line, transport.RunOpts{})
	if err != nil {
		return fmt.Errorf("unpack %s: %w", j.archive, err)
	}
	words := make([]any, len(cmd))
	for i, w := range cmd {
		words[i] = w
	}
	j.extraction = map[string]any{"cmd": words, "rc": res.RC, "out": string(res.Stdout), "err": string(res.Stderr)}
	if res.RC != 0 {
		return fmt.Errorf("failed to unpack %s to %s", j.archive, j.dest)
	}
	return nil
}
