package yamlx_test

import (
	"fmt"

	"github.com/hactl/hactl/pkg/yamlx"
)

func ExampleUnmarshal() {
	v, err := yamlx.Unmarshal([]byte("enabled: yes\nmode: 0644\nname: 'on'\n"), "vars.yml")
	if err != nil {
		fmt.Println(err)
		return
	}
	m := v.(map[string]any)
	fmt.Println(m["enabled"], m["mode"], m["name"])
	// Output: true 420 on
}
