package template

import (
	"fmt"

	"github.com/nikolalohinski/gonja/v2/builtins"
	controlStructures "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
)

// maxNesting bounds macro recursion and include depth: without it a macro
// calling itself would overflow the Go stack, which is fatal, not a panic.
const maxNesting = 200

// includeDepthKey holds the include depth in a render's context; it is not
// a Jinja identifier, so no template can read or clash with it.
const includeDepthKey = "$hactl.include_depth"

// buildControlStructures returns gonja's control structures with macros
// and includes bounded in depth.
func buildControlStructures() *exec.ControlStructureSet {
	set := exec.NewControlStructureSet(map[string]parser.ControlStructureParser{})
	set.Update(builtins.ControlStructures)
	if macro, ok := builtins.ControlStructures.Get("macro"); ok {
		_ = set.Replace("macro", guardParser(macro, func(cs exec.ControlStructure) exec.ControlStructure {
			return &boundedMacro{ControlStructure: cs}
		}))
	}
	if include, ok := builtins.ControlStructures.Get("include"); ok {
		_ = set.Replace("include", guardParser(include, func(cs exec.ControlStructure) exec.ControlStructure {
			return &boundedInclude{ControlStructure: cs}
		}))
	}
	return set
}

func guardParser(inner parser.ControlStructureParser, wrap func(exec.ControlStructure) exec.ControlStructure) parser.ControlStructureParser {
	return func(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
		cs, err := inner(p, args)
		if err != nil {
			return nil, err
		}
		ecs, ok := cs.(exec.ControlStructure)
		if !ok {
			return cs, nil
		}
		return wrap(ecs), nil
	}
}

// boundedMacro defines a macro whose calls nest at most maxNesting deep.
type boundedMacro struct{ exec.ControlStructure }

// Execute implements exec.ControlStructure: it defines the macro, then
// replaces it in the context by a depth-counting wrapper (one counter per
// render, as Execute runs once per render).
func (m *boundedMacro) Execute(r *exec.Renderer, tag *nodes.ControlStructureBlock) error {
	if err := m.ControlStructure.Execute(r, tag); err != nil {
		return err
	}
	mcs, ok := m.ControlStructure.(*controlStructures.MacroControlStructure)
	if !ok {
		return nil
	}
	v, _ := r.Environment.Context.Get(mcs.Name)
	fn, ok := v.(exec.Macro)
	if !ok {
		return nil
	}
	depth := 0
	r.Environment.Context.Set(mcs.Name, exec.Macro(func(va *exec.VarArgs) *exec.Value {
		if depth >= maxNesting {
			return exec.AsValue(fmt.Errorf("macro %s: calls nest deeper than %d levels (endless recursion?)", mcs.Name, maxNesting))
		}
		depth++
		defer func() { depth-- }()
		return fn(va)
	}))
	return nil
}

// boundedInclude is an include that nests at most maxNesting deep.
type boundedInclude struct{ exec.ControlStructure }

// Execute implements exec.ControlStructure.
func (in *boundedInclude) Execute(r *exec.Renderer, tag *nodes.ControlStructureBlock) error {
	depth := 0
	if v, ok := r.Environment.Context.Get(includeDepthKey); ok {
		depth, _ = v.(int)
	}
	if depth >= maxNesting {
		return fmt.Errorf("includes nest deeper than %d levels (a template including itself?)", maxNesting)
	}
	r.Environment.Context.Set(includeDepthKey, depth+1)
	defer r.Environment.Context.Set(includeDepthKey, depth)
	return in.ControlStructure.Execute(r, tag)
}
