package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hactl/hactl/pkg/inventory"
	"github.com/hactl/hactl/pkg/runner"
	"github.com/hactl/hactl/pkg/template"
)

type templateFlags struct {
	extraVars []string
	sources   []string
	limit     string
}

func newTemplateCmd() *cobra.Command {
	var f templateFlags
	cmd := &cobra.Command{
		Use:   "template FILE [-e VARS]… [-i INVENTORY -l HOST]",
		Short: "Render a Jinja2 template as hactl (and Ansible) would, to stdout",
		Long: "Render FILE (\"-\" for stdin) with Ansible's Jinja2 settings and filters.\n" +
			"Variables come from -e (k=v, YAML/JSON, or @file) and, with -i, from the\n" +
			"inventory for the host chosen by -l (hostvars, groups, group_names and\n" +
			"inventory_hostname are set). -e wins over the inventory.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTemplate(cmd, f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&f.extraVars, "extra-vars", "e", nil, "variables: k=v, YAML/JSON, or @file (repeatable)")
	fl.StringArrayVarP(&f.sources, "inventory", "i", nil, "inventory file, directory or host list (repeatable)")
	fl.StringVarP(&f.limit, "limit", "l", "", "the inventory host to render for")
	return cmd
}

func runTemplate(cmd *cobra.Command, f templateFlags, file string) error {
	src, err := readTemplate(cmd.InOrStdin(), file)
	if err != nil {
		return exitf(1, "%v", err)
	}
	vars := map[string]any{}
	if len(f.sources) > 0 {
		if vars, err = inventoryVars(cmd, f); err != nil {
			return err
		}
	} else if f.limit != "" {
		return exitf(5, "-l needs an inventory (-i)")
	}
	extra, err := runner.ParseExtraVars(f.extraVars)
	if err != nil {
		return exitf(5, "%v", err)
	}
	for k, v := range extra {
		vars[k] = v
	}
	out, err := template.New().Render(file, src, vars)
	if err != nil {
		return exitf(1, "%v", err)
	}
	_, err = io.WriteString(cmd.OutOrStdout(), out)
	return err
}

func readTemplate(stdin io.Reader, file string) (string, error) {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return "", fmt.Errorf("reading template: %w", err)
	}
	return string(data), nil
}

// inventoryVars loads the inventory and returns the variables of the one
// host -l selects, with Ansible's magic variables.
func inventoryVars(cmd *cobra.Command, f templateFlags) (map[string]any, error) {
	warn := func(msg string) { fmt.Fprintln(cmd.ErrOrStderr(), "[WARNING]:", msg) }
	inv, err := inventory.Load(f.sources, inventory.Options{Warn: warn})
	if err != nil {
		return nil, exitf(1, "%v", err)
	}
	pattern := f.limit
	if pattern == "" {
		pattern = "all"
	}
	hosts, err := inv.Select(pattern)
	if err != nil {
		return nil, exitf(5, "%v", err)
	}
	if len(hosts) != 1 {
		names := make([]string, 0, len(hosts))
		for _, h := range hosts {
			names = append(names, h.Name)
		}
		return nil, exitf(5, "-l must select exactly one host, %q selects %d: %s", pattern, len(hosts), strings.Join(names, ", "))
	}
	hv := &hostVars{inv: inv}
	host := hosts[0].Name
	vars, _ := hv.Lookup(host)
	m := vars.(map[string]any)
	m["hostvars"] = hv
	groups := map[string]any{}
	for g, members := range inv.GroupsMap() {
		l := make([]any, len(members))
		for i, h := range members {
			l[i] = h
		}
		groups[g] = l
	}
	m["groups"] = groups
	return m, nil
}

// hostVars is the inventory's hostvars as a template.Mapping: a host's
// variables are merged only when a template reads them.
type hostVars struct{ inv *inventory.Inventory }

// Keys implements template.Mapping.
func (h *hostVars) Keys() []string {
	hosts := h.inv.Hosts()
	names := make([]string, len(hosts))
	for i, host := range hosts {
		names[i] = host.Name
	}
	return names
}

// Lookup implements template.Mapping.
func (h *hostVars) Lookup(name string) (any, bool) {
	if _, ok := h.inv.Host(name); !ok {
		return nil, false
	}
	vars := h.inv.HostVars(name)
	if vars == nil {
		vars = map[string]any{}
	}
	vars["inventory_hostname"] = name
	vars["inventory_hostname_short"], _, _ = strings.Cut(name, ".")
	groupNames := []any{}
	for _, g := range h.inv.GroupNames(name) {
		groupNames = append(groupNames, g)
	}
	vars["group_names"] = groupNames
	return vars, true
}
