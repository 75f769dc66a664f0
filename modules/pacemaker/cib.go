package pacemaker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// configSections are the parts of the CIB configuration hactl compares
// and changes.
var configSections = []string{"crm_config", "resources", "constraints", "rsc_defaults", "op_defaults"}

// CIB is a parsed copy of the cluster information base.
type CIB struct {
	Root *Node
}

// ParseCIB parses the output of cibadmin --query.
func ParseCIB(data []byte) (*CIB, error) {
	n, err := ParseNode(data)
	if err != nil {
		return nil, fmt.Errorf("CIB: %w", err)
	}
	if n.Name() != "cib" || n.Child("configuration") == nil {
		return nil, fmt.Errorf("CIB: no <cib><configuration> in cibadmin output")
	}
	return &CIB{Root: n}, nil
}

// ErrNoCIB means cibadmin could not read a CIB on the host: no cluster
// runs there (yet).
var ErrNoCIB = errors.New("no CIB")

// QueryCIB reads the live CIB on conn. When cibadmin fails the error wraps
// ErrNoCIB.
func QueryCIB(ctx context.Context, conn transport.Conn) (*CIB, error) {
	out, err := hostcmd.Run(ctx, conn, "cibadmin --query", "cibadmin --query", transport.RunOpts{})
	if err != nil {
		return nil, err
	}
	if out.RC != 0 {
		return nil, fmt.Errorf("%w: cibadmin --query: exit status %d: %s (is the cluster running on this host?)", ErrNoCIB, out.RC, hostcmd.FirstLine(out.Stderr, out.Stdout))
	}
	return ParseCIB([]byte(out.Stdout))
}

// Clone returns a deep copy.
func (c *CIB) Clone() *CIB { return &CIB{Root: c.Root.Clone()} }

// Section returns configuration/<name>, creating it when missing.
func (c *CIB) Section(name string) *Node { return c.Root.Ensure("configuration").Ensure(name) }

// lookup returns configuration/<name> without creating it: an empty
// element stands in for a missing one.
func (c *CIB) lookup(name string) *Node {
	if cfg := c.Root.Child("configuration"); cfg != nil {
		if s := cfg.Child(name); s != nil {
			return s
		}
	}
	return NewNode(name)
}

// Epoch returns the admin_epoch, epoch and num_updates attributes.
func (c *CIB) Epoch() (admin, epoch, updates int) {
	atoi := func(s string) int { v, _ := strconv.Atoi(s); return v }
	return atoi(c.Root.Attr("admin_epoch")), atoi(c.Root.Attr("epoch")), atoi(c.Root.Attr("num_updates"))
}

// withoutStatus returns the CIB without its status section, as pushed.
func (c *CIB) withoutStatus() *Node {
	n := c.Root.Clone()
	for _, s := range n.Children("status") {
		n.Remove(s)
	}
	return n
}

// Change is the difference between two CIBs, in the sections hactl
// manages, as the top-level objects that differ.
type Change struct {
	Before, After string
}

// Empty reports whether nothing differs.
func (ch Change) Empty() bool { return ch.Before == ch.After }

// Diff compares the managed sections of c and nw semantically and returns
// the differing top-level objects as XML.
func (c *CIB) Diff(nw *CIB) Change {
	var before, after strings.Builder
	for _, s := range configSections {
		b, a := sectionDiff(c.lookup(s), nw.lookup(s))
		before.WriteString(b)
		after.WriteString(a)
	}
	return Change{Before: before.String(), After: after.String()}
}

// sectionDiff returns the XML of the top-level children of a section that
// differ between before and after (matched by id).
func sectionDiff(before, after *Node) (string, string) {
	key := func(n *Node, i int) string {
		if id := n.Attr("id"); id != "" {
			return id
		}
		return n.Name() + "#" + strconv.Itoa(i)
	}
	bm := map[string]*Node{}
	for i, n := range before.Nodes {
		bm[key(n, i)] = n
	}
	am := map[string]*Node{}
	var order []string
	for i, n := range before.Nodes {
		order = append(order, key(n, i))
	}
	for i, n := range after.Nodes {
		k := key(n, i)
		am[k] = n
		if bm[k] == nil {
			order = append(order, k)
		}
	}
	var b, a strings.Builder
	for _, k := range order {
		bn, an := bm[k], am[k]
		if bn != nil && an != nil && Canonical(bn) == Canonical(an) {
			continue
		}
		if bn != nil {
			b.WriteString(bn.XML() + "\n")
		}
		if an != nil {
			a.WriteString(an.XML() + "\n")
		}
	}
	return b.String(), a.String()
}

// Push applies the difference between before and after to the live CIB
// once: both are written to temporary files on the host, crm_diff builds
// a version-less patch and cibadmin --patch applies it. It reports whether
// crm_diff found a difference.
func Push(ctx context.Context, conn transport.Conn, before, after *CIB) (bool, error) {
	out, err := hostcmd.Must(ctx, conn, "mktemp", "mktemp -d /tmp/hactl-cib.XXXXXX")
	if err != nil {
		return false, err
	}
	dir := strings.TrimSpace(out)
	if !strings.HasPrefix(dir, "/tmp/hactl-cib.") {
		return false, fmt.Errorf("mktemp returned %q", dir)
	}
	defer func() {
		_, _ = conn.Run(context.WithoutCancel(ctx), "rm -rf "+transport.Quote(dir), transport.RunOpts{})
	}()
	for name, doc := range map[string]*Node{"old.xml": before.withoutStatus(), "new.xml": after.withoutStatus()} {
		if err := conn.Put(ctx, dir+"/"+name, strings.NewReader(doc.XML()), 0o600); err != nil {
			return false, fmt.Errorf("upload %s: %w", name, err)
		}
	}
	d := transport.Quote(dir)
	script := "crm_diff --no-version -o " + d + "/old.xml -n " + d + "/new.xml > " + d + "/patch.xml\n" +
		"rc=$?\ncase $rc in\n0) echo same ;;\n1) cibadmin --patch --xml-file " + d + "/patch.xml || exit 3; echo patched ;;\n" +
		"*) echo \"crm_diff failed ($rc)\" >&2; exit 2 ;;\nesac\n"
	res, err := hostcmd.Run(ctx, conn, "CIB patch", script, transport.RunOpts{})
	if err != nil {
		return false, err
	}
	if res.RC != 0 {
		return false, fmt.Errorf("CIB patch: exit status %d: %s", res.RC, hostcmd.FirstLine(res.Stderr, res.Stdout))
	}
	return strings.TrimSpace(res.Stdout) == "patched", nil
}

// leaderOf returns the host that applies cluster-wide changes: the
// cluster_leader argument, else the first host of the play, else the
// current host.
func leaderOf(t *module.Target, a module.Args) string {
	if l := a.String("cluster_leader"); l != "" {
		return l
	}
	if hs, ok := t.Vars["ansible_play_hosts"].([]any); ok && len(hs) > 0 {
		if s, ok := hs[0].(string); ok && s != "" {
			return s
		}
	}
	if hs, ok := t.Vars["ansible_play_hosts"].([]string); ok && len(hs) > 0 {
		return hs[0]
	}
	return t.Host
}
