package pacemaker

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// generatedIDs are the elements whose id attribute tools generate; two
// configurations that differ only in those ids are the same.
var generatedIDs = map[string]bool{
	"nvpair": true, "instance_attributes": true, "meta_attributes": true,
	"operations": true, "op": true, "utilization": true,
}

// attributeSets are the name/value sets; an empty one means the same as
// none (crm_resource --restart, for one, leaves an empty meta_attributes
// behind when it removes the target-role it set).
var attributeSets = map[string]bool{"instance_attributes": true, "meta_attributes": true, "utilization": true}

// durationAttrs are op attributes holding a duration, compared in
// milliseconds ("10s", "10" and "10000ms" are equal).
var durationAttrs = map[string]bool{"interval": true, "timeout": true, "start-delay": true}

// Canonical renders n as a normalised string for semantic comparison:
// generated ids dropped, attributes sorted, durations in milliseconds,
// roles in their current names, name/value pairs and operations sorted,
// empty attribute sets left out.
// Element order elsewhere (group members) is kept: it is meaningful.
func Canonical(n *Node) string {
	var b strings.Builder
	canon(&b, n, 0)
	return b.String()
}

func canon(b *strings.Builder, n *Node, depth int) {
	type kv struct{ k, v string }
	var attrs []kv
	for _, a := range n.Attrs {
		k, v := a.Name.Local, a.Value
		if k == "id" && generatedIDs[n.Name()] {
			continue
		}
		if n.Name() == "op" && durationAttrs[k] {
			v = normDuration(v)
		}
		if strings.HasSuffix(k, "role") {
			v = normRole(v)
		}
		attrs = append(attrs, kv{k, v})
	}
	slices.SortFunc(attrs, func(a, b kv) int { return cmp.Compare(a.k, b.k) })
	b.WriteString(strings.Repeat(" ", depth) + n.Name())
	for _, a := range attrs {
		fmt.Fprintf(b, " %s=%q", a.k, a.v)
	}
	b.WriteString("\n")
	kids := make([]string, 0, len(n.Nodes))
	for _, c := range n.Nodes {
		if attributeSets[c.Name()] && len(c.Nodes) == 0 {
			continue
		}
		var cb strings.Builder
		canon(&cb, c, depth+1)
		kids = append(kids, cb.String())
	}
	switch n.Name() {
	case "instance_attributes", "meta_attributes", "utilization", "operations", "crm_config", "cluster_property_set":
		slices.Sort(kids)
	}
	for _, k := range kids {
		b.WriteString(k)
	}
}

var durationRE = regexp.MustCompile(`^\s*(\d+)\s*(ms|msec|us|usec|s|sec|m|min|h|hr)?\s*$`)

// normDuration turns a Pacemaker duration into milliseconds; text it does
// not understand is returned as it is.
func normDuration(s string) string {
	m := durationRE.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	v, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return s
	}
	switch m[2] {
	case "ms", "msec":
	case "us", "usec":
		v /= 1000
	case "m", "min":
		v *= 60000
	case "h", "hr":
		v *= 3600000
	default:
		v *= 1000
	}
	return strconv.FormatInt(v, 10) + "ms"
}

// normRole maps the legacy role names to the current ones.
func normRole(s string) string {
	switch strings.ToLower(s) {
	case "master", "promoted":
		return "Promoted"
	case "slave", "unpromoted":
		return "Unpromoted"
	case "started":
		return "Started"
	case "stopped":
		return "Stopped"
	}
	return s
}
