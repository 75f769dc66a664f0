package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Bridge is the lab bridge every host's veth is attached to.
const Bridge = "hactl0"

// netnsName names a host's network namespace: hl-<lab>_<host>, unique
// across labs running at once ('_' is in neither a lab nor a host name).
func netnsName(lab, host string) string { return "hl-" + lab + "_" + host }

// vethName names a host's machine-side veth after its address's last octet
// ("hlv" + N, at most 6 characters): addresses are unique across running
// labs, and interface names are limited to 15 characters.
func vethName(addr string) string {
	i := strings.LastIndexByte(addr, '.')
	return "hlv" + addr[i+1:]
}

// linkExists reports whether the machine has a network interface name.
func linkExists(name string) bool {
	if name == "" || strings.Contains(name, "/") {
		return false
	}
	_, err := os.Stat(filepath.Join("/sys/class/net", name))
	return err == nil
}

// netnsExists reports whether the named network namespace exists.
func netnsExists(name string) bool {
	if name == "" || strings.Contains(name, "/") {
		return false
	}
	_, err := os.Stat(filepath.Join("/run/netns", name))
	return err == nil
}

// linkUp reports whether the interface is administratively up.
func linkUp(name string) bool {
	data, err := os.ReadFile(filepath.Join("/sys/class/net", name, "flags"))
	if err != nil {
		return false
	}
	flags, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(string(data)), "0x"), 16, 64)
	return err == nil && flags&1 != 0
}

// ensureBridge creates the lab bridge with the machine's lab address. Call
// with the global lock held.
func ensureBridge(ctx context.Context) error {
	if !linkExists(Bridge) {
		if _, err := run(ctx, "ip", "link", "add", Bridge, "type", "bridge"); err != nil {
			return fmt.Errorf("create bridge: %w", err)
		}
	}
	out, err := run(ctx, "ip", "-o", "-4", "addr", "show", "dev", Bridge)
	if err != nil {
		return fmt.Errorf("bridge address: %w", err)
	}
	if !strings.Contains(out, " "+BridgeAddr.String()+"/24 ") {
		if _, err := run(ctx, "ip", "addr", "add", BridgeAddr.String()+"/24", "dev", Bridge); err != nil {
			return fmt.Errorf("bridge address: %w", err)
		}
	}
	if _, err := run(ctx, "ip", "link", "set", Bridge, "up"); err != nil {
		return fmt.Errorf("bridge up: %w", err)
	}
	return nil
}

// removeBridgeIfUnused deletes the bridge when no veth is attached to it
// any more. Call with the global lock held.
func removeBridgeIfUnused(ctx context.Context) error {
	if !linkExists(Bridge) {
		return nil
	}
	ports, _ := os.ReadDir(filepath.Join("/sys/class/net", Bridge, "brif"))
	if len(ports) > 0 {
		return nil
	}
	if _, err := run(ctx, "ip", "link", "del", Bridge); err != nil {
		return fmt.Errorf("remove bridge: %w", err)
	}
	return nil
}

// setupHostNet gives a host its namespace and its wire to the bridge: a
// veth whose inner end is eth0 with the host's address, and no route but
// the subnet's own.
func setupHostNet(ctx context.Context, h *HostState) error {
	if netnsExists(h.Netns) && linkExists(h.Veth) {
		out, err := run(ctx, "ip", "-n", h.Netns, "-o", "-4", "addr", "show", "dev", "eth0")
		if err == nil && strings.Contains(out, " "+h.Address+"/24 ") {
			return nil // already wired (a host being started again)
		}
	}
	teardownHostNet(ctx, h)
	if _, err := run(ctx, "ip", "netns", "add", h.Netns); err != nil {
		return fmt.Errorf("host %s: %w", h.Name, err)
	}
	if err := waitLinkGone(ctx, h.Veth); err != nil {
		return fmt.Errorf("host %s: %w", h.Name, err)
	}
	steps := [][]string{
		{"link", "add", h.Veth, "type", "veth", "peer", "name", "eth0", "netns", h.Netns},
		{"link", "set", h.Veth, "master", Bridge},
		{"link", "set", h.Veth, "up"},
		{"-n", h.Netns, "link", "set", "lo", "up"},
		{"-n", h.Netns, "addr", "add", h.Address + "/24", "dev", "eth0"},
		{"-n", h.Netns, "link", "set", "eth0", "up"},
	}
	for _, s := range steps {
		if _, err := run(ctx, "ip", s...); err != nil {
			return fmt.Errorf("host %s network: %w", h.Name, err)
		}
	}
	return nil
}

// teardownHostNet deletes a host's namespace and veth. Deleting the
// namespace deletes the veth pair asynchronously, so the machine-side end
// is deleted explicitly and waited for.
func teardownHostNet(ctx context.Context, h *HostState) {
	if netnsExists(h.Netns) {
		_, _ = run(ctx, "ip", "netns", "del", h.Netns)
	}
	if linkExists(h.Veth) {
		_, _ = run(ctx, "ip", "link", "del", h.Veth)
	}
	_ = waitLinkGone(ctx, h.Veth)
}

// waitLinkGone waits (up to 5 s) for an interface to disappear.
func waitLinkGone(ctx context.Context, name string) error {
	deadline := time.Now().Add(5 * time.Second)
	for linkExists(name) {
		if time.Now().After(deadline) {
			return fmt.Errorf("interface %s does not go away", name)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s to go away: %w", name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// labNetns lists the network namespaces named after lab, whatever the
// state says.
func labNetns(lab string) []string {
	entries, _ := os.ReadDir("/run/netns")
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "hl-"+lab+"_") {
			out = append(out, e.Name())
		}
	}
	return out
}
