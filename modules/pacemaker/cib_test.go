package pacemaker

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// liveCIB is shaped like what pcs 0.11 and Pacemaker 2.1 write.
const liveCIB = `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="8" num_updates="3" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"/>
      </cluster_property_set>
    </crm_config>
    <nodes><node id="1" uname="h1"/><node id="2" uname="h2"/></nodes>
    <resources>
      <primitive id="vip" class="ocf" type="IPaddr2" provider="heartbeat">
        <instance_attributes id="vip-instance_attributes">
          <nvpair id="vip-instance_attributes-cidr_netmask" name="cidr_netmask" value="24"/>
          <nvpair id="vip-instance_attributes-ip" name="ip" value="10.77.0.240"/>
        </instance_attributes>
        <operations>
          <op name="monitor" interval="10s" id="vip-monitor-interval-10s"/>
        </operations>
      </primitive>
      <group id="g">
        <primitive id="fs" class="ocf" type="Dummy" provider="pacemaker"/>
        <primitive id="app" class="ocf" type="Dummy" provider="pacemaker"/>
      </group>
    </resources>
    <constraints>
      <rsc_colocation id="colocation-app-vip-INFINITY" rsc="app" with-rsc="vip" score="INFINITY"/>
      <rsc_location id="location-vip-h1-50" rsc="vip" node="h1" score="50"/>
    </constraints>
  </configuration>
  <status/>
</cib>`

func mustCIB(t *testing.T) *CIB {
	t.Helper()
	c, err := ParseCIB([]byte(liveCIB))
	require.NoError(t, err)
	return c
}

func vip(cidr string, interval string) Primitive {
	return Primitive{ID: "vip", Class: "ocf", Provider: "heartbeat", Type: "IPaddr2",
		Params: map[string]string{"ip": "10.77.0.240", "cidr_netmask": cidr},
		Ops:    []Op{{Name: "monitor", Interval: interval}}}
}

func TestSemanticCompare(t *testing.T) {
	live := mustCIB(t)
	old, _ := live.Section("resources").FindID("vip")
	require.NotNil(t, old)
	// Same configuration, written by hand with other ids and units.
	other := vip("24", "10000ms").Element(nil)
	assert.Equal(t, Canonical(old), Canonical(other))
	assert.NotEqual(t, Canonical(old), Canonical(vip("25", "10s").Element(nil)))
	assert.NotEqual(t, Canonical(old), Canonical(vip("24", "20s").Element(nil)))

	want := live.Clone()
	require.NoError(t, PlacePrimitive(want.Section("resources"), vip("24", "10s").Element(old), Placement{}))
	assert.True(t, live.Diff(want).Empty())

	require.NoError(t, PlacePrimitive(want.Section("resources"), vip("25", "10s").Element(old), Placement{}))
	ch := live.Diff(want)
	assert.False(t, ch.Empty())
	assert.Contains(t, ch.Before, `value="24"`)
	assert.Contains(t, ch.After, `id="vip-instance_attributes-cidr_netmask" name="cidr_netmask" value="25"`, "ids are kept so the patch stays small")
	assert.NotContains(t, ch.After, "group", "only the changed object is shown")
}

func TestDiffDoesNotTouchTheLiveCopy(t *testing.T) {
	live := mustCIB(t)
	before := live.Root.XML()
	want := live.Clone()
	editClusterCIB(want, clusterReq{RscDefaults: map[string]string{"resource-stickiness": "100"}})
	assert.False(t, live.Diff(want).Empty())
	assert.Equal(t, before, live.Root.XML(), "a missing rsc_defaults must not appear in the copy crm_diff starts from")
}

func TestPlacementMovesAndCleansUp(t *testing.T) {
	c := mustCIB(t)
	res := c.Section("resources")
	app, _ := res.FindID("app")
	fs, _ := res.FindID("fs")
	require.NoError(t, PlacePrimitive(res, app.Clone(), Placement{}))
	_, parent := res.FindID("app")
	assert.Equal(t, "resources", parent.Name(), "moved out of the group")
	require.NoError(t, PlacePrimitive(res, fs.Clone(), Placement{Clone: "fs-clone", Promotable: true, CloneMeta: map[string]string{"notify": "true"}}))
	g, _ := res.FindID("g")
	assert.Nil(t, g, "an emptied group goes")
	cl, _ := res.FindID("fs-clone")
	require.NotNil(t, cl)
	assert.Equal(t, map[string]string{"promotable": "true", "notify": "true"}, nvMap(cl, "meta_attributes"))

	assert.True(t, RemoveResource(c, "vip"))
	cons := c.Section("constraints")
	assert.Empty(t, cons.Nodes, "constraints naming vip go with it")
	assert.Error(t, PlacePrimitive(res, NewNode("primitive", "id", "x"), Placement{Group: "fs-clone"}), "a clone is not a group")
}

func TestConstraintMatching(t *testing.T) {
	c := mustCIB(t)
	cons := c.Section("constraints")
	col := NewNode("rsc_colocation", "id", "colocation-app-vip", "rsc", "app", "with-rsc", "vip", "with-rsc-role", "Started", "score", "INFINITY")
	m := matchConstraint(cons, col, false)
	require.NotNil(t, m)
	assert.Equal(t, "colocation-app-vip-INFINITY", m.Attr("id"), "pcs's id, same meaning")
	promoted := NewNode("rsc_colocation", "rsc", "app", "with-rsc", "vip", "with-rsc-role", "Promoted")
	assert.Nil(t, matchConstraint(cons, promoted, false), "another role is another constraint")
	loc := NewNode("rsc_location", "rsc", "vip", "node", "h1", "score", "INFINITY")
	m = matchConstraint(cons, loc, false)
	require.NotNil(t, m)
	assert.Equal(t, "50", m.Attr("score"), "a score change updates the existing constraint")
	assert.Equal(t, "Promoted", normRole("Master"))
}

func TestDurations(t *testing.T) {
	for in, want := range map[string]string{"10s": "10000ms", "10": "10000ms", "1m": "60000ms", "2min": "120000ms", "500ms": "500ms", "1h": "3600000ms", "P1D": "P1D"} {
		assert.Equal(t, want, normDuration(in), in)
	}
}

const stockConf = `# Please read the corosync.conf.5 manual page
totem {
	version: 2
	cluster_name: debian
	crypto_cipher: none
}
quorum {
	provider: corosync_votequorum
}
nodelist {
	node {
		name: node1
		nodeid: 1
		ring0_addr: 127.0.0.1
	}
}
`

const realConf = `totem {
    version: 2
    cluster_name: hacl
    transport: knet
}
nodelist {
    node {
        ring0_addr: 10.77.0.251
        name: h1
        nodeid: 1
    }
    node {
        ring0_addr: 10.77.0.252
        ring1_addr: 10.78.0.252
        name: h2
        nodeid: 2
    }
}
quorum {
    provider: corosync_votequorum
    two_node: 1
}
`

func TestCorosyncParse(t *testing.T) {
	s, err := ParseCorosync(stockConf)
	require.NoError(t, err)
	assert.True(t, s.Stock())
	r, err := ParseCorosync(realConf)
	require.NoError(t, err)
	assert.False(t, r.Stock())
	assert.Equal(t, "hacl", r.ClusterName)
	assert.Equal(t, []string{"h1", "h2"}, r.NodeNames())
	assert.Equal(t, []string{"10.77.0.252", "10.78.0.252"}, r.Nodes[1].Addrs)
	assert.Equal(t, "1", r.Quorum["two_node"])
	_, err = ParseCorosync("totem {\n version: 2\n")
	assert.Error(t, err)
	_, err = ParseCorosync("}\n")
	assert.Error(t, err)
}

func members(t *testing.T, confs ...string) []*member {
	t.Helper()
	var ms []*member
	for i, c := range confs {
		m := &member{Name: []string{"h1", "h2", "h3"}[i], PasswordOK: true, KnownHosts: map[string]bool{},
			Units: map[string]unitState{"pcsd": {true, true}, "corosync": {true, true}, "pacemaker": {true, true}}}
		if c != "" {
			cfg, err := ParseCorosync(c)
			require.NoError(t, err)
			m.Config = cfg
		}
		ms = append(ms, m)
	}
	return ms
}

func req2() clusterReq {
	return clusterReq{Name: "hacl", Transport: "knet", State: "present", Password: "pw", StartOnBoot: true,
		Nodes: []nodeSpec{{"h1", []string{"10.77.0.251"}}, {"h2", []string{"10.77.0.252"}}}}
}

func descs(steps []step) string {
	var out []string
	for _, s := range steps {
		out = append(out, s.Desc+" @"+s.On.Name)
	}
	return strings.Join(out, "\n")
}

func TestPlanFreshNodes(t *testing.T) {
	ms := members(t, stockConf, stockConf)
	ms[0].PasswordOK, ms[1].Units["pcsd"] = false, unitState{}
	steps, actor, err := planCluster(req2(), ms)
	require.NoError(t, err)
	assert.Equal(t, "h1", actor.Name)
	assert.Equal(t, `set the hacluster password on h1 @h1
start and enable pcsd on h2 @h2
remove the placeholder or foreign cluster configuration on h1 @h1
remove the placeholder or foreign cluster configuration on h2 @h2
authenticate h1, h2 with pcsd @h1
create cluster hacl @h1`, descs(steps))
	for _, s := range steps {
		assert.NotContains(t, s.Cmd, "pw", "the password goes on stdin only")
	}
	assert.Equal(t, "hacluster:pw\n", steps[0].Stdin)
	assert.Contains(t, steps[5].Cmd, "pcs cluster setup hacl h1 'addr=10.77.0.251' h2 'addr=10.77.0.252' transport knet --start --wait=180 --enable")
}

func TestPlanConverged(t *testing.T) {
	ms := members(t, realConf, realConf)
	ms[0].KnownHosts = map[string]bool{"h1": true, "h2": true}
	steps, _, err := planCluster(req2(), ms)
	require.NoError(t, err)
	assert.Empty(t, steps)

	ms[1].Units["pacemaker"] = unitState{Active: false, Enabled: true}
	steps, _, err = planCluster(req2(), ms)
	require.NoError(t, err)
	assert.Equal(t, "start the cluster on h2 @h1", descs(steps))
}

func TestPlanGrowsAndRefuses(t *testing.T) {
	ms := members(t, realConf, realConf, stockConf)
	ms[0].KnownHosts = map[string]bool{"h1": true, "h2": true}
	r := req2()
	r.Nodes = append(r.Nodes, nodeSpec{"h3", []string{"10.77.0.253"}})
	steps, _, err := planCluster(r, ms)
	require.NoError(t, err)
	assert.Equal(t, `remove the placeholder or foreign cluster configuration on h3 @h3
authenticate h3 with pcsd @h1
add node h3 @h1`, descs(steps))

	r = req2()
	r.Name = "other"
	_, _, err = planCluster(r, members(t, realConf, realConf))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "force_recreate")
	r.Force = true
	steps, _, err = planCluster(r, members(t, realConf, realConf))
	require.NoError(t, err)
	assert.Contains(t, descs(steps), "create cluster other")
	assert.Contains(t, descs(steps), "foreign cluster configuration on h2")
}

const monXML = `<pacemaker-result api-version="2.25" request="crm_mon --output-as=xml">
  <summary>
    <current_dc present="true" version="2.1.5" name="h1" id="1" with_quorum="true"/>
  </summary>
  <nodes>
    <node name="h1" id="1" online="true" standby="false" maintenance="false"/>
    <node name="h2" id="2" online="false" standby="false" maintenance="false"/>
  </nodes>
  <resources>
    <resource id="vip" resource_agent="ocf:heartbeat:IPaddr2" role="Started" active="true" failed="false" nodes_running_on="1">
      <node name="h1" id="1" cached="true"/>
    </resource>
    <clone id="db-clone" multi_state="true">
      <resource id="db" role="Promoted" active="true" failed="false"><node name="h1" id="1"/></resource>
      <resource id="db" role="Stopped" active="false" failed="false"/>
    </clone>
  </resources>
</pacemaker-result>`

func TestStatus(t *testing.T) {
	st, err := ParseStatus([]byte(monXML))
	require.NoError(t, err)
	assert.Equal(t, "h1", st.DC)
	assert.True(t, st.Quorum)
	assert.False(t, st.Nodes["h2"].Online)
	assert.Equal(t, []string{"h1"}, st.NodesOf("db-clone", "Master"))
	assert.NoError(t, verifyRunning(st, "vip", "started"))
	assert.Error(t, verifyRunning(st, "vip", "stopped"))
	assert.NoError(t, verifyConstraint(st, NewNode("rsc_colocation", "rsc", "vip", "with-rsc", "db-clone", "with-rsc-role", "Promoted", "score", "INFINITY")))
	assert.Error(t, verifyConstraint(st, NewNode("rsc_location", "rsc", "vip", "node", "h1", "score", "-INFINITY")))
	err = clusterHealthy(st, req2())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "h2")
}

func TestWarnings(t *testing.T) {
	r := req2()
	r.Properties = map[string]string{"stonith-enabled": "False", "no-quorum-policy": "ignore"}
	w := clusterWarnings(r)
	require.Len(t, w, 3)
	assert.Contains(t, w[0], "stonith-enabled")
	r.Properties = nil
	r.Nodes = append(r.Nodes, nodeSpec{Name: "h3"})
	assert.Empty(t, clusterWarnings(r))
}

// An empty attribute set is the same as none.
func TestEmptyAttributeSetIsNone(t *testing.T) {
	bare, err := ParseNode([]byte(`<primitive id="d" class="systemd" type="nfs-ganesha"><operations><op id="d-m" name="monitor" interval="10s"/></operations></primitive>`))
	require.NoError(t, err)
	left, err := ParseNode([]byte(`<primitive id="d" class="systemd" type="nfs-ganesha"><meta_attributes id="d-meta_attributes"/><operations><op id="d-m" name="monitor" interval="10s"/></operations></primitive>`))
	require.NoError(t, err)
	set, err := ParseNode([]byte(`<primitive id="d" class="systemd" type="nfs-ganesha"><meta_attributes id="d-meta_attributes"><nvpair id="d-t" name="target-role" value="Stopped"/></meta_attributes><operations><op id="d-m" name="monitor" interval="10s"/></operations></primitive>`))
	require.NoError(t, err)
	assert.Equal(t, Canonical(bare), Canonical(left))
	assert.NotEqual(t, Canonical(bare), Canonical(set))
}
