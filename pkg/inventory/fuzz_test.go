package inventory

import (
	"testing"
)

// FuzzParseINI checks that no INI input makes the parser panic or loop;
// its seed corpus runs with every "go test".
func FuzzParseINI(f *testing.F) {
	for _, s := range []string{
		sampleINI,
		"[a:children]\nb\n[b:children]\na\n[a]\n[b]\n",
		"h x='unterminated\n",
		"web[01:1000000]\n",
		"web[1:2:0]\n[g:vars]\nx={'a': [1, (2,), {3}]}\n",
		"[g]\n[fe80::1]:22 a=\"\\x\"\n",
		"\xff\xfe[g]\n",
		"[g:vars]\nansible_group_priority=x\n",
		"h a=[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]\n",
		"a]b[c:d\n",
		"h a=b'\\N{DASH}' c=r'\\'\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inv := newInventory(Options{})
		inv.rangeLimit = 1000
		if err := inv.parseINI(data, "fuzz.ini"); err != nil {
			return
		}
		inv.reconcile()
		for _, h := range inv.Hosts() {
			_ = inv.HostVars(h.Name)
			_ = inv.GroupNames(h.Name)
		}
		_, _ = inv.Select("all:!ungrouped")
		_ = inv.GroupsMap()
	})
}

// FuzzParseYAMLInventory does the same for YAML inventories.
func FuzzParseYAMLInventory(f *testing.F) {
	for _, s := range []string{
		sampleYAML,
		"a: &x {children: {b: *x}}\n",
		"web:\n  hosts:\n    h[1:3]: {<<: [{a: 1}, {b: 2}]}\n",
		"web: {children: {web: }}\n",
		"g: {vars: {x: !vault 'a'}}\n",
		"- a\n",
		"plugin: x\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inv := newInventory(Options{})
		inv.rangeLimit = 1000
		if err := inv.parseYAMLInventory(data, "fuzz.yml", true); err != nil {
			return
		}
		inv.reconcile()
		for _, h := range inv.Hosts() {
			_ = inv.HostVars(h.Name)
		}
		_, _ = inv.Select("*")
	})
}

// FuzzSelect checks that no host pattern makes Select panic.
func FuzzSelect(f *testing.F) {
	for _, s := range []string{"all", "web[0]", "a:&b:!c", "~(", "[[]x]", "g[-1]", "g[1:]", ",", "!", "&", "@"} {
		f.Add(s)
	}
	inv := newInventory(Options{})
	if err := inv.parseINI([]byte(sampleINI), "hosts"); err != nil {
		f.Fatal(err)
	}
	inv.reconcile()
	f.Fuzz(func(t *testing.T, pattern string) {
		_, _ = inv.Query(pattern, "")
	})
}
