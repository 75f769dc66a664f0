package template_test

import (
	"fmt"

	"github.com/hactl/hactl/pkg/template"
)

func ExampleEngine_Render() {
	e := template.New()
	vars := map[string]any{
		"backends": []any{"10.0.0.1", "10.0.0.2"},
		"port":     8080,
		"url":      "http://{{ backends | first }}:{{ port }}", // rendered when used
	}
	out, err := e.Render("upstream.conf.j2", `upstream app {
{% for b in backends %}
    server {{ b }}:{{ port }};
{% endfor %}
}
# health: {{ url }}/health
`, vars)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(out)
	// Output:
	// upstream app {
	//     server 10.0.0.1:8080;
	//     server 10.0.0.2:8080;
	// }
	// # health: http://10.0.0.1:8080/health
}

func ExampleEngine_Render_undefined() {
	_, err := template.New().Render("site.j2", "line 1\n{{ sever_name }}\n", map[string]any{"server_name": "web"})
	fmt.Println(err)
	// Output:
	// site.j2:2:4: 'sever_name' is undefined
}

func ExampleEngine_Eval() {
	e := template.New()
	v, err := e.Eval("users | selectattr('admin') | map(attribute='name') | list", map[string]any{
		"users": []any{
			map[string]any{"name": "alice", "admin": true},
			map[string]any{"name": "bob", "admin": false},
		},
	})
	fmt.Println(v, err)
	// Output:
	// [alice] <nil>
}

func ExampleEngine_Truth() {
	e := template.New()
	vars := map[string]any{"result": map[string]any{"rc": 0, "stdout": "active"}}
	ok, err := e.Truth("result.rc == 0 and 'active' in result.stdout", vars)
	fmt.Println(ok, err)
	ok, err = e.Truth("result is failed", vars)
	fmt.Println(ok, err)
	// Output:
	// true <nil>
	// false <nil>
}

func ExampleEngine_Template() {
	e := template.New()
	args := map[string]any{
		"name":  "{{ pkg }}",
		"state": "present",
		"ports": "{{ [port, port + 1] }}", // one expression: a real list
		"msg":   "installing {{ pkg }}",
	}
	out, err := e.Template(args, map[string]any{"pkg": "haproxy", "port": 80})
	fmt.Printf("%#v %v\n", out.(map[string]any)["ports"], err)
	fmt.Println(out.(map[string]any)["msg"])
	// Output:
	// []interface {}{80, 81} <nil>
	// installing haproxy
}
