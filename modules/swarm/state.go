package swarm

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/transport"
)

// local is `docker info --format '{{json .Swarm}}'`.
type local struct {
	NodeID           string `json:"NodeID"`
	NodeAddr         string `json:"NodeAddr"`
	LocalNodeState   string `json:"LocalNodeState"`
	ControlAvailable bool   `json:"ControlAvailable"`
	Error            string `json:"Error"`
	RemoteManagers   []struct {
		NodeID string `json:"NodeID"`
		Addr   string `json:"Addr"`
	} `json:"RemoteManagers"`
	Nodes    int      `json:"Nodes"`
	Managers int      `json:"Managers"`
	Cluster  *cluster `json:"Cluster"`
}

// cluster is the part of Swarm.Cluster the modules read (managers only).
type cluster struct {
	ID   string `json:"ID"`
	Spec struct {
		Orchestration struct {
			TaskHistoryRetentionLimit *int64 `json:"TaskHistoryRetentionLimit"`
		} `json:"Orchestration"`
		Raft struct {
			SnapshotInterval uint64 `json:"SnapshotInterval"`
		} `json:"Raft"`
		Dispatcher struct {
			HeartbeatPeriod int64 `json:"HeartbeatPeriod"`
		} `json:"Dispatcher"`
		CAConfig struct {
			NodeCertExpiry int64 `json:"NodeCertExpiry"`
		} `json:"CAConfig"`
		EncryptionConfig struct {
			AutoLockManagers bool `json:"AutoLockManagers"`
		} `json:"EncryptionConfig"`
	} `json:"Spec"`
	DefaultAddrPool []string `json:"DefaultAddrPool"`
	SubnetSize      int      `json:"SubnetSize"`
	DataPathPort    int      `json:"DataPathPort"`
}

func (l local) active() bool { return l.LocalNodeState == "active" }

func (l local) clusterID() string {
	if l.Cluster == nil {
		return ""
	}
	return l.Cluster.ID
}

// gatherLocal reads the host's Swarm state.
func gatherLocal(ctx context.Context, c transport.Conn) (local, error) {
	out, err := hostcmd.Run(ctx, c, "docker info", "docker info --format '{{json .Swarm}}'", transport.RunOpts{})
	if err != nil {
		return local{}, err
	}
	if out.RC != 0 {
		if out.RC == 127 {
			return local{}, fmt.Errorf("docker is not installed on the host")
		}
		return local{}, fmt.Errorf("docker info: exit status %d: %s (is dockerd running?)", out.RC, hostcmd.FirstLine(out.Stderr, out.Stdout))
	}
	var l local
	if err := json.Unmarshal([]byte(hostcmd.FirstLine(out.Stdout)), &l); err != nil {
		return local{}, fmt.Errorf("docker info: decode .Swarm: %w", err)
	}
	return l, nil
}

// node is one element of `docker node inspect`.
type node struct {
	ID   string `json:"ID"`
	Spec struct {
		Role         string            `json:"Role"`
		Availability string            `json:"Availability"`
		Labels       map[string]string `json:"Labels"`
	} `json:"Spec"`
	Description struct {
		Hostname string `json:"Hostname"`
	} `json:"Description"`
	Status struct {
		State string `json:"State"`
		Addr  string `json:"Addr"`
	} `json:"Status"`
	ManagerStatus *struct {
		Leader       bool   `json:"Leader"`
		Reachability string `json:"Reachability"`
		Addr         string `json:"Addr"`
	} `json:"ManagerStatus"`
}

// inspectNodes reads nodes (all when none are named) on a manager. A
// named node the cluster does not know is left out.
func inspectNodes(ctx context.Context, c transport.Conn, names ...string) ([]node, error) {
	var cmd string
	if len(names) == 0 {
		cmd = "ids=$(docker node ls -q) || exit 1; docker node inspect $ids"
	} else {
		cmd = "for n in " + transport.QuoteArgs(names) + "; do docker node inspect --format '{{json .}}' \"$n\" 2>/dev/null || true; done; docker node ls -q >/dev/null"
	}
	out, err := hostcmd.Run(ctx, c, "docker node inspect", cmd, transport.RunOpts{Timeout: 30 * time.Second})
	if err != nil {
		return nil, err
	}
	if out.RC != 0 {
		return nil, fmt.Errorf("docker node inspect: exit status %d: %s", out.RC, hostcmd.FirstLine(out.Stderr, out.Stdout))
	}
	if len(names) == 0 {
		var ns []node
		if err := json.Unmarshal([]byte(out.Stdout), &ns); err != nil {
			return nil, fmt.Errorf("docker node inspect: decode: %w", err)
		}
		return ns, nil
	}
	var ns []node
	for line := range strings.SplitSeq(out.Stdout, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var n node
		if err := json.Unmarshal([]byte(line), &n); err != nil {
			return nil, fmt.Errorf("docker node inspect: decode: %w", err)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

// docker runs a docker command and fails on a non-zero exit.
func docker(ctx context.Context, c transport.Conn, what, cmd string, opts transport.RunOpts) (string, error) {
	out, err := hostcmd.Run(ctx, c, what, cmd, opts)
	if err != nil {
		return "", err
	}
	if out.RC != 0 {
		return out.Stdout, fmt.Errorf("%s: exit status %d: %s", what, out.RC, hostcmd.FirstLine(out.Stderr, out.Stdout))
	}
	return out.Stdout, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
