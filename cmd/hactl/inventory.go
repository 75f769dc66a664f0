package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/hactl/hactl/pkg/inventory"
	"github.com/hactl/hactl/pkg/pyjson"
	"github.com/hactl/hactl/pkg/yamlx"
)

// defaultInventory is where Ansible looks when no -i is given.
const defaultInventory = "/etc/ansible/hosts"

type inventoryFlags struct {
	sources     []string
	list        bool
	graph       bool
	host        string
	limit       string
	yaml        bool
	showVars    bool
	export      bool
	playbookDir string
}

func newInventoryCmd() *cobra.Command {
	var f inventoryFlags
	cmd := &cobra.Command{
		Use:   "inventory -i INVENTORY (--list | --graph [GROUP] | --host HOST)",
		Short: "Show an inventory as hactl sees it (like ansible-inventory)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInventory(cmd, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&f.sources, "inventory", "i", nil, "inventory file, directory or host list (repeatable; default "+defaultInventory+")")
	fl.BoolVar(&f.list, "list", false, "print all groups and host variables as JSON (or YAML with --yaml)")
	fl.BoolVar(&f.graph, "graph", false, "print the group tree, from GROUP (default all)")
	fl.StringVar(&f.host, "host", "", "print the variables of one host")
	fl.StringVarP(&f.limit, "limit", "l", "", "restrict to hosts matching this pattern")
	fl.BoolVarP(&f.yaml, "yaml", "y", false, "print YAML instead of JSON")
	fl.BoolVar(&f.showVars, "vars", false, "with --graph, show variables")
	fl.BoolVar(&f.export, "export", false, "with --list, show group variables on groups and only a host's own variables")
	fl.StringVar(&f.playbookDir, "playbook-dir", "", "also load group_vars/ and host_vars/ from this directory")
	return cmd
}

func runInventory(cmd *cobra.Command, f inventoryFlags, args []string) error {
	modes := 0
	for _, on := range []bool{f.list, f.graph, f.host != ""} {
		if on {
			modes++
		}
	}
	if modes != 1 {
		return exitf(5, "give exactly one of --list, --graph or --host")
	}
	if len(args) > 0 && !f.graph {
		return exitf(5, "a GROUP argument is only valid with --graph")
	}
	sources := f.sources
	warn := func(msg string) { fmt.Fprintln(cmd.ErrOrStderr(), "[WARNING]:", msg) }
	if len(sources) == 0 {
		sources = []string{defaultInventory}
		if _, err := os.Stat(defaultInventory); errors.Is(err, fs.ErrNotExist) {
			warn("no inventory was parsed (" + defaultInventory + " does not exist), only the implicit localhost is available")
			sources = nil
		}
	}
	inv, err := inventory.Load(sources, inventory.Options{Warn: warn})
	if err != nil {
		return exitf(4, "%v", err)
	}
	if f.playbookDir != "" {
		if err := inv.LoadPlaybookVars(f.playbookDir); err != nil {
			return exitf(4, "%v", err)
		}
	}
	view := &invView{inv: inv, export: f.export}
	hosts, err := inv.SelectLimited("all", f.limit)
	if err != nil {
		return exitf(5, "%v", err)
	}
	view.available = map[string]bool{}
	for _, h := range hosts {
		view.available[h.Name] = true
	}
	out := cmd.OutOrStdout()
	switch {
	case f.host != "":
		hs, err := inv.SelectLimited(f.host, f.limit)
		if err != nil {
			return exitf(5, "%v", err)
		}
		if len(hs) != 1 {
			return exitf(5, "you must pass a single valid host to --host parameter")
		}
		return dumpInventory(out, view.hostVars(hs[0].Name), f.yaml)
	case f.graph:
		group := "all"
		if len(args) == 1 {
			group = args[0]
		}
		g, ok := inv.Group(group)
		if !ok {
			return exitf(5, "pattern must be a valid group name when using --graph: %s", group)
		}
		var lines []string
		view.graph(g, 0, f.showVars, &lines)
		_, err := fmt.Fprintln(out, strings.Join(lines, "\n"))
		return err
	case f.yaml:
		all, _ := inv.Group("all")
		return dumpInventory(out, view.yamlGroup(all, map[string]bool{}), true)
	default:
		all, _ := inv.Group("all")
		res := map[string]any{}
		view.jsonGroup(all, map[string]bool{}, res)
		hv := map[string]any{}
		for _, h := range hosts {
			if v := view.hostVars(h.Name); len(v) > 0 {
				hv[h.Name] = v
			}
		}
		res["_meta"] = map[string]any{"hostvars": hv}
		return dumpInventory(out, res, false)
	}
}

// invView renders an inventory in ansible-inventory's shapes.
type invView struct {
	inv       *inventory.Inventory
	export    bool
	available map[string]bool // hosts left by --limit
}

func (v *invView) hostVars(name string) map[string]any {
	if v.export {
		return v.inv.HostOwnVars(name)
	}
	return v.inv.HostVars(name)
}

func (v *invView) groupVars(g *inventory.Group) map[string]any {
	vars := v.inv.GroupVars(g.Name)
	if g.Priority != 1 {
		vars["ansible_group_priority"] = g.Priority
	}
	return vars
}

func (v *invView) groupHosts(g *inventory.Group) []string {
	var out []string
	for _, h := range g.Hosts {
		if v.available[h] {
			out = append(out, h)
		}
	}
	return out
}

// jsonGroup adds g and its descendants to res as --list does; empty groups
// are left out (but still named as children).
func (v *invView) jsonGroup(g *inventory.Group, seen map[string]bool, res map[string]any) {
	entry := map[string]any{}
	if g.Name != "all" {
		if hs := v.groupHosts(g); len(hs) > 0 {
			entry["hosts"] = toAnyList(hs)
		}
	}
	if len(g.Children) > 0 {
		entry["children"] = toAnyList(g.Children)
	}
	if v.export {
		if vars := v.groupVars(g); len(vars) > 0 {
			entry["vars"] = vars
		}
	}
	if len(entry) > 0 {
		res[g.Name] = entry
	}
	for _, c := range g.Children {
		if seen[c] {
			continue
		}
		seen[c] = true
		if cg, ok := v.inv.Group(c); ok {
			v.jsonGroup(cg, seen, res)
		}
	}
}

// yamlGroup renders g as --list --yaml does: nested children, hosts with
// their variables the first time each host appears.
func (v *invView) yamlGroup(g *inventory.Group, seenHosts map[string]bool) map[string]any {
	entry := map[string]any{}
	children := map[string]any{}
	for _, c := range g.Children {
		if cg, ok := v.inv.Group(c); ok && c != "all" {
			for k, x := range v.yamlGroup(cg, seenHosts) {
				children[k] = x
			}
		}
	}
	if len(children) > 0 {
		entry["children"] = children
	}
	if g.Name != "all" {
		hosts := map[string]any{}
		for _, h := range v.groupHosts(g) {
			vars := map[string]any{}
			if !seenHosts[h] {
				seenHosts[h] = true
				vars = v.hostVars(h)
			}
			hosts[h] = vars
		}
		if len(hosts) > 0 {
			entry["hosts"] = hosts
		}
	}
	if v.export {
		if vars := v.groupVars(g); len(vars) > 0 {
			entry["vars"] = vars
		}
	}
	return map[string]any{g.Name: entry}
}

// graph appends the --graph lines for g.
func (v *invView) graph(g *inventory.Group, depth int, showVars bool, lines *[]string) {
	*lines = append(*lines, graphLine("@"+g.Name+":", depth))
	for _, c := range g.Children {
		if cg, ok := v.inv.Group(c); ok {
			v.graph(cg, depth+1, showVars, lines)
		}
	}
	if g.Name != "all" {
		for _, h := range v.groupHosts(g) {
			*lines = append(*lines, graphLine(h, depth+1))
			if showVars {
				*lines = append(*lines, varLines(v.hostVars(h), depth+2)...)
			}
		}
	}
	if showVars {
		*lines = append(*lines, varLines(v.groupVars(g), depth+1)...)
	}
}

func graphLine(name string, depth int) string {
	if depth == 0 {
		return name
	}
	return strings.Repeat("  |", depth) + "--" + name
}

func varLines(vars map[string]any, depth int) []string {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, graphLine("{"+k+" = "+pyStr(vars[k])+"}", depth))
	}
	return out
}

func toAnyList(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// dumpInventory prints v as ansible-inventory does: JSON with sorted keys
// and an indent of 4, or YAML.
func dumpInventory(w io.Writer, v any, asYAML bool) error {
	if asYAML {
		var b strings.Builder
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(plainValue(v)); err != nil {
			return fmt.Errorf("encoding YAML: %w", err)
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	_, err := io.WriteString(w, pyjson.MustString(markUnsafe(v), pyjson.Indent4)+"\n")
	return err
}

// plainValue prepares v for the YAML encoder: yamlx.Unsafe strings become
// strings and floats keep their decimal point (1.0, not 1).
func plainValue(v any) any {
	switch x := v.(type) {
	case yamlx.Unsafe:
		return string(x)
	case float64:
		if !math.IsInf(x, 0) && !math.IsNaN(x) {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: pyjson.FormatFloat(x)}
		}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plainValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plainValue(e)
		}
		return out
	}
	return v
}

// markUnsafe marks unsafe strings the way ansible-inventory writes them
// ({"__ansible_unsafe": "..."}).
func markUnsafe(v any) any {
	switch x := v.(type) {
	case yamlx.Unsafe:
		return map[string]any{"__ansible_unsafe": string(x)}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = markUnsafe(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = markUnsafe(e)
		}
		return out
	}
	return v
}

// pyStr formats a value as Python's str() does, for --graph --vars.
func pyStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case yamlx.Unsafe:
		return string(x)
	}
	return pyRepr(v)
}

func pyRepr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case float64:
		switch {
		case math.IsNaN(x):
			return "nan"
		case math.IsInf(x, 1):
			return "inf"
		case math.IsInf(x, -1):
			return "-inf"
		}
		return pyjson.FormatFloat(x)
	case string:
		return pyQuote(x)
	case yamlx.Unsafe:
		return pyQuote(string(x))
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyQuote(k) + ": " + pyRepr(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// pyQuote quotes a string as Python's repr does.
func pyQuote(s string) string { return pyjson.StrRepr(s) }
