package pacemaker

import (
	"context"
	"fmt"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/transport"
)

// Status is what crm_mon --output-as=xml says about the cluster.
type Status struct {
	// DC is the designated controller's node name ("" when none).
	DC string
	// Quorum is true when the partition has quorum.
	Quorum bool
	// Nodes maps node names to their state.
	Nodes map[string]NodeStatus
	// NodeOrder lists node names as crm_mon does.
	NodeOrder []string
	// Instances lists every resource instance, clone instances included.
	Instances []Instance
}

// NodeStatus is one node's state.
type NodeStatus struct {
	Online, Standby, Maintenance bool
}

// Instance is one running or configured resource instance.
type Instance struct {
	// ID is the primitive's id without a clone instance suffix.
	ID string
	// Parent is the enclosing group or clone id ("" at top level).
	Parent string
	Agent  string
	Role   string
	Active bool
	Failed bool
	// Nodes are where it is active.
	Nodes []string
}

// ParseStatus parses crm_mon --output-as=xml.
func ParseStatus(data []byte) (*Status, error) {
	root, err := ParseNode(data)
	if err != nil {
		return nil, fmt.Errorf("crm_mon: %w", err)
	}
	st := &Status{Nodes: map[string]NodeStatus{}}
	if sum := root.Child("summary"); sum != nil {
		if dc := sum.Child("current_dc"); dc != nil && dc.Attr("present") == "true" {
			st.DC = dc.Attr("name")
			st.Quorum = dc.Attr("with_quorum") == "true"
		}
	}
	if ns := root.Child("nodes"); ns != nil {
		for _, n := range ns.Children("node") {
			name := n.Attr("name")
			st.NodeOrder = append(st.NodeOrder, name)
			st.Nodes[name] = NodeStatus{
				Online:      n.Attr("online") == "true",
				Standby:     n.Attr("standby") == "true",
				Maintenance: n.Attr("maintenance") == "true",
			}
		}
	}
	if rs := root.Child("resources"); rs != nil {
		collectInstances(rs, "", &st.Instances)
	}
	return st, nil
}

func collectInstances(n *Node, parent string, out *[]Instance) {
	for _, c := range n.Nodes {
		switch c.Name() {
		case "resource":
			id, _, _ := strings.Cut(c.Attr("id"), ":")
			in := Instance{
				ID: id, Parent: parent, Agent: c.Attr("resource_agent"), Role: normRole(c.Attr("role")),
				Active: c.Attr("active") == "true", Failed: c.Attr("failed") == "true",
			}
			for _, nd := range c.Children("node") {
				in.Nodes = append(in.Nodes, nd.Attr("name"))
			}
			*out = append(*out, in)
		case "group", "clone", "bundle":
			collectInstances(c, c.Attr("id"), out)
		}
	}
}

// QueryStatus runs crm_mon once on conn.
func QueryStatus(ctx context.Context, conn transport.Conn) (*Status, error) {
	out, err := hostcmd.Run(ctx, conn, "crm_mon", "crm_mon --one-shot --inactive --output-as=xml", transport.RunOpts{})
	if err != nil {
		return nil, err
	}
	if out.RC != 0 && !strings.Contains(out.Stdout, "<pacemaker-result") {
		return nil, fmt.Errorf("crm_mon: exit status %d: %s", out.RC, hostcmd.FirstLine(out.Stderr, out.Stdout))
	}
	return ParseStatus([]byte(out.Stdout))
}

// InstancesOf returns the instances of primitive id, or of every
// primitive of group or clone id.
func (s *Status) InstancesOf(id string) []Instance {
	var out []Instance
	for _, in := range s.Instances {
		if in.ID == id || in.Parent == id {
			out = append(out, in)
		}
	}
	return out
}

// NodesOf returns the nodes where id (a primitive, group or clone) is
// active, optionally only in role ("" any).
func (s *Status) NodesOf(id, role string) []string {
	seen := map[string]bool{}
	var out []string
	for _, in := range s.InstancesOf(id) {
		if !in.Active || (role != "" && in.Role != normRole(role)) {
			continue
		}
		for _, n := range in.Nodes {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}
