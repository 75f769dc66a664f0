package report

import (
	"fmt"
	"strings"

	"github.com/hactl/hactl/pkg/executor"
)

// Unified formats a before/after pair as a unified diff with three lines
// of context, headed like Ansible's --diff output.
func Unified(d executor.Diff) string {
	if d.Before == d.After {
		return ""
	}
	a, b := splitLines(d.Before), splitLines(d.After)
	ops := lineOps(a, b)
	var out strings.Builder
	bh, ah := d.BeforeHeader, d.AfterHeader
	if bh == "" {
		bh = "before"
	} else if !strings.HasPrefix(bh, "before") {
		bh = "before: " + bh
	}
	if ah == "" {
		ah = "after"
	} else if !strings.HasPrefix(ah, "after") {
		ah = "after: " + ah
	}
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", bh, ah)
	const ctx = 3
	// Group ops into hunks around changes.
	i := 0
	for i < len(ops) {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-ctx, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			// run of context: stop when it is longer than 2*ctx
			j := end
			for j < len(ops) && ops[j].kind == ' ' {
				j++
			}
			if j == len(ops) || j-end > 2*ctx {
				end = min(end+ctx, len(ops))
				break
			}
			end = j
		}
		aStart, bStart, aLen, bLen := ops[start].ai, ops[start].bi, 0, 0
		for _, o := range ops[start:end] {
			if o.kind != '+' {
				aLen++
			}
			if o.kind != '-' {
				bLen++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
		for _, o := range ops[start:end] {
			out.WriteByte(o.kind)
			out.WriteString(o.text)
			out.WriteByte('\n')
		}
		i = end
	}
	if !strings.HasSuffix(d.Before, "\n") && d.Before != "" || !strings.HasSuffix(d.After, "\n") && d.After != "" {
		out.WriteString("\\ No newline at end of file\n")
	}
	out.WriteByte('\n')
	return out.String()
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprint(start + 1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

type op struct {
	kind   byte // ' ', '-', '+'
	text   string
	ai, bi int // positions in a and b before this op
}

// lineOps computes an edit script with a longest-common-subsequence table;
// files shown with --diff are small, and huge ones are summarised.
func lineOps(a, b []string) []op {
	if len(a)*len(b) > 25_000_000 {
		return []op{{kind: '-', text: fmt.Sprintf("(%d lines)", len(a))}, {kind: '+', text: fmt.Sprintf("(%d lines: too large to diff)", len(b))}}
	}
	n, m := len(a), len(b)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []op
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, op{' ', a[i], i, j})
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			// Deletions first, as diff -u prints them.
			ops = append(ops, op{'-', a[i], i, j})
			i++
		default:
			ops = append(ops, op{'+', b[j], i, j})
			j++
		}
	}
	return ops
}
