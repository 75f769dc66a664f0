package lab

// This file reads inventories until pkg/inventory lands; it understands the
// subset lab directories use: INI host lines with key=value variables and
// YAML all/children/hosts trees. It is replaced by pkg/inventory.

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// inventoryHosts lists the hosts of the inventory file path.
func inventoryHosts(path string) ([]invHost, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	var hosts []invHost
	seen := map[string]int{}
	add := func(name string, vars map[string]string) {
		i, ok := seen[name]
		if !ok {
			i = len(hosts)
			seen[name] = i
			hosts = append(hosts, invHost{Name: name})
		}
		if a, err := netip.ParseAddr(vars["ansible_host"]); err == nil {
			hosts[i].AnsibleHost = a
		}
	}
	if strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".yaml") {
		var root map[string]any
		if err := yaml.Unmarshal(data, &root); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for _, g := range root {
			walkYAMLGroup(g, add)
		}
		return hosts, nil
	}
	section := ""
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
			continue
		}
		if strings.Contains(section, ":") { // :vars and :children
			continue
		}
		f := strings.Fields(line)
		vars := map[string]string{}
		for _, kv := range f[1:] {
			if k, v, ok := strings.Cut(kv, "="); ok {
				vars[k] = strings.Trim(v, `"'`)
			}
		}
		add(f[0], vars)
	}
	return hosts, nil
}

func walkYAMLGroup(g any, add func(string, map[string]string)) {
	m, ok := g.(map[string]any)
	if !ok {
		return
	}
	if hs, ok := m["hosts"].(map[string]any); ok {
		for name, hv := range hs {
			vars := map[string]string{}
			if vm, ok := hv.(map[string]any); ok {
				for k, v := range vm {
					vars[k] = fmt.Sprint(v)
				}
			}
			add(name, vars)
		}
	}
	if cs, ok := m["children"].(map[string]any); ok {
		for _, c := range cs {
			walkYAMLGroup(c, add)
		}
	}
}
