package pacemaker

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"slices"
)

// Node is one XML element with its attributes in document order and its
// child elements. Text and comments are dropped: the CIB holds neither in
// the parts hactl manages.
type Node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []*Node    `xml:",any"`
}

// ParseNode parses one XML document into a Node tree.
func ParseNode(data []byte) (*Node, error) {
	var n Node
	if err := xml.Unmarshal(data, &n); err != nil {
		return nil, fmt.Errorf("parse XML: %w", err)
	}
	return &n, nil
}

// NewNode returns an element with the given attributes, given as name,
// value pairs; empty values are left out.
func NewNode(name string, attrs ...string) *Node {
	n := &Node{XMLName: xml.Name{Local: name}}
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i+1] != "" {
			n.SetAttr(attrs[i], attrs[i+1])
		}
	}
	return n
}

// Name returns the element's local name.
func (n *Node) Name() string { return n.XMLName.Local }

// Attr returns the value of the named attribute ("" when absent).
func (n *Node) Attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// HasAttr reports whether the named attribute is present.
func (n *Node) HasAttr(name string) bool {
	return slices.ContainsFunc(n.Attrs, func(a xml.Attr) bool { return a.Name.Local == name })
}

// SetAttr sets an attribute, keeping its position when it exists.
func (n *Node) SetAttr(name, value string) {
	for i, a := range n.Attrs {
		if a.Name.Local == name {
			n.Attrs[i].Value = value
			return
		}
	}
	n.Attrs = append(n.Attrs, xml.Attr{Name: xml.Name{Local: name}, Value: value})
}

// DelAttr removes an attribute.
func (n *Node) DelAttr(name string) {
	n.Attrs = slices.DeleteFunc(n.Attrs, func(a xml.Attr) bool { return a.Name.Local == name })
}

// Child returns the first child element with the given name, or nil.
func (n *Node) Child(name string) *Node {
	for _, c := range n.Nodes {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

// Children returns the child elements with the given name.
func (n *Node) Children(name string) []*Node {
	var out []*Node
	for _, c := range n.Nodes {
		if c.Name() == name {
			out = append(out, c)
		}
	}
	return out
}

// Ensure returns the first child with the given name, appending an empty
// one when there is none.
func (n *Node) Ensure(name string) *Node {
	if c := n.Child(name); c != nil {
		return c
	}
	c := NewNode(name)
	n.Nodes = append(n.Nodes, c)
	return c
}

// Remove drops child c (compared by identity) and reports whether it was
// there.
func (n *Node) Remove(c *Node) bool {
	i := slices.Index(n.Nodes, c)
	if i < 0 {
		return false
	}
	n.Nodes = slices.Delete(n.Nodes, i, i+1)
	return true
}

// Replace puts nw where old is (compared by identity) and reports whether
// old was found.
func (n *Node) Replace(old, nw *Node) bool {
	i := slices.Index(n.Nodes, old)
	if i < 0 {
		return false
	}
	n.Nodes[i] = nw
	return true
}

// Walk calls f on n and every element below it, depth first, with each
// element's parent (nil for n). It stops when f returns false.
func (n *Node) Walk(f func(el, parent *Node) bool) {
	n.walk(nil, f)
}

func (n *Node) walk(parent *Node, f func(el, parent *Node) bool) bool {
	if !f(n, parent) {
		return false
	}
	for _, c := range n.Nodes {
		if !c.walk(n, f) {
			return false
		}
	}
	return true
}

// FindID returns the element below n (n included) whose id attribute is
// id, with its parent.
func (n *Node) FindID(id string) (el, parent *Node) {
	n.Walk(func(e, p *Node) bool {
		if e.Attr("id") == id {
			el, parent = e, p
			return false
		}
		return true
	})
	return el, parent
}

// Clone returns a deep copy.
func (n *Node) Clone() *Node {
	c := &Node{XMLName: n.XMLName, Attrs: slices.Clone(n.Attrs)}
	c.Nodes = make([]*Node, len(n.Nodes))
	for i, k := range n.Nodes {
		c.Nodes[i] = k.Clone()
	}
	return c
}

// XML returns the element as indented XML.
func (n *Node) XML() string {
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(n); err != nil {
		// Encoding a tree built from parsed or generated names cannot
		// fail; say so in the text rather than panic.
		return "<!-- " + err.Error() + " -->"
	}
	return b.String()
}
