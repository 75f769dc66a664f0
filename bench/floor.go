package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// floorHost is one target as the floor client sees it: the harness writes
// the same hosts it puts in the inventory to a JSON file.
type floorHost struct {
	Name       string `json:"name"`
	Addr       string `json:"addr"` // host:port
	User       string `json:"user"`
	KeyFile    string `json:"key_file"`
	KnownHosts string `json:"known_hosts"`
}

// readHosts loads the JSON host list written by writeHosts.
func readHosts(path string) ([]floorHost, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read hosts: %w", err)
	}
	var hs []floorHost
	if err := json.Unmarshal(b, &hs); err != nil {
		return nil, fmt.Errorf("parse hosts %s: %w", path, err)
	}
	return hs, nil
}

// writeHosts saves the host list for the floor client.
func writeHosts(path string, hs []floorHost) error {
	b, err := json.MarshalIndent(hs, "", "  ")
	if err != nil {
		return fmt.Errorf("encode hosts: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write hosts: %w", err)
	}
	return nil
}

// floorMain is the floor: the least a runner must do to run `tasks`
// commands on every host with golang.org/x/crypto/ssh when each task is one
// SSH session. It opens one client per host (host keys checked against
// known_hosts), then runs the tasks in lock step like Ansible's linear
// strategy (every host finishes task i before any starts task i+1), at
// most `forks` hosts at a time, and prints nothing but errors.
func floorMain(args []string) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	hostsFile := fs.String("hosts", "", "JSON host list")
	tasks := fs.Int("tasks", 20, "commands per host")
	forks := fs.Int("forks", 50, "hosts at a time")
	command := fs.String("cmd", "/bin/true", "command each task runs")
	timeout := fs.Duration("timeout", 10*time.Minute, "bound on the whole run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	hs, err := readHosts(*hostsFile)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	clients, err := dialAll(ctx, hs, *forks)
	defer func() {
		for _, c := range clients {
			if c != nil {
				_ = c.Close()
			}
		}
	}()
	if err != nil {
		return err
	}
	for range *tasks {
		if err := forEach(ctx, len(clients), *forks, func(i int) error {
			return runSession(clients[i], *command)
		}); err != nil {
			return err
		}
	}
	return nil
}

// execMain runs one shell command on every host and prints failures; the
// harness uses it to reset targets between runs. hostPlaceholder in the
// command is replaced by each host's name, so hosts sharing a filesystem
// can each touch only their own files.
func execMain(args []string) error {
	fs := flag.NewFlagSet("exec", flag.ContinueOnError)
	hostsFile := fs.String("hosts", "", "JSON host list")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("exec: want one command")
	}
	hs, err := readHosts(*hostsFile)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	clients, err := dialAll(ctx, hs, 50)
	defer func() {
		for _, c := range clients {
			if c != nil {
				_ = c.Close()
			}
		}
	}()
	if err != nil {
		return err
	}
	return forEach(ctx, len(clients), 50, func(i int) error {
		if err := runSession(clients[i], strings.ReplaceAll(fs.Arg(0), hostPlaceholder, hs[i].Name)); err != nil {
			return fmt.Errorf("%s: %w", hs[i].Name, err)
		}
		return nil
	})
}

// sessionCost times `reps` sessions of each command on one host and
// returns the median per command: it shows what the target's shell start-up
// adds to every task.
func sessionCost(ctx context.Context, h floorHost, reps int, commands []string) ([]time.Duration, error) {
	clients, err := dialAll(ctx, []floorHost{h}, 1)
	if err != nil {
		return nil, err
	}
	defer clients[0].Close()
	out := make([]time.Duration, len(commands))
	for ci, cmd := range commands {
		ds := make([]time.Duration, reps)
		for r := range reps {
			start := time.Now()
			if err := runSession(clients[0], cmd); err != nil {
				return nil, fmt.Errorf("%q: %w", cmd, err)
			}
			ds[r] = time.Since(start)
		}
		sort.Slice(ds, func(a, b int) bool { return ds[a] < ds[b] })
		out[ci] = ds[reps/2]
	}
	return out, nil
}

// dialAll opens one client per host, at most forks at a time. On error the
// clients opened so far are returned for the caller to close.
func dialAll(ctx context.Context, hs []floorHost, forks int) ([]*ssh.Client, error) {
	clients := make([]*ssh.Client, len(hs))
	signers := map[string]ssh.Signer{}
	checks := map[string]ssh.HostKeyCallback{}
	for _, h := range hs {
		if _, ok := signers[h.KeyFile]; !ok {
			b, err := os.ReadFile(h.KeyFile)
			if err != nil {
				return clients, fmt.Errorf("read key: %w", err)
			}
			s, err := ssh.ParsePrivateKey(b)
			if err != nil {
				return clients, fmt.Errorf("parse key: %w", err)
			}
			signers[h.KeyFile] = s
		}
		if _, ok := checks[h.KnownHosts]; !ok {
			cb, err := knownhosts.New(h.KnownHosts)
			if err != nil {
				return clients, fmt.Errorf("known_hosts: %w", err)
			}
			checks[h.KnownHosts] = cb
		}
	}
	err := forEach(ctx, len(hs), forks, func(i int) error {
		h := hs[i]
		cfg := &ssh.ClientConfig{
			User:            h.User,
			Auth:            []ssh.AuthMethod{ssh.PublicKeys(signers[h.KeyFile])},
			HostKeyCallback: checks[h.KnownHosts],
			Timeout:         30 * time.Second,
		}
		c, err := ssh.Dial("tcp", h.Addr, cfg)
		if err != nil {
			return fmt.Errorf("dial %s: %w", h.Name, err)
		}
		clients[i] = c
		return nil
	})
	return clients, err
}

// runSession runs cmd in a new session of c and fails on a non-zero exit.
func runSession(c *ssh.Client, cmd string) error {
	s, err := c.NewSession()
	if err != nil {
		return fmt.Errorf("new session: %w", err)
	}
	defer s.Close()
	if out, err := s.CombinedOutput(cmd); err != nil {
		return fmt.Errorf("run %q: %w: %s", cmd, err, out)
	}
	return nil
}

// forEach calls f(0..n-1) with at most par calls at once, stops starting
// new calls once ctx ends, and joins the errors.
func forEach(ctx context.Context, n, par int, f func(i int) error) error {
	if par < 1 {
		par = 1
	}
	errs := make([]error, n)
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			errs[i] = ctx.Err()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = f(i)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
