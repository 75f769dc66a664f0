package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Lvg{}) }

// Lvg is the lvg module (community.general.lvg).
type Lvg struct{}

// Spec describes the lvg module.
func (Lvg) Spec() module.Spec {
	return module.Spec{
		Name:  "lvg",
		Short: "Manage LVM volume groups",
		Doc: `Creates a volume group from physical devices, extends or reduces it to exactly the given devices, grows its physical volumes (pvresize), or removes it.

Physical volumes and volume groups are read from pvs and vgs JSON reports. A device in another volume group is refused. Removing a group holding logical volumes needs force.`,
		Params: []module.Param{
			{Name: "vg", Type: module.Str, Required: true, Doc: "The volume group."},
			{Name: "pvs", Type: module.List, Elements: module.Str, Doc: "The physical devices; required with state present."},
			{Name: "pesize", Type: module.Str, Default: "4", Doc: "Physical extent size (vgcreate -s), e.g. 4 or 32M."},
			{Name: "pv_options", Type: module.Str, Default: "", Doc: "More pvcreate options."},
			{Name: "pvresize", Type: module.Bool, Default: false, Doc: "Grow physical volumes to their devices' size."},
			{Name: "vg_options", Type: module.Str, Default: "", Doc: "More vgcreate options."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"absent", "present"}, Doc: "Whether the group exists."},
			{Name: "force", Type: module.Bool, Default: false, Doc: "Remove a group that still holds logical volumes."},
		},
		CheckMode: true,
		Examples: `- name: The data volume group of the NFS nodes
  lvg:
    vg: vg_data
    pvs: [/dev/sdb]`,
	}
}

// lvgState is what the gather script saw.
type lvgState struct {
	devs    []string // the pvs arguments, resolved
	missing string   // first missing device
	pvs     []map[string]string
	vgs     []map[string]string
	err     string
}

func gatherLvg(ctx context.Context, conn transport.Conn, pvs []string) (lvgState, error) {
	m := hostcmd.Marker()
	var b strings.Builder
	b.WriteString("m=" + transport.Quote(m) + "\n")
	for _, p := range pvs {
		q := transport.Quote(p)
		fmt.Fprintf(&b, "if [ -e %s ]; then realpath -- %s; else printf 'missing %%s\\n' %s; fi\n", q, q, q)
	}
	b.WriteString(`echo "$m"; pvs --reportformat json -o pv_name,vg_name,dev_size,pv_size,pe_start,vg_extent_size --units b --nosuffix 2>/dev/null || echo '{"error":"pvs"}'
echo "$m"; vgs --reportformat json -o vg_name,pv_count,lv_count 2>/dev/null || echo '{"error":"vgs"}'
`)
	out, err := hostcmd.Must(ctx, conn, "lvg: gather", b.String())
	if err != nil {
		return lvgState{}, err
	}
	return parseLvgGather(out, m)
}

func parseLvgGather(out, m string) (lvgState, error) {
	secs := hostcmd.Sections(out, m)
	if len(secs) != 3 {
		return lvgState{}, fmt.Errorf("lvg: unexpected gather output")
	}
	var st lvgState
	for l := range strings.SplitSeq(strings.TrimSpace(secs[0]), "\n") {
		switch {
		case l == "":
		case strings.HasPrefix(l, "missing "):
			if st.missing == "" {
				st.missing = strings.TrimPrefix(l, "missing ")
			}
		default:
			st.devs = append(st.devs, l)
		}
	}
	if strings.Contains(secs[1], `{"error":"pvs"}`) {
		st.err = "Failed executing pvs command."
		return st, nil
	}
	if strings.Contains(secs[2], `{"error":"vgs"}`) {
		st.err = "Failed executing vgs command."
		return st, nil
	}
	var err error
	if st.pvs, err = parseReport(strings.TrimSpace(secs[1]), "pv"); err != nil {
		return st, fmt.Errorf("lvg: %w", err)
	}
	if st.vgs, err = parseReport(strings.TrimSpace(secs[2]), "vg"); err != nil {
		return st, fmt.Errorf("lvg: %w", err)
	}
	return st, nil
}

// Run creates, changes or removes the volume group.
func (Lvg) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	vg, state := a.String("vg"), a.String("state")
	if len(a.Strings("pvs")) == 0 && state == "present" {
		return module.Failf("No physical volumes given."), nil
	}
	st, err := gatherLvg(ctx, t.Conn, a.Strings("pvs"))
	if err != nil {
		return module.Result{}, err
	}
	if st.err != "" {
		return module.Failf("%s", st.err), nil
	}
	if state == "present" {
		if st.missing != "" {
			return module.Failf("Device %s not found.", st.missing), nil
		}
		for _, pv := range st.pvs {
			if slices.Contains(st.devs, pv["pv_name"]) && pv["vg_name"] != "" && pv["vg_name"] != vg {
				return module.Failf("Device %s is already in %s volume group.", pv["pv_name"], pv["vg_name"]), nil
			}
		}
	}
	var this map[string]string
	for _, v := range st.vgs {
		if v["vg_name"] == vg {
			this = v
		}
	}
	run := func(what string, argv ...string) (module.Result, bool, error) {
		out, err := hostcmd.Run(ctx, t.Conn, "lvg: "+argv[0], transport.QuoteArgs(argv), transport.RunOpts{Env: map[string]string{"LC_ALL": "C"}})
		if err != nil {
			return module.Result{}, false, err
		}
		if out.RC != 0 {
			r := module.Failf("%s", what)
			r.Data = map[string]any{"rc": out.RC, "err": out.Stderr}
			return r, false, nil
		}
		return module.Result{}, true, nil
	}
	pvOpts, vgOpts := strings.Fields(a.String("pv_options")), strings.Fields(a.String("vg_options"))
	if this == nil {
		if state != "present" {
			return module.Result{}, nil
		}
		if t.Check {
			return module.Result{Changed: true}, nil
		}
		for _, d := range st.devs {
			if r, ok, err := run(fmt.Sprintf("Creating physical volume '%s' failed", d), slices.Concat([]string{"pvcreate"}, pvOpts, []string{"-f", d})...); !ok {
				return r, err
			}
		}
		if r, ok, err := run(fmt.Sprintf("Creating volume group '%s' failed", vg), slices.Concat([]string{"vgcreate"}, vgOpts, []string{"-s", a.String("pesize"), vg}, st.devs)...); !ok {
			return r, err
		}
		return module.Result{Changed: true}, nil
	}
	if state == "absent" {
		if t.Check {
			return module.Result{Changed: true}, nil
		}
		if num(this["lv_count"]) != 0 && !a.Bool("force") {
			return module.Failf("Refuse to remove non-empty volume group %s without force=true", vg), nil
		}
		if r, ok, err := run(fmt.Sprintf("Failed to remove volume group %s", vg), "vgremove", "--force", vg); !ok {
			return r, err
		}
		return module.Result{Changed: true}, nil
	}
	var current []string
	for _, pv := range st.pvs {
		if pv["vg_name"] == vg {
			current = append(current, pv["pv_name"])
		}
	}
	changed := false
	if a.Bool("pvresize") {
		for _, pv := range st.pvs {
			if pv["vg_name"] != vg {
				continue
			}
			if num(pv["dev_size"])-(num(pv["pe_start"])+num(pv["pv_size"])) > num(pv["vg_extent_size"]) {
				changed = true
				if !t.Check {
					if r, ok, err := run("Failed executing pvresize command.", "pvresize", pv["pv_name"]); !ok {
						return r, err
					}
				}
			}
		}
	}
	var add, remove []string
	for _, d := range st.devs {
		if !slices.Contains(current, d) && !slices.Contains(add, d) {
			add = append(add, d)
		}
	}
	for _, d := range current {
		if !slices.Contains(st.devs, d) {
			remove = append(remove, d)
		}
	}
	if len(add)+len(remove) == 0 {
		return module.Result{Changed: changed}, nil
	}
	if t.Check {
		return module.Result{Changed: true}, nil
	}
	for _, d := range add {
		if r, ok, err := run(fmt.Sprintf("Creating physical volume '%s' failed", d), slices.Concat([]string{"pvcreate"}, pvOpts, []string{"-f", d})...); !ok {
			return r, err
		}
	}
	if len(add) > 0 {
		if r, ok, err := run(fmt.Sprintf("Unable to extend %s by %s.", vg, strings.Join(add, " ")), slices.Concat([]string{"vgextend", vg}, add)...); !ok {
			return r, err
		}
	}
	if len(remove) > 0 {
		if r, ok, err := run(fmt.Sprintf("Unable to reduce %s by %s.", vg, strings.Join(remove, " ")), slices.Concat([]string{"vgreduce", "--force", vg}, remove)...); !ok {
			return r, err
		}
	}
	return module.Result{Changed: true}, nil
}
