package inventory_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hactl/hactl/pkg/inventory"
)

// exampleDir writes a small inventory with group_vars/ and returns its
// directory; the caller removes it.
func exampleDir() string {
	dir, err := os.MkdirTemp("", "inventory-example")
	if err != nil {
		panic(err)
	}
	files := map[string]string{
		"hosts": `[lb]
infra0[1:2] ansible_host=192.168.56.1[3:4]

[nfs]
nfsha01 ansible_host=192.168.56.10 pacemaker_node_id=1
nfsha02 ansible_host=192.168.56.11 pacemaker_node_id=2

[cluster:children]
lb
nfs

[cluster:vars]
ansible_user=deploy
`,
		"group_vars/nfs.yml": "nfs_export: /srv/share\nnfs_vip: 192.168.56.12\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		_ = os.MkdirAll(filepath.Dir(p), 0o755)
		_ = os.WriteFile(p, []byte(content), 0o644)
	}
	return dir
}

func ExampleLoad() {
	dir := exampleDir()
	defer os.RemoveAll(dir)

	inv, err := inventory.Load([]string{filepath.Join(dir, "hosts")}, inventory.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, h := range inv.Hosts() {
		fmt.Println(h.Name, inv.GroupNames(h.Name))
	}
	vars := inv.HostVars("nfsha02")
	fmt.Println(vars["ansible_user"], vars["pacemaker_node_id"], vars["nfs_vip"])
	// Output:
	// infra01 [cluster lb]
	// infra02 [cluster lb]
	// nfsha01 [cluster nfs]
	// nfsha02 [cluster nfs]
	// deploy 2 192.168.56.12
}

func ExampleInventory_SelectLimited() {
	dir := exampleDir()
	defer os.RemoveAll(dir)

	inv, err := inventory.Load([]string{filepath.Join(dir, "hosts")}, inventory.Options{
		Warn: func(msg string) { fmt.Println("warning:", msg) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, pattern := range []string{"cluster:!nfsha01", "lb[0]:nfs[-1]", "~infra.*", "cluster:&nfs", "typo"} {
		hosts, err := inv.SelectLimited(pattern, "")
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-18s %d host(s)", pattern, len(hosts))
		for _, h := range hosts {
			fmt.Print(" ", h.Name)
		}
		fmt.Println()
	}
	hosts, _ := inv.SelectLimited("all", "nfs")
	fmt.Println("all --limit nfs:", len(hosts), "host(s)")
	// Output:
	// cluster:!nfsha01   3 host(s) infra01 infra02 nfsha02
	// lb[0]:nfs[-1]      2 host(s) infra01 nfsha02
	// ~infra.*           2 host(s) infra01 infra02
	// cluster:&nfs       2 host(s) nfsha01 nfsha02
	// warning: could not match supplied host pattern, ignoring: typo
	// typo               0 host(s)
	// all --limit nfs: 2 host(s)
}

func ExampleInventory_AddHost() {
	inv := inventory.New(inventory.Options{})
	if err := inv.AddHost("db01", []string{"galera"}, map[string]any{"ansible_host": "192.168.56.40"}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(inv.GroupsMap()["galera"], inv.HostVars("db01")["ansible_host"])
	// Output: [db01] 192.168.56.40
}
