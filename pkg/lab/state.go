package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// State is what a lab made, recorded in StateDir(name)/state.json so that
// down (and the next up after a crash) can remove all of it.
type State struct {
	Name    string       `json:"name"`
	Dir     string       `json:"dir"`   // the lab directory
	Image   string       `json:"image"` // the unpacked image tree (overlay lower)
	Created time.Time    `json:"created"`
	Hosts   []*HostState `json:"hosts"`
}

// HostState is what one host made.
type HostState struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Netns   string `json:"netns"` // network namespace name, /run/netns/<Netns>
	Veth    string `json:"veth"`  // the machine-side veth on the bridge
	Docker  bool   `json:"docker,omitempty"`
	NFS     bool   `json:"nfs,omitempty"`
	NFSPath string `json:"nfs_path,omitempty"`
	// PID and PIDStart identify the running systemd-nspawn (PIDStart is
	// its start time in clock ticks, so a reused PID is not mistaken for
	// it). Zero when the host is not running.
	PID      int    `json:"pid,omitempty"`
	PIDStart uint64 `json:"pid_start,omitempty"`
	// Stopped is set when the host was stopped or killed on purpose (stop,
	// kill), so up starts it again instead of treating the lab as stale.
	Stopped bool `json:"stopped,omitempty"`
}

// Host returns the host called name, or nil.
func (s *State) Host(name string) *HostState {
	for _, h := range s.Hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// Paths of a lab's files, all under its state directory.
func (s *State) dir() string             { return StateDir(s.Name) }
func (s *State) statePath() string       { return filepath.Join(s.dir(), "state.json") }
func (s *State) hostDir(h string) string { return filepath.Join(s.dir(), "hosts", h) }

// KeyPath is the lab's private SSH key (ed25519), authorised for root on
// every host.
func (s *State) KeyPath() string { return filepath.Join(s.dir(), "id_ed25519") }

// KnownHostsPath is the known_hosts file holding every host's key under its
// address and its name.
func (s *State) KnownHostsPath() string { return filepath.Join(s.dir(), "known_hosts") }

// rootDir is where host h's overlay root is mounted.
func (s *State) rootDir(h string) string { return filepath.Join(s.hostDir(h), "root") }

// save writes the state atomically.
func (s *State) save() error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("lab state: %w", err)
	}
	return writeFileAtomic(s.statePath(), append(data, '\n'), 0o644)
}

// loadState reads the state of the lab called name; (nil, nil) when the lab
// has no state.
func loadState(name string) (*State, error) {
	s := &State{Name: name}
	data, err := os.ReadFile(s.statePath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lab state: %w", err)
	}
	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("lab state %s: %w", s.statePath(), err)
	}
	s.Name = name
	return s, nil
}
