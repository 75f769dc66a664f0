// Package aptrepo serves a small apt repository to lab hosts, for tests of
// modules and roles that install packages: the hosts have no route to any
// mirror, so the repository is built on the controller (synthetic packages
// made with dpkg-deb, or real ones fetched with apt-get download) and
// served over HTTP on the lab bridge.
package aptrepo

import (
	"bytes"
	"compress/gzip"
	"crypto/md5" //nolint:gosec // apt's Packages index carries MD5sum
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hactl/hactl/modules/internal/modtest"
	"github.com/hactl/hactl/pkg/lab"
)

// Repo is a flat repository ("deb [trusted=yes] URL ./") in a temporary
// directory, served while the test runs.
type Repo struct {
	// Dir holds the .deb files and the index.
	Dir string
	// URL is the repository's address as lab hosts see it.
	URL string
	mu  sync.Mutex
}

// New serves an empty repository on the lab bridge address; call it after
// the lab is up (the bridge must exist). The server stops with the test.
func New(t testing.TB) *Repo {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil { // apt-get download runs as _apt
		t.Fatalf("aptrepo: %v", err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(lab.BridgeAddr.String(), "0"))
	if err != nil {
		t.Fatalf("aptrepo: listen on the lab bridge (is a lab up?): %v", err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	r := &Repo{Dir: dir, URL: "http://" + ln.Addr().String() + "/"}
	r.index(t)
	return r
}

// Package describes a synthetic package for Build.
type Package struct {
	Name    string
	Version string
	// Arch defaults to "all".
	Arch string
	// Depends is the Depends field, e.g. "hactl-dep (>= 1.0)".
	Depends string
	// Files maps absolute paths on the host to their contents.
	Files map[string]string
	// Conffiles lists paths of Files that are configuration files.
	Conffiles []string
}

// Build makes a .deb from p with dpkg-deb, adds it to the repository and
// re-indexes it. It returns the .deb's path on the controller.
func (r *Repo) Build(t testing.TB, p Package) string {
	t.Helper()
	if p.Arch == "" {
		p.Arch = "all"
	}
	root := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(root, "DEBIAN"), 0o755))
	control := fmt.Sprintf("Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: hactl tests <tests@hactl.invalid>\nSection: misc\nPriority: optional\n", p.Name, p.Version, p.Arch)
	if p.Depends != "" {
		control += "Depends: " + p.Depends + "\n"
	}
	control += "Description: hactl test package " + p.Name + "\n synthetic package built by the hactl test suite.\n"
	must(t, os.WriteFile(filepath.Join(root, "DEBIAN", "control"), []byte(control), 0o644))
	if len(p.Conffiles) > 0 {
		must(t, os.WriteFile(filepath.Join(root, "DEBIAN", "conffiles"), []byte(strings.Join(p.Conffiles, "\n")+"\n"), 0o644))
	}
	for path, content := range p.Files {
		full := filepath.Join(root, path)
		must(t, os.MkdirAll(filepath.Dir(full), 0o755))
		must(t, os.WriteFile(full, []byte(content), 0o644))
	}
	deb := filepath.Join(r.Dir, fmt.Sprintf("%s_%s_%s.deb", p.Name, strings.ReplaceAll(p.Version, ":", "%3a"), p.Arch))
	out, err := exec.Command("dpkg-deb", "--root-owner-group", "-Zgzip", "--build", root, deb).CombinedOutput()
	if err != nil {
		t.Fatalf("aptrepo: dpkg-deb --build %s: %v: %s", p.Name, err, out)
	}
	r.index(t)
	return deb
}

// Download fetches real packages with apt-get download on the controller
// (from the machine's configured mirror) into the repository and
// re-indexes it.
func (r *Repo) Download(t testing.TB, names ...string) {
	t.Helper()
	cmd := exec.Command("apt-get", append([]string{"download", "-q"}, names...)...)
	cmd.Dir = r.Dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("aptrepo: apt-get download %v: %v: %s", names, err, out)
	}
	r.index(t)
}

// Remove deletes the .deb files whose names start with prefix and
// re-indexes.
func (r *Repo) Remove(t testing.TB, prefix string) {
	t.Helper()
	debs, _ := filepath.Glob(filepath.Join(r.Dir, "*.deb"))
	for _, d := range debs {
		if strings.HasPrefix(filepath.Base(d), prefix) {
			must(t, os.Remove(d))
		}
	}
	r.index(t)
}

// index writes Packages, Packages.gz and an unsigned Release.
func (r *Repo) index(t testing.TB) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	debs, err := filepath.Glob(filepath.Join(r.Dir, "*.deb"))
	must(t, err)
	slices.Sort(debs)
	var pk bytes.Buffer
	for _, d := range debs {
		ctl, err := exec.Command("dpkg-deb", "-f", d).Output()
		if err != nil {
			t.Fatalf("aptrepo: dpkg-deb -f %s: %v", d, err)
		}
		data, err := os.ReadFile(d)
		must(t, err)
		m := md5.Sum(data) //nolint:gosec
		s := sha256.Sum256(data)
		pk.Write(bytes.TrimRight(ctl, "\n"))
		fmt.Fprintf(&pk, "\nFilename: ./%s\nSize: %d\nMD5sum: %s\nSHA256: %s\n\n", filepath.Base(d), len(data), hex.EncodeToString(m[:]), hex.EncodeToString(s[:]))
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(pk.Bytes())
	must(t, zw.Close())
	var rel strings.Builder
	fmt.Fprintf(&rel, "Origin: hactl-test\nLabel: hactl-test\nSuite: hactl-test\nCodename: hactl-test\nDate: %s\nArchitectures: all amd64 arm64\nSHA256:\n",
		time.Now().UTC().Format(time.RFC1123))
	for name, b := range map[string][]byte{"Packages": pk.Bytes(), "Packages.gz": gz.Bytes()} {
		s := sha256.Sum256(b)
		fmt.Fprintf(&rel, " %s %d %s\n", hex.EncodeToString(s[:]), len(b), name)
		must(t, os.WriteFile(filepath.Join(r.Dir, name), b, 0o644))
	}
	must(t, os.WriteFile(filepath.Join(r.Dir, "Release"), []byte(rel.String()), 0o644))
}

// SourceLine is the sources.list line for the repository.
func (r *Repo) SourceLine() string { return "deb [trusted=yes] " + r.URL + " ./" }

// Use makes h install from this repository only: the image's sources are
// moved to /etc/apt/hactl-disabled-sources, the repository is added as
// /etc/apt/sources.list.d/hactl-test.list and the lists are refreshed.
func (r *Repo) Use(t testing.TB, h *modtest.Host) {
	t.Helper()
	h.Sh(t, `set -e
mkdir -p /etc/apt/hactl-disabled-sources
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*; do
  case "$f" in */hactl-test.list) continue;; esac
  if [ -f "$f" ]; then mv -f "$f" /etc/apt/hactl-disabled-sources/; fi
done
printf '%s\n' '`+r.SourceLine()+`' > /etc/apt/sources.list.d/hactl-test.list
apt-get update -q --error-on=any >/dev/null
`)
}

// Refresh re-reads the repository's index on h (apt-get update).
func (r *Repo) Refresh(t testing.TB, h *modtest.Host) {
	t.Helper()
	h.Sh(t, "apt-get update -q --error-on=any >/dev/null")
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("aptrepo: %v", err)
	}
}
