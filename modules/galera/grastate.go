package galera

import (
	"regexp"
	"strconv"
	"strings"
)

// zeroUUID is the state UUID of a node that never joined a cluster (or
// lost its state during a crash in DDL).
const zeroUUID = "00000000-0000-0000-0000-000000000000"

// GraState is the content of grastate.dat: the node's saved position.
type GraState struct {
	// Present is false when the file does not exist.
	Present bool
	UUID    string
	// Seqno is -1 when the node did not shut down cleanly.
	Seqno           int64
	SafeToBootstrap bool
}

// HasHistory reports whether the state names a real cluster history.
func (g GraState) HasHistory() bool {
	return g.Present && g.UUID != "" && g.UUID != zeroUUID
}

// ParseGraState reads grastate.dat text. Unknown lines are ignored; a
// missing seqno reads as -1.
func ParseGraState(text string) GraState {
	g := GraState{Seqno: -1}
	if strings.TrimSpace(text) == "" {
		return g
	}
	g.Present = true
	for line := range strings.SplitSeq(text, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(strings.TrimSpace(k), "#") {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "uuid":
			g.UUID = v
		case "seqno":
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				g.Seqno = n
			}
		case "safe_to_bootstrap":
			g.SafeToBootstrap = v == "1"
		}
	}
	return g
}

// recoveredRE matches the position mysqld --wsrep-recover logs, with or
// without a colon after "position".
var recoveredRE = regexp.MustCompile(`Recovered position:?\s*([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}):(-?\d+)`)

// ParseRecovered finds the last "WSREP: Recovered position: uuid:seqno"
// line in mysqld's log. ok is false when there is none.
func ParseRecovered(log string) (uuid string, seqno int64, ok bool) {
	all := recoveredRE.FindAllStringSubmatch(log, -1)
	if len(all) == 0 {
		return "", -1, false
	}
	m := all[len(all)-1]
	n, err := strconv.ParseInt(m[2], 10, 64)
	if err != nil {
		return "", -1, false
	}
	return strings.ToLower(m[1]), n, true
}
