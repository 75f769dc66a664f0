// Package template renders Jinja2 templates and evaluates Jinja2
// expressions the way Ansible does, on top of gonja v2.
//
// One Engine serves a whole run: it is safe for concurrent use and caches
// parsed templates by their text, so rendering a task argument costs
// microseconds and a string without markup costs nothing.
//
//   - Render renders a template file or string to text.
//   - Eval evaluates a bare expression ("x | default(3)") to Go data.
//   - Truth evaluates a conditional (when:, changed_when:, until:).
//   - Template walks data (task arguments): a string that is exactly one
//     "{{ expr }}" yields the expression's value (list, dict, int, bool),
//     other strings render to strings.
//
// Ansible's settings are used: trim_blocks on, lstrip_blocks off, the
// trailing newline kept, None printed as an empty string, and undefined
// variables, attributes and keys are errors ("'foo' is undefined") naming
// the template, line and column — while "is defined", "default()" and
// "mandatory" still see them as undefined.
//
// Variables are lazy, as in Ansible: a variable whose value is a string
// holding Jinja is rendered when a template reads it, with the same
// variables, at most once per call, also inside dicts and lists and through
// hostvars[h].x. A variable that renders itself (a: "{{ b }}", b: "{{ a }}")
// is reported as a recursive loop. Values of named string types, such as
// yamlx.Unsafe (YAML's !unsafe), are never rendered. A dict is exposed to
// templates as a view whose entries are rendered when read; a Mapping lets
// a caller compute entries (hostvars) only when they are read.
//
// Go maps have no order: dicts are iterated in sorted key order (bytewise
// for filters such as dict2items, to_json and dictsort ties; gonja's own
// "for k in d" sorts case-insensitively). Python keeps insertion order, so
// a template iterating a dict whose keys were not written sorted can order
// lines differently from Ansible; dictsort gives the same result in both.
//
// Filters and tests follow Ansible 2.14 (core, mathstuff, urls plugins) and
// Jinja2 3.1, and are checked against them (testdata/reference.py). Known
// differences from Jinja2, all from gonja's parser: keyword arguments to
// tests ("is regex('x', ignorecase=true)") are not parsed (pass them
// positionally) and "**" yields a float. String literals keep Python's
// escapes ('\d' stays a backslash and a d, '\\' may end a string):
// escapes.go rewrites them for gonja. A conditional expression may stand
// anywhere ("default('a' if x else 'b')", "(a if x else b) | int"), not only
// as a whole {{ }}: inlineif.go rewrites it so that only the branch taken
// is evaluated, as in Jinja2. random and shuffle are deterministic
// for a seed but do not reproduce Python's sequence.
//
// A template rendered from a file (Render's name is its path) may
// {% include %}, {% import %} or {% extends %} templates from the same
// directory; such a template sees every variable. lookup('env'|'file'|
// 'template'|'vars'|'first_found'|'list'|'items') are built in and search
// role_path and playbook_dir like Ansible; WithLookup adds plugins.
package template
