package registry

import (
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/hactl/hactl/pkg/module"
)

// ConfigPath is the file Debian's docker-registry unit reads.
const ConfigPath = "/etc/docker/registry/config.yml"

// masked replaces secrets in diffs.
const masked = "********"

// settings are the checked arguments that shape config.yml.
type settings struct {
	Addr      string
	Storage   string
	Delete    bool
	Readonly  bool
	Secret    string
	TLSCert   string
	TLSKey    string
	Htpasswd  string // path; "" when authentication is off
	Realm     string
	verifyURL string
}

func parseSettings(a module.Args) (settings, error) {
	s := settings{
		Addr: a.String("addr"), Storage: a.String("storage_path"), Delete: a.Bool("delete_enabled"),
		Readonly: a.Bool("readonly"), Secret: a.String("http_secret"), TLSCert: a.String("tls_cert"),
		TLSKey: a.String("tls_key"), Realm: a.String("realm"),
	}
	if len(a.List("htpasswd_users")) > 0 {
		s.Htpasswd = a.String("htpasswd_path")
	}
	host, port, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return s, fmt.Errorf("addr %q: %w", s.Addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return s, fmt.Errorf("addr %q: %q is not a port", s.Addr, port)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	scheme := "http"
	if s.TLSCert != "" {
		scheme = "https"
	}
	s.verifyURL = scheme + "://" + net.JoinHostPort(host, port) + "/v2/"
	if !strings.HasPrefix(s.Storage, "/") {
		return s, fmt.Errorf("storage_path %q must be absolute", s.Storage)
	}
	return s, nil
}

// q quotes a YAML scalar (a JSON string is a valid double-quoted YAML
// scalar).
func q(s string) string {
	b, _ := json.Marshal(s) // strings always marshal
	return string(b)
}

// render returns config.yml. With mask, the secret is replaced for the
// diff.
func (s settings) render(mask bool) []byte {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# Managed by hactl (docker_registry): changes made here are overwritten.")
	w("version: 0.1")
	w("log:")
	w("  fields:")
	w("    service: registry")
	w("storage:")
	w("  cache:")
	w("    blobdescriptor: inmemory")
	w("  filesystem:")
	w("    rootdirectory: %s", q(s.Storage))
	w("  delete:")
	w("    enabled: %t", s.Delete)
	w("  maintenance:")
	w("    readonly:")
	w("      enabled: %t", s.Readonly)
	w("http:")
	w("  addr: %s", q(s.Addr))
	if s.Secret != "" {
		sec := s.Secret
		if mask {
			sec = masked
		}
		w("  secret: %s", q(sec))
	}
	if s.TLSCert != "" {
		w("  tls:")
		w("    certificate: %s", q(s.TLSCert))
		w("    key: %s", q(s.TLSKey))
	}
	w("  headers:")
	w("    X-Content-Type-Options: [nosniff]")
	if s.Htpasswd != "" {
		w("auth:")
		w("  htpasswd:")
		w("    realm: %s", q(s.Realm))
		w("    path: %s", q(s.Htpasswd))
	}
	w("health:")
	w("  storagedriver:")
	w("    enabled: true")
	w("    interval: 10s")
	w("    threshold: 3")
	return []byte(b.String())
}
