package files

import (
	"context"
	"fmt"
	"strings"

	"github.com/hactl/hactl/pkg/module"
)

func init() { module.Register(BlockInFile{}) }

// BlockInFile is the blockinfile module: keep a block of lines between
// two marker lines in a text file.
type BlockInFile struct{}

// Spec describes the blockinfile module.
func (BlockInFile) Spec() module.Spec {
	return module.Spec{
		Name:  "blockinfile",
		Short: "Insert, update or remove a block of lines surrounded by marker lines",
		Doc: `Manages a block of text between a begin and an end marker line. When both markers are found the block between them is replaced (or removed with state=absent or an empty block); otherwise the block with its markers is inserted after the last line matching insertafter, before the last line matching insertbefore, or at EOF (default) or BOF.

marker is a template for both marker lines where {mark} becomes marker_begin or marker_end; use a different marker for each block kept in one file. A pattern starting with (?m) is searched in the whole text instead of line by line. prepend_newline and append_newline keep a blank line before and after the block.`,
		Params: append(append([]module.Param{
			{Name: "path", Type: module.Path, Required: true, Aliases: []string{"dest", "destfile", "name"}, Doc: "The file to edit."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"present", "absent"}, Doc: "Whether the block should be there."},
			{Name: "block", Type: module.Str, Default: "", Aliases: []string{"content"}, Doc: "The lines to keep between the markers; empty removes the block."},
			{Name: "marker", Type: module.Str, Default: "# {mark} ANSIBLE MANAGED BLOCK", Doc: "Marker line template; {mark} becomes marker_begin or marker_end."},
			{Name: "marker_begin", Type: module.Str, Default: "BEGIN", Doc: "Replaces {mark} in the first marker."},
			{Name: "marker_end", Type: module.Str, Default: "END", Doc: "Replaces {mark} in the last marker."},
			{Name: "insertafter", Type: module.Str, Doc: "For a new block: after the last line matching this regular expression, or EOF."},
			{Name: "insertbefore", Type: module.Str, Doc: "For a new block: before the last line matching this regular expression, or BOF."},
			{Name: "create", Type: module.Bool, Default: false, Doc: "Create the file (and its directories) when missing."},
			{Name: "prepend_newline", Type: module.Bool, Default: false, Doc: "Keep a blank line before the block (unless it starts the file)."},
			{Name: "append_newline", Type: module.Bool, Default: false, Doc: "Keep a blank line after the block (unless it ends the file)."},
		}, writeParams()...), attrParams()...),
		CheckMode:         true,
		MutuallyExclusive: [][]string{{"insertbefore", "insertafter"}},
		Examples: `- name: Static addresses of the cluster
  blockinfile:
    path: /etc/hosts
    marker: "# {mark} HA NODES"
    block: |
      192.168.56.10 nfsha01
      192.168.56.11 nfsha02`,
		Returns: []module.ReturnValue{
			{Name: "msg", Type: module.Str, Doc: `"Block inserted", "Block removed", "File created" or "", plus a note when attributes changed.`},
			{Name: "backup_file", Type: module.Str, Doc: "The backup's path, when backup made one."},
		},
	}
}

// blockSpecFromArgs compiles the arguments (or returns an error message).
func blockSpecFromArgs(a module.Args) (blockSpec, string) {
	marker := a.String("marker")
	s := blockSpec{
		present: a.String("state") == "present", block: a.String("block"),
		marker0:        strings.ReplaceAll(marker, "{mark}", a.String("marker_begin")) + "\n",
		marker1:        strings.ReplaceAll(marker, "{mark}", a.String("marker_end")) + "\n",
		insertAfter:    a.String("insertafter"),
		insertBefore:   a.String("insertbefore"),
		prependNewline: a.Bool("prepend_newline"), appendNewline: a.Bool("append_newline"),
	}
	if s.insertAfter == "" && s.insertBefore == "" {
		s.insertAfter = "EOF"
	}
	pattern := ""
	switch {
	case s.insertAfter != "" && s.insertAfter != "EOF":
		pattern = s.insertAfter
	case s.insertBefore != "" && s.insertBefore != "BOF":
		pattern = s.insertBefore
	}
	if pattern != "" {
		s.insMultiline = strings.HasPrefix(pattern, "(?m)")
		re, err := compilePy(strings.TrimPrefix(pattern, "(?m)"), s.insMultiline)
		if err != nil {
			return s, err.Error()
		}
		s.insRe = re
	}
	if s.insertAfter == "EOF" {
		s.insertAfter = "" // not a pattern: position is the end
		s.insertBefore = ""
	}
	return s, ""
}

// Run edits the file.
func (BlockInFile) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	p := a.String("path")
	data := map[string]any{}
	spec, msg := blockSpecFromArgs(a)
	if msg != "" {
		return failed(msg, data), nil
	}
	st, attrs, res, err := openForEdit(ctx, t, a, data)
	if err != nil {
		return module.Result{}, err
	}
	if res != nil {
		return *res, nil
	}
	if !st.Exists {
		if !a.Bool("create") {
			data["rc"] = 257
			return failed(fmt.Sprintf("Path %s does not exist !", p), data), nil
		}
		if !spec.present {
			m := fmt.Sprintf("File %s not present", p)
			return module.Result{Msg: m, Data: map[string]any{"msg": m}}, nil
		}
	}
	before := string(st.Content)
	after := spec.apply(before)
	changed := before != after || !st.Exists
	switch {
	case !changed:
		msg = ""
	case !st.Exists:
		msg = "File created"
	case !spec.present || spec.block == "":
		msg = "Block removed"
	default:
		msg = "Block inserted"
	}
	return editResult(ctx, t, editJob{path: p, st: st, before: before, after: after, changed: changed,
		msg: msg, attrs: attrs, backup: a.Bool("backup"), validate: a.String("validate"), data: data, backupKey: "backup_file"})
}
