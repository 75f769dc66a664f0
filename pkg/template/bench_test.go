package template

import (
	"fmt"
	"testing"
)

// BenchmarkRenderSimple is a typical task argument.
func BenchmarkRenderSimple(b *testing.B) {
	e := New()
	vars := map[string]any{"app_dir": "/srv/app", "app_user": "www-data", "release": "1.2.3"}
	for b.Loop() {
		if _, err := e.Render("arg", "{{ app_dir }}/releases/{{ release }}", vars); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderNoMarkup is the fast path: a string without Jinja.
func BenchmarkRenderNoMarkup(b *testing.B) {
	e := New()
	for b.Loop() {
		if _, err := e.Render("arg", "/etc/haproxy/haproxy.cfg", nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderHaproxyCfg(b *testing.B) {
	e := New()
	tpl, vars, _ := loadGolden(b, "haproxy.cfg")
	for b.Loop() {
		if _, err := e.Render("haproxy.cfg.j2", tpl, vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalCondition(b *testing.B) {
	e := New()
	vars := map[string]any{"result": map[string]any{"rc": 0, "stdout": "active"}, "enabled": true}
	for b.Loop() {
		if _, err := e.Truth("enabled and result.rc == 0 and 'active' in result.stdout", vars); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHostsFile500 renders /etc/hosts for 500 hosts with 50 vars
// each, some of them lazy templates.
func BenchmarkHostsFile500(b *testing.B) {
	e := New()
	hostvars := map[string]any{}
	var all []any
	for i := range 500 {
		name := fmt.Sprintf("node%03d", i)
		hv := map[string]any{"ansible_host": fmt.Sprintf("10.0.%d.%d", i/256, i%256), "fqdn": "{{ inventory_hostname }}.lab"}
		for j := range 48 {
			hv[fmt.Sprintf("var%02d", j)] = j
		}
		hostvars[name] = hv
		all = append(all, name)
	}
	vars := map[string]any{"hostvars": hostvars, "groups": map[string]any{"all": all}, "inventory_hostname": "node000"}
	tpl := "{% for h in groups['all'] %}{{ hostvars[h].ansible_host }} {{ h }}\n{% endfor %}"
	for b.Loop() {
		if _, err := e.Render("hosts.j2", tpl, vars); err != nil {
			b.Fatal(err)
		}
	}
}
