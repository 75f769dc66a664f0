package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hactl/hactl/internal/sshtest"
	"github.com/hactl/hactl/pkg/lab"
)

// targetSet is a group of running hosts with one inventory for every
// runner.
type targetSet struct {
	// Name labels the set in the results ("ssh×10", "lab×10").
	Name string
	// Hosts are the hosts, for the floor client and resets.
	Hosts []floorHost
	// Inventory is the INI inventory both ansible-playbook and hactl read.
	Inventory string
	// HostsFile is Hosts as JSON, for the floor client.
	HostsFile string
	// close stops the hosts.
	close func() error
}

// Close stops the hosts and removes what they left.
func (t *targetSet) Close() error {
	if t.close == nil {
		return nil
	}
	return t.close()
}

// startSSH starts n sshd on 127.0.0.1 with sshtest under dir.
func startSSH(dir string, n int) (*targetSet, error) {
	sshdDir := filepath.Join(dir, "sshd")
	if err := os.MkdirAll(sshdDir, 0o755); err != nil {
		return nil, fmt.Errorf("sshd dir: %w", err)
	}
	c, err := sshtest.StartServers(sshdDir, n)
	if err != nil {
		return nil, fmt.Errorf("start %d sshd: %w", n, err)
	}
	t := &targetSet{Name: "ssh×" + strconv.Itoa(n), close: c.Close}
	var inv strings.Builder
	inv.WriteString("[bench]\n")
	for _, s := range c.Servers {
		fmt.Fprintf(&inv, "%s ansible_host=%s ansible_port=%d\n", s.Name, s.Host, s.Port)
		t.Hosts = append(t.Hosts, floorHost{Name: s.Name, Addr: s.Addr, User: s.User, KeyFile: c.KeyFile, KnownHosts: c.KnownHostsFile})
	}
	fmt.Fprintf(&inv, "\n[bench:vars]\nansible_user=%s\nansible_ssh_private_key_file=%s\n", c.Servers[0].User, c.KeyFile)
	fmt.Fprintf(&inv, "ansible_ssh_common_args=\"-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes\"\n", c.KnownHostsFile)
	inv.WriteString("ansible_python_interpreter=/usr/bin/python3\n")
	if err := t.write(dir, inv.String()); err != nil {
		_ = c.Close()
		return nil, err
	}
	return t, nil
}

// startLab brings up n local-lab hosts (network namespaces, their own
// root filesystems and sshd) in a throwaway lab under dir.
func startLab(ctx context.Context, dir string, n int, logw *os.File) (*targetSet, error) {
	if err := lab.CheckHost(); err != nil {
		return nil, fmt.Errorf("local lab unavailable: %w", err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "bench" + hex.EncodeToString(b)
	labDir := filepath.Join(dir, "lab")
	if err := os.MkdirAll(labDir, 0o755); err != nil {
		return nil, fmt.Errorf("lab dir: %w", err)
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	addrs, err := lab.ReserveAddresses(rctx, name, n)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("reserve lab addresses: %w", err)
	}
	var inv strings.Builder
	hosts := map[string]any{}
	for i, a := range addrs {
		h := fmt.Sprintf("h%d", i+1)
		inv.WriteString(h + "\n")
		hosts[h] = map[string]any{"address": a.String()}
	}
	cfg, err := yaml.Marshal(map[string]any{"name": name, "hosts": hosts})
	if err != nil {
		return nil, fmt.Errorf("lab config: %w", err)
	}
	if err := os.WriteFile(filepath.Join(labDir, "hosts"), []byte(inv.String()), 0o644); err != nil {
		return nil, fmt.Errorf("lab inventory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(labDir, lab.ConfigFile), cfg, 0o644); err != nil {
		return nil, fmt.Errorf("lab config: %w", err)
	}
	down := func() error {
		dctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		return lab.DownName(dctx, name, lab.Options{HaltTimeout: 20 * time.Second})
	}
	uctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	st, err := lab.Up(uctx, labDir, lab.Options{Log: logw})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("lab up: %w", err), down())
	}
	t := &targetSet{Name: "lab×" + strconv.Itoa(n), close: down}
	var b2 strings.Builder
	b2.WriteString("[bench]\n")
	for _, h := range st.Hosts {
		fmt.Fprintf(&b2, "%s ansible_host=%s\n", h.Name, h.Address)
		t.Hosts = append(t.Hosts, floorHost{Name: h.Name, Addr: h.Address + ":22", User: "root", KeyFile: st.KeyPath(), KnownHosts: st.KnownHostsPath()})
	}
	fmt.Fprintf(&b2, "\n[bench:vars]\nansible_user=root\nansible_ssh_private_key_file=%s\n", st.KeyPath())
	fmt.Fprintf(&b2, "ansible_ssh_common_args=\"-o UserKnownHostsFile=%s -o StrictHostKeyChecking=yes\"\n", st.KnownHostsPath())
	b2.WriteString("ansible_python_interpreter=/usr/bin/python3\n")
	if err := t.write(dir, b2.String()); err != nil {
		return nil, errors.Join(err, down())
	}
	return t, nil
}

// write saves the inventory and the floor's host list in dir.
func (t *targetSet) write(dir, inventory string) error {
	t.Inventory = filepath.Join(dir, "inventory.ini")
	if err := os.WriteFile(t.Inventory, []byte(inventory), 0o644); err != nil {
		return fmt.Errorf("inventory: %w", err)
	}
	t.HostsFile = filepath.Join(dir, "hosts.json")
	return writeHosts(t.HostsFile, t.Hosts)
}
