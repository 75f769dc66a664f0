package registry

import (
	"context"
	"crypto/sha256"
	"fmt"
	"github.com/hactl/hactl/modules/internal/cluster"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/transport"
)

// sharedFS reports whether a filesystem type can hold storage several
// registry instances share.
func sharedFS(fstype string) bool {
	switch fstype {
	case "nfs", "nfs4", "cifs", "smb3", "glusterfs", "cephfs", "fuse.glusterfs", "fuse.sshfs", "9p":
		return true
	}
	return false
}

// instance is what the peer check learns about one registry instance.
type instance struct {
	secretSum string // sha256 of http.secret ("" when none)
	storage   string
	fsType    string
}

// peerConfig is the part of a config.yml the peer check reads.
type peerConfig struct {
	HTTP struct {
		Secret string `yaml:"secret"`
	} `yaml:"http"`
	Storage struct {
		Filesystem struct {
			RootDirectory string `yaml:"rootdirectory"`
		} `yaml:"filesystem"`
	} `yaml:"storage"`
}

func secretSum(s string) string {
	if s == "" {
		return ""
	}
	h := sha256.Sum256([]byte(s))
	return fmt.Sprintf("%x", h[:8])
}

// readInstance reads a host's registry configuration and the filesystem
// type under its storage.
func readInstance(ctx context.Context, c transport.Conn) (instance, error) {
	marker := hostcmd.Marker()
	script := "cat " + ConfigPath + " || exit 1\necho " + marker + "\n" +
		`root=$(sed -n 's/^ *rootdirectory: *//p' ` + ConfigPath + ` | head -n1 | tr -d '"')
findmnt -no FSTYPE --target "${root:-/}" 2>/dev/null | head -n1`
	out, err := hostcmd.Must(ctx, c, "read the registry configuration", script)
	if err != nil {
		return instance{}, err
	}
	secs := hostcmd.Sections(out, marker)
	if len(secs) != 2 {
		return instance{}, fmt.Errorf("read the registry configuration: unexpected output")
	}
	var pc peerConfig
	if err := yaml.Unmarshal([]byte(secs[0]), &pc); err != nil {
		return instance{}, fmt.Errorf("%s: %w", ConfigPath, err)
	}
	return instance{secretSum: secretSum(pc.HTTP.Secret), storage: pc.Storage.Filesystem.RootDirectory, fsType: strings.TrimSpace(secs[1])}, nil
}

// checkPeers compares this instance with the peers behind the same load
// balancer: the same http.secret (else uploads spanning instances fail)
// and storage on a shared filesystem. Differing secrets fail the task;
// unshared storage is a warning (a path can be shared by other means).
func (r *run) checkPeers(ctx context.Context, peers []string) error {
	self, err := readInstance(ctx, r.t.Conn)
	if err != nil {
		return err
	}
	if r.t.Check {
		// The file may not be written yet: compare what it will hold.
		self.secretSum, self.storage = secretSum(r.s.Secret), r.s.Storage
	}
	var warnings, mismatched []string
	report := map[string]any{}
	if self.secretSum == "" {
		warnings = append(warnings, "no http_secret: instances behind a load balancer need the same one")
	}
	if !sharedFS(self.fsType) {
		warnings = append(warnings, fmt.Sprintf("%s: storage %s is on %s, not a shared filesystem", r.t.Host, self.storage, orUnknown(self.fsType)))
	}
	for _, p := range peers {
		if p == r.t.Host {
			continue
		}
		conn, closeFn, err := cluster.Dial(ctx, r.t, p, 15*time.Second)
		if err != nil {
			return fmt.Errorf("peer %s: %w", p, err)
		}
		in, err := readInstance(ctx, conn)
		closeFn()
		if err != nil {
			return fmt.Errorf("peer %s: %w", p, err)
		}
		same := in.secretSum == self.secretSum && in.secretSum != ""
		report[p] = map[string]any{"same_secret": same, "storage": in.storage, "fstype": in.fsType}
		if !same {
			mismatched = append(mismatched, p)
		}
		if in.storage != self.storage {
			warnings = append(warnings, fmt.Sprintf("%s: storage path %s differs from %s", p, in.storage, self.storage))
		}
		if !sharedFS(in.fsType) {
			warnings = append(warnings, fmt.Sprintf("%s: storage %s is on %s, not a shared filesystem", p, in.storage, orUnknown(in.fsType)))
		}
	}
	r.res.Data["peers"] = report
	r.res.Data["warnings"] = toAny(warnings)
	if len(mismatched) > 0 {
		return failure{fmt.Sprintf("http.secret differs on %s: uploads that land on different instances will fail; give every instance the same http_secret", strings.Join(mismatched, ", "))}
	}
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown filesystem"
	}
	return s
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// failure is a refusal reported as a failed task.
type failure struct{ msg string }

func (f failure) Error() string { return f.msg }
