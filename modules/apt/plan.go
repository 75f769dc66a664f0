package apt

import (
	"fmt"
	"path"
	"regexp"
)

// pkgSpec is one name argument: name, optional "=" or ">=" and version.
type pkgSpec struct {
	raw, name, cmp, version string
}

var specSplit = regexp.MustCompile(`>?=`)

// splitSpec splits "name=1.0" and "name>=1.0" like Ansible (at the first
// operator).
func splitSpec(s string) pkgSpec {
	loc := specSplit.FindStringIndex(s)
	if loc == nil {
		return pkgSpec{raw: s, name: s}
	}
	return pkgSpec{raw: s, name: s[:loc[0]], cmp: s[loc[0]:loc[1]], version: s[loc[1]:]}
}

// fnmatch matches a version against a shell pattern; a bad pattern matches
// only itself.
func fnmatch(pattern, v string) bool {
	ok, err := path.Match(pattern, v)
	if err != nil {
		return pattern == v
	}
	return ok
}

// status is Ansible's package_status: whether the package is installed,
// whether the installed version satisfies the spec, and the version that
// could be installed ("" none; "*" let apt choose, for virtual names).
type status struct {
	installed, versionOK, hasFiles bool
	installable                    string
}

func packageStatus(s pkgSpec, p *pkgState) status {
	if p.virtual && !p.installed {
		if len(p.providers) > 0 {
			return status{installed: true, versionOK: true}
		}
		return status{installable: "*"}
	}
	best := p.candidate
	if s.cmp == "=" {
		best = ""
		for _, v := range append([]string{p.candidate}, p.versions...) {
			if v != "" && fnmatch(s.version, v) && (best == "" || compareVersions(v, best) > 0) {
				best = v
			}
		}
	}
	st := status{installed: p.installed, hasFiles: p.hasFiles}
	if !p.installed {
		st.installable = best
		return st
	}
	switch s.cmp {
	case "=":
		st.versionOK = fnmatch(s.version, p.version)
		if best != "" && p.version != best && fnmatch(s.version, best) {
			st.installable = best
		}
	case ">=":
		st.versionOK = compareVersions(p.version, s.version) >= 0
		if best != "" && p.version != best && compareVersions(best, s.version) >= 0 {
			st.installable = best
		}
	default:
		st.versionOK = true
		if best != "" && p.version != best {
			st.installable = best
		}
	}
	return st
}

// change is one package the plan touches, for the diff.
type change struct {
	name, before, after string
}

// planInstall returns the apt-get install arguments for present, latest
// and fixed (upgrade is true for latest), or a failure message.
func planInstall(specs []pkgSpec, st hostState, upgrade, onlyUpgrade bool) ([]string, []change, string) {
	var args []string
	var changes []change
	for _, s := range specs {
		p := st.pkgs[s.name]
		if !p.known && !p.installed {
			return nil, nil, fmt.Sprintf("No package matching '%s' is available", s.name)
		}
		ps := packageStatus(s, p)
		if !ps.installed && onlyUpgrade {
			continue
		}
		if !ps.versionOK && ps.installable == "" {
			return nil, nil, fmt.Sprintf("no available installation candidate for %s", s.raw)
		}
		if ps.installable == "" || !((!ps.installed && !onlyUpgrade) || upgrade || !ps.versionOK) {
			continue
		}
		before := "absent"
		if p.installed {
			before = p.version
		}
		switch {
		case ps.installable != "*":
			args = append(args, s.name+"="+ps.installable)
			changes = append(changes, change{s.name, before, ps.installable})
		case s.version != "":
			args = append(args, s.name+"="+s.version)
			changes = append(changes, change{s.name, before, s.version})
		default:
			args = append(args, s.name)
			changes = append(changes, change{s.name, before, "installed"})
		}
	}
	return args, changes, ""
}

// planRemove returns the apt-get remove arguments for absent.
func planRemove(specs []pkgSpec, st hostState, purge bool) ([]string, []change) {
	var args []string
	var changes []change
	for _, s := range specs {
		p := st.pkgs[s.name]
		ps := packageStatus(s, p)
		if (ps.installed && ps.versionOK) || (ps.hasFiles && purge) {
			args = append(args, s.raw)
			before := p.version
			if !p.installed {
				before = "config-files"
			}
			changes = append(changes, change{s.name, before, "absent"})
		}
	}
	return args, changes
}
