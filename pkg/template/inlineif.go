package template

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
)

// Jinja2's conditional expression "A if C else B" may stand anywhere an
// expression may: inside parentheses, a filter's or a function's
// arguments, a list or a dict ("default('x' if y else 'z')"). gonja parses
// it only as the whole expression of a {{ }} or a {% set %}. inlineIfs
// rewrites every conditional nested in brackets into a call of
// inlineIfFunc with the condition as it is and both branches as base64
// text: the call evaluates the condition, then parses and evaluates only
// the branch it selects, so the other branch may be undefined, as in
// Jinja2.

// inlineIfFunc is the name of the function the rewrite calls.
const inlineIfFunc = "__hactl_inline_if"

// inlineIfs rewrites the conditionals nested in brackets in the code of
// src's blocks (see above).
func inlineIfs(src string) string {
	if !strings.Contains(src, "if") || !strings.Contains(src, "else") {
		return src
	}
	return mapCode(src, func(code string) string {
		out, _ := rewriteGroup(code, 0, 0)
		return out
	})
}

// closers maps an opening bracket to its closing one.
var closers = map[byte]byte{'(': ')', '[': ']', '{': '}'}

// rewriteGroup rewrites code from i up to the bracket close (0: the end
// of code) and returns the rewritten text and the position of close.
// Groups nested in it are rewritten first; then, if it is a bracketed
// group, each of its comma-, colon- or keyword-separated parts that is a
// conditional.
func rewriteGroup(code string, i int, close byte) (string, int) {
	var b strings.Builder
	for i < len(code) {
		c := code[i]
		switch {
		case c == '\'' || c == '"':
			j := literalEnd(code, i)
			b.WriteString(code[i:j])
			i = j
		case closers[c] != 0:
			inner, j := rewriteGroup(code, i+1, closers[c])
			b.WriteByte(c)
			b.WriteString(inner)
			if j < len(code) {
				b.WriteByte(code[j])
				j++
			}
			i = j
		case c == close:
			return rewriteParts(b.String()), i
		default:
			b.WriteByte(c)
			i++
		}
	}
	if close != 0 {
		return rewriteParts(b.String()), i
	}
	return b.String(), i
}

// rewriteParts rewrites the conditionals among the parts of a bracketed
// group's text (whose own nested groups are already rewritten).
func rewriteParts(text string) string {
	var b strings.Builder
	start := 0
	for _, sep := range separators(text) {
		b.WriteString(rewritePart(text[start:sep]))
		b.WriteByte(text[sep])
		start = sep + 1
	}
	b.WriteString(rewritePart(text[start:]))
	return b.String()
}

// separators returns the positions of the top-level commas, colons and
// keyword-argument signs in text (not inside literals or brackets).
func separators(text string) []int {
	var out []int
	eachTopLevel(text, 0, func(k int) bool {
		if c := text[k]; c == ',' || c == ':' || c == '=' && isKeywordSign(text, k) {
			out = append(out, k)
		}
		return true
	})
	return out
}

// eachTopLevel calls visit with each position of text from from on that
// is outside literals and brackets, until visit returns false.
func eachTopLevel(text string, from int, visit func(k int) bool) {
	depth := 0
	for k := from; k < len(text); {
		c := text[k]
		switch {
		case c == '\'' || c == '"':
			k = literalEnd(text, k)
			continue
		case closers[c] != 0:
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case depth == 0 && !visit(k):
			return
		}
		k++
	}
}

// isKeywordSign reports whether the = at k is a keyword argument's (not
// part of ==, !=, <= or >=).
func isKeywordSign(text string, k int) bool {
	if k+1 < len(text) && text[k+1] == '=' {
		return false
	}
	return k == 0 || !strings.ContainsRune("=!<>", rune(text[k-1]))
}

// rewritePart turns "A if C else B" into a call of inlineIfFunc; any
// other part is returned unchanged.
func rewritePart(part string) string {
	ifAt := topLevelWord(part, "if", 0)
	if ifAt < 0 {
		return part
	}
	elseAt := topLevelWord(part, "else", ifAt+2)
	if elseAt < 0 {
		return part
	}
	a, cond, b := part[:ifAt], part[ifAt+2:elseAt], part[elseAt+4:]
	if strings.TrimSpace(a) == "" || strings.TrimSpace(cond) == "" || strings.TrimSpace(b) == "" {
		return part
	}
	enc := base64.StdEncoding.EncodeToString
	lead := a[:len(a)-len(strings.TrimLeft(a, " \t\n"))]
	return fmt.Sprintf("%s%s((%s), '%s', '%s') ", lead, inlineIfFunc, strings.TrimSpace(cond), enc([]byte(a)), enc([]byte(b)))
}

// topLevelWord returns the position of the first whole word w in text at
// or after from, outside literals and brackets, or -1.
func topLevelWord(text, w string, from int) int {
	at := -1
	eachTopLevel(text, from, func(k int) bool {
		if strings.HasPrefix(text[k:], w) && !isWordByte(text, k-1) && !isWordByte(text, k+len(w)) {
			at = k
			return false
		}
		return true
	})
	return at
}

// isWordByte reports whether text[k] exists and may be part of a name.
func isWordByte(text string, k int) bool {
	if k < 0 || k >= len(text) {
		return false
	}
	c := text[k]
	return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// inlineIf is inlineIfFunc: it evaluates the branch its condition
// selects.
func (e *Engine) inlineIf(ev *exec.Evaluator, args *exec.VarArgs) *exec.Value {
	if len(args.Args) != 3 {
		return exec.AsValue(errors.New("inline if: internal rewrite produced a bad call"))
	}
	chosen := args.Args[2]
	if args.Args[0].IsTrue() {
		chosen = args.Args[1]
	}
	src, err := base64.StdEncoding.DecodeString(chosen.String())
	if err != nil {
		return exec.AsValue(fmt.Errorf("inline if: %w", err))
	}
	expr, err := e.branch(string(src))
	if err != nil {
		return exec.AsValue(err)
	}
	return ev.Eval(expr)
}

// branch parses one branch of a conditional (cached: a template in a
// loop evaluates the same branches again and again).
func (e *Engine) branch(src string) (nodes.Expression, error) {
	if x, ok := e.branches.Load(src); ok {
		return x.(nodes.Expression), nil
	}
	text := "{{ (" + src + ") }}"
	tpl, err := parse(text, e.cfg, e.env, &sourceLoader{text: text})
	if err != nil {
		return nil, fmt.Errorf("inline if: %q: %w", strings.TrimSpace(src), err)
	}
	root := tpl.Root()
	rewriteTests(root)
	out, ok := root.Nodes[0].(*nodes.Output)
	if len(root.Nodes) != 1 || !ok {
		return nil, fmt.Errorf("inline if: %q is not an expression", strings.TrimSpace(src))
	}
	e.branches.Store(src, out.Expression)
	return out.Expression, nil
}
