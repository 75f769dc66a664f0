package registry

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// user is one htpasswd entry as declared.
type user struct{ Name, Password string }

func parseUsers(list []any) ([]user, error) {
	var out []user
	seen := map[string]bool{}
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("htpasswd_users[%d]: expected {user, password}", i)
		}
		name, _ := m["user"].(string)
		pw, _ := m["password"].(string)
		if name == "" || strings.ContainsAny(name, ":\n") {
			return nil, fmt.Errorf("htpasswd_users[%d]: user must be a non-empty name without ':'", i)
		}
		if pw == "" {
			return nil, fmt.Errorf("htpasswd_users[%d] (%s): password is empty", i, name)
		}
		if len(pw) > 72 {
			return nil, fmt.Errorf("htpasswd_users[%d] (%s): bcrypt uses at most 72 bytes of a password", i, name)
		}
		for k := range m {
			if k != "user" && k != "password" {
				return nil, fmt.Errorf("htpasswd_users[%d]: unknown key %q", i, k)
			}
		}
		if seen[name] {
			return nil, fmt.Errorf("htpasswd_users: user %q listed twice", name)
		}
		seen[name] = true
		out = append(out, user{name, pw})
	}
	return out, nil
}

// htpasswd renders the file: existing lines whose bcrypt hash matches
// the declared password are kept, others are hashed anew. Users are in
// the order declared.
func htpasswd(users []user, existing []byte) ([]byte, error) {
	old := map[string]string{}
	for line := range strings.SplitSeq(string(existing), "\n") {
		if name, hash, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			old[name] = hash
		}
	}
	var b strings.Builder
	for _, u := range users {
		hash := old[u.Name]
		if hash == "" || bcrypt.CompareHashAndPassword([]byte(hash), []byte(u.Password)) != nil {
			h, err := bcrypt.GenerateFromPassword([]byte(u.Password), bcrypt.DefaultCost)
			if err != nil {
				return nil, fmt.Errorf("bcrypt for %s: %w", u.Name, err)
			}
			hash = string(h)
		}
		b.WriteString(u.Name + ":" + hash + "\n")
	}
	return []byte(b.String()), nil
}

// userNames lists the user names of an htpasswd file, for diffs.
func userNames(data []byte) string {
	var names []string
	for line := range strings.SplitSeq(string(data), "\n") {
		if name, _, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			names = append(names, name+": (bcrypt hash)")
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return ""
	}
	return strings.Join(names, "\n") + "\n"
}
