package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// ansibleCfg holds the [defaults] settings of ansible.cfg that hactl reads,
// so existing projects run unchanged.
type ansibleCfg struct {
	path     string
	defaults map[string]string
}

// findAnsibleCfg looks where Ansible looks: $ANSIBLE_CONFIG, ./ansible.cfg,
// ~/.ansible.cfg, /etc/ansible/ansible.cfg. The first found wins.
func findAnsibleCfg() (*ansibleCfg, error) {
	var cands []string
	if p := os.Getenv("ANSIBLE_CONFIG"); p != "" {
		cands = append(cands, p)
	}
	cands = append(cands, "ansible.cfg")
	if home, err := os.UserHomeDir(); err == nil {
		cands = append(cands, filepath.Join(home, ".ansible.cfg"))
	}
	cands = append(cands, "/etc/ansible/ansible.cfg")
	for _, p := range cands {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		defer f.Close()
		cfg := &ansibleCfg{path: p, defaults: map[string]string{}}
		section := ""
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || line[0] == '#' || line[0] == ';' {
				continue
			}
			if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
				section = strings.TrimSpace(line[1 : len(line)-1])
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			if !ok || section != "defaults" {
				continue
			}
			cfg.defaults[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		return cfg, sc.Err()
	}
	return &ansibleCfg{defaults: map[string]string{}}, nil
}

// get returns a [defaults] value, with the environment variable
// ANSIBLE_<KEY> taking precedence as in Ansible.
func (c *ansibleCfg) get(key string) string {
	if v, ok := os.LookupEnv("ANSIBLE_" + strings.ToUpper(key)); ok {
		return v
	}
	return c.defaults[key]
}

// relPath resolves a path from ansible.cfg relative to the file's
// directory, with ~ expanded.
func (c *ansibleCfg) relPath(p string) string {
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[2:])
		}
	}
	if filepath.IsAbs(p) || c.path == "" || strings.Contains(p, ",") {
		return p
	}
	return filepath.Join(filepath.Dir(c.path), p)
}
