package swarm

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// lint checks a swarm's manager layout and health. domains maps node
// hostnames to failure domains (missing: unknown).
func lint(nodes []node, domains map[string]string) []string {
	var w []string
	var managers []node
	reachable := 0
	leader := ""
	for _, n := range nodes {
		if n.Spec.Role != "manager" {
			continue
		}
		if n.ManagerStatus == nil {
			w = append(w, fmt.Sprintf("node %s has the manager role but is not a Raft member (left behind by a forced new cluster?): demote or remove it, then rejoin it", n.Description.Hostname))
			continue
		}
		managers = append(managers, n)
		if n.ManagerStatus.Reachability == "reachable" {
			reachable++
		} else {
			w = append(w, fmt.Sprintf("manager %s is unreachable", n.Description.Hostname))
		}
		if n.ManagerStatus.Leader {
			leader = n.Description.Hostname
		}
	}
	m := len(managers)
	if m == 0 {
		return w
	}
	tolerate := (m - 1) / 2
	if m%2 == 0 {
		w = append(w, fmt.Sprintf("%d managers: an even count tolerates %d manager failure(s), no more than %d managers would; use an odd number (3, 5 or 7)", m, tolerate, m-1))
	}
	if m < 3 {
		w = append(w, fmt.Sprintf("%d manager(s): no fault tolerance — losing one manager stops all scheduling and updates (Raft needs a majority of %d); run three managers", m, m/2+1))
	}
	if reachable <= m/2 {
		w = append(w, fmt.Sprintf("quorum lost: %d of %d managers reachable (a majority is %d)", reachable, m, m/2+1))
	} else if leader == "" {
		w = append(w, "no manager is the Raft leader")
	}
	count := map[string]int{}
	unknown := []string{}
	for _, n := range managers {
		if d := domains[n.Description.Hostname]; d != "" {
			count[d]++
		} else {
			unknown = append(unknown, n.Description.Hostname)
		}
	}
	if len(unknown) > 0 && len(count) > 0 {
		w = append(w, "failure_domain unknown for managers "+strings.Join(unknown, ", "))
	}
	if len(unknown) == 0 && m > 1 {
		doms := slices.Sorted(maps.Keys(count))
		if len(doms) == 1 {
			w = append(w, fmt.Sprintf("all %d managers are in failure domain %s: losing it loses the swarm's control plane", m, doms[0]))
		} else {
			for _, d := range doms {
				if count[d] > m/2 || (m%2 == 0 && count[d] == m/2) {
					w = append(w, fmt.Sprintf("failure domain %s holds %d of %d managers: losing it loses quorum; put a manager in a third domain", d, count[d], m))
				}
			}
		}
	}
	return w
}

// managerCounts returns the number of managers and of reachable ones.
func managerCounts(nodes []node) (managers, reachable int) {
	for _, n := range nodes {
		// Managers are the Raft members: a node whose role says manager
		// but has no manager status is not one (yet, or any more).
		if n.Spec.Role != "manager" || n.ManagerStatus == nil {
			continue
		}
		managers++
		if n.ManagerStatus.Reachability == "reachable" {
			reachable++
		}
	}
	return managers, reachable
}
