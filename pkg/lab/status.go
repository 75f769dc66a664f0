package lab

import (
	"errors"
	"fmt"
)

// ErrNotUp is returned (wrapped) for a lab that has no running state.
var ErrNotUp = errors.New("lab is not up")

// Host states Status reports.
const (
	StateRunning = "running"
	StateCut     = "cut"     // running, isolated from the network
	StateStopped = "stopped" // stopped or killed on purpose
	StateDead    = "dead"    // not running, not stopped on purpose
	StateAbsent  = "absent"  // the lab is not up
)

// HostStatus is one line of Status.
type HostStatus struct {
	Name    string
	Address string
	State   string
	PID     int // systemd-nspawn's PID when running
}

// Status describes every host of the lab in dir.
func Status(dir string) ([]HostStatus, error) {
	l, err := Load(dir)
	if err != nil {
		return nil, err
	}
	st, err := loadState(l.Name)
	if err != nil {
		return nil, err
	}
	var out []HostStatus
	for _, lh := range l.Hosts {
		hs := HostStatus{Name: lh.Name, Address: lh.Address.String(), State: StateAbsent}
		if st != nil {
			if h := st.Host(lh.Name); h != nil {
				hs.Address = h.Address
				switch {
				case h.running() && !linkUp(h.Veth):
					hs.State, hs.PID = StateCut, h.PID
				case h.running():
					hs.State, hs.PID = StateRunning, h.PID
				case h.Stopped:
					hs.State = StateStopped
				default:
					hs.State = StateDead
				}
			}
		}
		out = append(out, hs)
	}
	return out, nil
}

// Loaded returns the running state of the lab in dir, or an error wrapping
// ErrNotUp.
func Loaded(dir string) (*State, error) {
	l, err := Load(dir)
	if err != nil {
		return nil, err
	}
	st, err := loadState(l.Name)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, fmt.Errorf("%w: %s (hactl lab up %s)", ErrNotUp, l.Name, dir)
	}
	return st, nil
}
