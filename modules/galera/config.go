package galera

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// clusterConfig is what the rendered option file depends on.
type clusterConfig struct {
	Name          string
	Provider      string
	SSTMethod     string
	StorageEngine string
	Extra         map[string]any
}

// render returns the option file for member self of the cluster.
func (c clusterConfig) render(members []*Member, self *Member) ([]byte, error) {
	addrs := make([]string, len(members))
	for i, m := range members {
		addrs[i] = m.Address
	}
	fixed := [][2]string{
		{"wsrep_on", "ON"},
		{"wsrep_provider", c.Provider},
		{"wsrep_cluster_name", c.Name},
		{"wsrep_cluster_address", "gcomm://" + strings.Join(addrs, ",")},
		{"wsrep_node_address", self.Address},
		{"wsrep_node_name", self.Name},
		{"wsrep_sst_method", c.SSTMethod},
		{"binlog_format", "ROW"},
		{"default_storage_engine", c.StorageEngine},
		{"innodb_autoinc_lock_mode", "2"},
	}
	var b strings.Builder
	b.WriteString("# Managed by hactl (galera_cluster); local edits are overwritten.\n[mysqld]\n")
	seen := map[string]bool{}
	for _, kv := range fixed {
		if v, ok := c.Extra[kv[0]]; ok {
			kv[1] = fmt.Sprint(v)
		}
		if err := writeOption(&b, kv[0], kv[1]); err != nil {
			return nil, err
		}
		seen[kv[0]] = true
	}
	for _, k := range slices.Sorted(maps.Keys(c.Extra)) {
		if seen[k] {
			continue
		}
		v := c.Extra[k]
		if v == nil {
			if err := writeOption(&b, k, ""); err != nil {
				return nil, err
			}
			continue
		}
		if err := writeOption(&b, k, optionValue(v)); err != nil {
			return nil, err
		}
	}
	return []byte(b.String()), nil
}

// optionValue formats a config value: booleans as ON/OFF.
func optionValue(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "ON"
		}
		return "OFF"
	}
	return fmt.Sprint(v)
}

// writeOption writes "key = value" (or a bare key), refusing text that
// would break the file's structure.
func writeOption(b *strings.Builder, k, v string) error {
	if k == "" || strings.ContainsAny(k, "\n\r=[]#; \t") {
		return fmt.Errorf("config: invalid option name %q", k)
	}
	if strings.ContainsAny(v, "\n\r") {
		return fmt.Errorf("config: value of %s spans lines", k)
	}
	if v == "" {
		b.WriteString(k + "\n")
		return nil
	}
	if strings.ContainsAny(v, "#;\"'") || strings.TrimSpace(v) != v {
		v = `"` + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), `"`, `\"`) + `"`
	}
	b.WriteString(k + " = " + v + "\n")
	return nil
}
