package storage

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(Lvol{}) }

// Lvol is the lvol module (community.general.lvol).
type Lvol struct{}

// Spec describes the lvol module.
func (Lvol) Spec() module.Spec {
	return module.Spec{
		Name:  "lvol",
		Short: "Manage LVM logical volumes",
		Doc: `Creates, resizes, activates, deactivates and removes a logical volume.

size is a number with an optional unit (b s k m g t p e, m when absent), or a percentage of VG, PVS or FREE, optionally prefixed with + or - for a relative change. Growing uses lvextend, shrinking (only with force, and never to 0) lvreduce, with --resizefs when asked; in check mode they run with --test, as in Ansible. Current sizes come from the vgs and lvs JSON reports. Removal needs force. Snapshots and thin volumes are not implemented by hactl.`,
		Params: []module.Param{
			{Name: "vg", Type: module.Str, Required: true, Doc: "The volume group."},
			{Name: "lv", Type: module.Str, Doc: "The logical volume."},
			{Name: "size", Type: module.Str, Doc: "The size, e.g. 512, 10g, 80%VG, +100%FREE."},
			{Name: "opts", Type: module.Str, Doc: "More lvcreate options."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"absent", "present"}, Doc: "Whether the volume exists."},
			{Name: "force", Type: module.Bool, Default: false, Doc: "Allow shrinking and removal."},
			{Name: "shrink", Type: module.Bool, Default: true, Doc: "Shrink when the volume is larger than size."},
			{Name: "active", Type: module.Bool, Default: true, Doc: "Whether the volume is active."},
			{Name: "snapshot", Type: module.Str, Doc: "Not implemented by hactl."},
			{Name: "pvs", Type: module.Str, Doc: "Physical volumes to allocate from, comma-separated."},
			{Name: "resizefs", Type: module.Bool, Default: false, Doc: "Resize the filesystem with the volume."},
			{Name: "thinpool", Type: module.Str, Doc: "Not implemented by hactl."},
		},
		RequiredOneOf: [][]string{{"lv", "thinpool"}},
		CheckMode:     true,
		Examples: `- name: The NFS data volume takes the whole group
  lvol:
    vg: vg_data
    lv: lv_nfs
    size: 100%FREE`,
		Returns: []module.ReturnValue{
			{Name: "vg", Type: module.Str, Doc: "The volume group."},
			{Name: "lv", Type: module.Str, Doc: "The volume."},
			{Name: "size", Type: module.Float, Doc: "The volume's size before the change, in the size's unit."},
		},
	}
}

// lvSize is a parsed size argument.
type lvSize struct {
	op      string // "", "+" or "-"
	number  string
	unit    string // "" for extents (-l)
	percent int
	whole   string // VG, PVS or FREE for percentages
	extents bool
}

// parseLvSize is Ansible's size parsing; msg is its failure message.
func parseLvSize(size string) (lvSize, string) {
	s := lvSize{unit: "m"}
	if strings.HasPrefix(size, "+") || strings.HasPrefix(size, "-") {
		s.op, size = size[:1], size[1:]
	}
	if p, whole, ok := strings.Cut(size, "%"); ok {
		n, err := strconv.Atoi(p)
		if err != nil {
			return s, fmt.Sprintf("Bad size specification of '%s'", size)
		}
		if n > 100 {
			return s, "Size percentage cannot be larger than 100%"
		}
		switch whole {
		case "ORIGIN":
			return s, "Snapshot Volumes are not supported"
		case "VG", "PVS", "FREE":
		default:
			return s, "Specify extents as a percentage of VG|PVS|FREE"
		}
		s.percent, s.whole, s.extents, s.unit, s.number = n, whole, true, "", p+"%"+whole
		return s, ""
	}
	if size != "" && strings.ContainsRune("bskmgtpe", rune(strings.ToLower(size[len(size)-1:])[0])) {
		s.unit, size = size[len(size)-1:], size[:len(size)-1]
	}
	if _, err := strconv.ParseFloat(size, 64); err != nil || size == "" || size[0] < '0' || size[0] > '9' {
		return s, fmt.Sprintf("Bad size specification of '%s'", size)
	}
	s.number = size
	return s, ""
}

// sizeArg is the -L/-l argument.
func (s lvSize) sizeArg(withOp bool) []string {
	flag := "-L"
	if s.extents {
		flag = "-l"
	}
	v := s.number + s.unit
	if withOp {
		v = s.op + v
	}
	return []string{flag, v}
}

type lvInfo struct {
	name                      string
	size                      float64
	active, thinpool, thinvol bool
}

// Run creates, resizes or removes the volume.
func (Lvol) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	if a.Has("snapshot") || a.Has("thinpool") {
		return module.Failf("lvol: snapshot and thinpool are not implemented by hactl"), nil
	}
	vg, lv, state := a.String("vg"), a.String("lv"), a.String("state")
	var size lvSize
	hasSize := a.String("size") != ""
	if hasSize {
		var msg string
		if size, msg = parseLvSize(a.String("size")); msg != "" {
			return module.Failf("%s", msg), nil
		}
	}
	unit := size.unit
	if !hasSize || size.extents {
		unit = "m"
	}
	m := hostcmd.Marker()
	script := fmt.Sprintf(`vg=%s u=%s
vgs --reportformat json --nosuffix --units "$u" -o vg_name,vg_size,vg_free,vg_extent_size -- "$vg" 2>/dev/null || { echo novg; exit 0; }
echo %s
lvs -a --reportformat json --nosuffix --units "$u" -o lv_name,lv_size,lv_attr -- "$vg" 2>/dev/null || { echo novg; exit 0; }
`, transport.Quote(vg), strings.ToLower(unit), m)
	out, err := hostcmd.Must(ctx, t.Conn, "lvol: gather", script)
	if err != nil {
		return module.Result{}, err
	}
	secs := hostcmd.Sections(out, m)
	if strings.Contains(out, "novg") || len(secs) != 2 {
		if state == "absent" {
			return module.Result{Data: map[string]any{"stdout": "Volume group " + vg + " does not exist."}}, nil
		}
		return module.Failf("Volume group %s does not exist.", vg), nil
	}
	vgs, err1 := parseReport(strings.TrimSpace(secs[0]), "vg")
	lvRows, err2 := parseReport(strings.TrimSpace(secs[1]), "lv")
	if err1 != nil || err2 != nil || len(vgs) == 0 {
		return module.Result{}, fmt.Errorf("lvol: cannot read the LVM reports: %v %v", err1, err2)
	}
	vgSize, vgFree, extSize := fnum(vgs[0]["vg_size"]), fnum(vgs[0]["vg_free"]), fnum(vgs[0]["vg_extent_size"])
	var this *lvInfo
	for _, r := range lvRows {
		name := strings.Trim(r["lv_name"], "[]")
		if name == lv || name == lv[strings.LastIndex(lv, "/")+1:] {
			attr := r["lv_attr"] + "      "
			this = &lvInfo{name: name, size: fnum(r["lv_size"]), active: attr[4] == 'a', thinpool: attr[0] == 't', thinvol: attr[0] == 'V'}
			break
		}
	}
	test := []string{}
	if t.Check {
		test = []string{"--test"}
	}
	pvs := strings.Fields(strings.ReplaceAll(a.String("pvs"), ",", " "))
	opts := strings.Fields(a.String("opts"))
	fail := func(what string, o hostcmd.Output) (module.Result, error) {
		r := module.Failf("%s", what)
		r.Data = map[string]any{"rc": o.RC, "err": o.Stderr}
		return r, nil
	}
	exec := func(what string, argv []string) (hostcmd.Output, error) {
		return hostcmd.Run(ctx, t.Conn, "lvol: "+what, transport.QuoteArgs(argv), transport.RunOpts{Env: map[string]string{"LC_ALL": "C", "LVM_SUPPRESS_FD_WARNINGS": "1"}})
	}
	changed := false
	if this == nil {
		if state != "present" {
			return module.Result{}, nil
		}
		if size.op == "-" {
			return module.Failf("Bad size specification of '%s%s' for creating LV", size.op, size.number), nil
		}
		if !hasSize {
			return module.Failf("No size given."), nil
		}
		argv := concat([]string{"lvcreate"}, test, []string{"--yes", "-n", lv}, size.sizeArg(false), opts, []string{vg}, pvs)
		o, err := exec("lvcreate", argv)
		if err != nil {
			return module.Result{}, err
		}
		if o.RC != 0 {
			return fail(fmt.Sprintf("Creating logical volume '%s' failed", lv), o)
		}
		return module.Result{Changed: true}, nil
	}
	if state == "absent" {
		if !a.Bool("force") {
			return module.Failf("Sorry, no removal of logical volume %s without force=true.", this.name), nil
		}
		o, err := exec("lvremove", concat([]string{"lvremove"}, test, []string{"--force", vg + "/" + this.name}))
		if err != nil {
			return module.Result{}, err
		}
		if o.RC != 0 {
			return fail(fmt.Sprintf("Failed to remove logical volume %s", lv), o)
		}
		return module.Result{Changed: true}, nil
	}
	msg := ""
	if hasSize {
		var tool []string
		var requested float64
		if size.extents {
			requested = float64(size.percent) * vgSize / 100
			if size.whole == "FREE" {
				requested = float64(size.percent) * vgFree / 100
			}
			switch size.op {
			case "+":
				requested += this.size
			case "-":
				requested = this.size - requested
			}
			if extSize > 0 {
				requested -= math.Mod(requested, extSize)
			}
			switch {
			case this.size < requested:
				if !(vgFree > 0 && vgFree >= requested-this.size) {
					return module.Failf("Logical Volume %s could not be extended. Not enough free space left (%s%s required / %s%s available)", this.name, pyFloat(requested-this.size), unit, pyFloat(vgFree), unit), nil
				}
				tool = []string{"lvextend"}
			case a.Bool("shrink") && this.size > requested+extSize:
				switch {
				case requested < 1:
					return module.Failf("Sorry, no shrinking of %s to 0 permitted.", this.name), nil
				case !a.Bool("force"):
					return module.Failf("Sorry, no shrinking of %s without force=true", this.name), nil
				}
				tool = []string{"lvreduce", "--force"}
			}
		} else {
			want, _ := strconv.ParseFloat(size.number, 64)
			switch {
			case want > this.size || size.op == "+":
				tool = []string{"lvextend"}
			case (a.Bool("shrink") && want < this.size) || size.op == "-":
				if want == 0 {
					return module.Failf("Sorry, no shrinking of %s to 0 permitted.", this.name), nil
				}
				if !a.Bool("force") {
					return module.Failf("Sorry, no shrinking of %s without force=true.", this.name), nil
				}
				tool = []string{"lvreduce", "--force"}
			}
		}
		if tool != nil {
			if a.Bool("resizefs") {
				tool = append(tool, "--resizefs")
			}
			argv := concat(tool, test, size.sizeArg(size.op != ""), []string{vg + "/" + this.name}, pvs)
			o, err := exec(tool[0], argv)
			if err != nil {
				return module.Result{}, err
			}
			base := map[string]any{"vg": vg, "lv": this.name, "size": this.size}
			switch {
			case strings.Contains(o.Stdout, "Reached maximum COW size"):
				return fail(fmt.Sprintf("Unable to resize %s to %s%s", lv, size.number, size.unit), o)
			case o.RC == 0:
				changed = true
				if size.extents {
					msg = fmt.Sprintf("Volume %s resized to %s%s", this.name, pyFloat(requested), unit)
				}
			case strings.Contains(o.Stderr, "matches existing size"):
				return module.Result{Data: base}, nil
			case strings.Contains(o.Stderr, "not larger than existing size"):
				base["err"] = o.Stderr
				return module.Result{Msg: "Original size is larger than requested size", Data: base}, nil
			default:
				return fail(fmt.Sprintf("Unable to resize %s to %s%s", lv, size.number, size.unit), o)
			}
		}
	}
	flag, want := "-ay", true
	if !a.Bool("active") {
		flag, want = "-an", false
	}
	o, err := exec("lvchange", []string{"lvchange", flag, vg + "/" + this.name})
	if err != nil {
		return module.Result{}, err
	}
	if o.RC != 0 {
		what := "activate"
		if !want {
			what = "deactivate"
		}
		return fail(fmt.Sprintf("Failed to %s logical volume %s", what, lv), o)
	}
	return module.Result{Changed: changed || this.active != want, Msg: msg, Data: map[string]any{"vg": vg, "lv": this.name, "size": this.size}}, nil
}

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// pyFloat formats like Python's str(float).
func pyFloat(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e16 {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
