package apt

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/transport"
)

// pkgState is what the host knows about one package name.
type pkgState struct {
	installed bool   // dpkg: install ok installed
	version   string // installed version
	hasFiles  bool   // installed or only configuration files left
	known     bool   // apt-cache knows the name (real or virtual)
	virtual   bool   // known, but no package of that name exists
	candidate string // the version apt would install
	versions  []string
	providers []string // installed packages providing the (virtual) name
}

// hostState is the gathered state.
type hostState struct {
	cacheTime   int64 // lists mtime after any update
	cacheBefore int64 // lists mtime before the update
	updateRC    int   // apt-get update status (-1: not run)
	updateErr   string
	now         int64 // the host's clock
	pkgs        map[string]*pkgState
}

// cacheMtime prints the lists' age reference, as Ansible reads it.
const cacheMtime = `if [ -e /var/lib/apt/periodic/update-success-stamp ]; then stat -c %Y /var/lib/apt/periodic/update-success-stamp; elif [ -e /var/lib/apt/lists ]; then stat -c %Y /var/lib/apt/lists; else echo 0; fi` + "\n"

// dpkgFormat is dpkg-query's output format: name, status, version,
// provides, tab-separated.
const dpkgFormat = `${Package}\t${Status}\t${Version}\t${Provides}\n`

// dpkgQuery is the command printing dpkg's view of names in dpkgFormat.
func dpkgQuery(names ...string) string {
	return fmt.Sprintf("dpkg-query -W -f='%s' -- %s 2>/dev/null", dpkgFormat, transport.QuoteArgs(names))
}

// updateScript refreshes the lists with retries when the cache is older
// than validTime seconds (0: always); it prints the update's status.
func updateScript(validTime, retries, maxDelay int) string {
	if retries < 1 {
		retries = 1
	}
	return fmt.Sprintf(`__m=$(%s)
if [ %d -gt 0 ] && [ $(( __m + %d )) -ge "$(date +%%s)" ]; then echo skipped; else
__d=1; __i=0
while :; do
  __err=$(apt-get update -q --error-on=any 2>&1 >/dev/null) && { echo rc=0; break; }
  __i=$((__i+1))
  if [ $__i -ge %d ]; then printf 'rc=1 %%s\n' "$(printf '%%s' "$__err" | tr '\n' ' ')"; break; fi
  sleep $__d; __d=$((__d*2)); [ $__d -gt %d ] && __d=%d
done
fi
`, strings.TrimSpace(cacheMtime), validTime, validTime, retries, maxDelay, maxDelay)
}

// gatherScript reads the cache time, runs the update when asked, then reads
// dpkg's and apt's view of every name. Sections are separated by marker.
func gatherScript(marker string, names []string, update string, release string) string {
	var b strings.Builder
	b.WriteString(cacheMtime)
	fmt.Fprintf(&b, "echo %s\n", marker)
	b.WriteString(update)
	fmt.Fprintf(&b, "echo %s\n", marker)
	fmt.Fprintf(&b, "echo \"$(%s) $(date +%%s)\"\n", strings.TrimSpace(cacheMtime))
	fmt.Fprintf(&b, "echo %s\n", marker)
	if len(names) > 0 {
		b.WriteString(dpkgQuery(names...) + "\n")
	}
	fmt.Fprintf(&b, "echo %s\n", marker)
	fmt.Fprintf(&b, "dpkg-query -W -f='${Status}\\t${Package}\\t${Provides}\\n' 2>/dev/null | grep '^install ok installed\t[^\t]*\t.' | cut -f2,3\n")
	rel := ""
	if release != "" {
		rel = " -o APT::Default-Release=" + transport.Quote(release)
	}
	for _, n := range names {
		fmt.Fprintf(&b, "echo %s\n", marker)
		fmt.Fprintf(&b, "apt-cache%s show --no-all-versions -- %s 2>/dev/null; echo \"rc=$?\"\n", rel, transport.Quote(n))
		fmt.Fprintf(&b, "echo %s\n", marker)
		fmt.Fprintf(&b, "apt-cache%s show -- %s 2>/dev/null | sed -n 's/^Version: //p'\n", rel, transport.Quote(n))
	}
	return b.String()
}

// parseGather reads gatherScript's output.
func parseGather(out, marker string, names []string) (hostState, error) {
	secs := hostcmd.Sections(out, marker)
	if len(secs) != 5+2*len(names) {
		return hostState{}, fmt.Errorf("apt: unexpected output from the state script (%d sections): %q", len(secs), out)
	}
	st := hostState{pkgs: map[string]*pkgState{}, updateRC: -1}
	st.cacheBefore, _ = strconv.ParseInt(strings.TrimSpace(secs[0]), 10, 64)
	upd := strings.TrimSpace(secs[1])
	switch {
	case upd == "rc=0":
		st.updateRC = 0
	case strings.HasPrefix(upd, "rc="):
		st.updateRC = 1
		_, st.updateErr, _ = strings.Cut(upd, " ")
	}
	if f := strings.Fields(secs[2]); len(f) == 2 {
		st.cacheTime, _ = strconv.ParseInt(f[0], 10, 64)
		st.now, _ = strconv.ParseInt(f[1], 10, 64)
	}
	for _, n := range names {
		st.pkgs[n] = &pkgState{}
	}
	for l := range strings.SplitSeq(secs[3], "\n") {
		f := strings.Split(l, "\t")
		if len(f) < 3 {
			continue
		}
		p, ok := lookup(st.pkgs, f[0])
		if !ok {
			continue
		}
		status := strings.Fields(f[1])
		if len(status) == 3 {
			p.installed = status[2] == "installed"
			p.hasFiles = status[2] != "not-installed"
			if p.installed {
				p.version = f[2]
			}
		}
	}
	providers := map[string][]string{}
	for l := range strings.SplitSeq(secs[4], "\n") {
		pkg, prov, ok := strings.Cut(l, "\t")
		if !ok {
			continue
		}
		for v := range strings.SplitSeq(prov, ",") {
			name, _, _ := strings.Cut(strings.TrimSpace(v), " ")
			providers[name] = append(providers[name], pkg)
		}
	}
	for i, n := range names {
		p := st.pkgs[n]
		cand := secs[5+2*i]
		rcAt := strings.LastIndex(strings.TrimRight(cand, "\n"), "rc=")
		rc := strings.TrimSpace(cand[rcAt+3:])
		record := cand[:max(rcAt, 0)]
		p.known = rc == "0"
		p.candidate = field(record, "Version")
		p.virtual = p.known && field(record, "Package") == ""
		for v := range strings.SplitSeq(secs[6+2*i], "\n") {
			if v = strings.TrimSpace(v); v != "" {
				p.versions = append(p.versions, v)
			}
		}
		p.providers = providers[baseName(n)]
	}
	return st, nil
}

// lookup finds a package by dpkg's name, which lacks the :arch a user may
// give.
func lookup(m map[string]*pkgState, dpkgName string) (*pkgState, bool) {
	if p, ok := m[dpkgName]; ok {
		return p, true
	}
	for n, p := range m {
		if baseName(n) == dpkgName {
			return p, true
		}
	}
	return nil, false
}

// baseName strips an :arch qualifier.
func baseName(n string) string {
	b, _, _ := strings.Cut(n, ":")
	return b
}

// field returns the first value of a deb822 field in text.
func field(text, key string) string {
	for l := range strings.SplitSeq(text, "\n") {
		if v, ok := strings.CutPrefix(l, key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
