package pacemaker

import (
	"fmt"
	"strings"
)

// Corosync is what hactl reads from corosync.conf.
type Corosync struct {
	ClusterName string
	Transport   string
	Nodes       []CorosyncNode
	// Quorum holds the quorum section's keys (provider, two_node, …).
	Quorum map[string]string
	// Totem holds the totem section's keys.
	Totem map[string]string
}

// CorosyncNode is one nodelist entry.
type CorosyncNode struct {
	Name   string
	ID     string
	Addrs  []string // ring0_addr, ring1_addr, … in ring order
	rawKey map[string]string
}

// ParseCorosync parses corosync.conf: nested "name {" … "}" blocks of
// "key: value" lines, "#" comments.
func ParseCorosync(text string) (*Corosync, error) {
	c := &Corosync{Quorum: map[string]string{}, Totem: map[string]string{}}
	var stack []string
	var node *CorosyncNode
	for i, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		switch {
		case strings.HasSuffix(line, "{"):
			name := strings.TrimSpace(strings.TrimSuffix(line, "{"))
			stack = append(stack, name)
			if len(stack) == 2 && stack[0] == "nodelist" && name == "node" {
				node = &CorosyncNode{rawKey: map[string]string{}}
			}
		case line == "}":
			if len(stack) == 0 {
				return nil, fmt.Errorf("corosync.conf line %d: unbalanced }", i+1)
			}
			if len(stack) == 2 && stack[0] == "nodelist" && node != nil {
				for r := 0; r < 8; r++ {
					if a := node.rawKey[fmt.Sprintf("ring%d_addr", r)]; a != "" {
						node.Addrs = append(node.Addrs, a)
					}
				}
				c.Nodes = append(c.Nodes, *node)
				node = nil
			}
			stack = stack[:len(stack)-1]
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				return nil, fmt.Errorf("corosync.conf line %d: want key: value, got %q", i+1, line)
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			switch {
			case len(stack) == 1 && stack[0] == "totem":
				c.Totem[k] = v
				switch k {
				case "cluster_name":
					c.ClusterName = v
				case "transport":
					c.Transport = v
				}
			case len(stack) == 1 && stack[0] == "quorum":
				c.Quorum[k] = v
			case node != nil && len(stack) == 2:
				node.rawKey[k] = v
				switch k {
				case "name":
					node.Name = v
				case "nodeid":
					node.ID = v
				}
			}
		}
	}
	if len(stack) != 0 {
		return nil, fmt.Errorf("corosync.conf: unclosed block %q", stack[len(stack)-1])
	}
	if c.Transport == "" {
		c.Transport = "knet" // corosync 3's default
	}
	return c, nil
}

// Stock reports whether c is the single-node placeholder Debian's
// corosync package installs (cluster "debian", one node on 127.0.0.1):
// a node holding it is not in any real cluster.
func (c *Corosync) Stock() bool {
	if len(c.Nodes) != 1 {
		return false
	}
	n := c.Nodes[0]
	local := len(n.Addrs) == 1 && (n.Addrs[0] == "127.0.0.1" || n.Addrs[0] == "::1")
	return local && (c.ClusterName == "debian" || c.ClusterName == "" || n.Name == "node1")
}

// NodeNames returns the nodelist's names in order.
func (c *Corosync) NodeNames() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Name
	}
	return out
}
