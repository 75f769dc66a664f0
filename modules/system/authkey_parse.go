package system

import (
	"regexp"
	"slices"
	"strings"
)

// sshKeyTypes are the key types Ansible's authorized_key recognises.
var sshKeyTypes = map[string]bool{
	"sk-ecdsa-sha2-nistp256@openssh.com": true, "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com": true,
	"ecdsa-sha2-nistp256": true, "ecdsa-sha2-nistp256-cert-v01@openssh.com": true,
	"ecdsa-sha2-nistp384": true, "ecdsa-sha2-nistp384-cert-v01@openssh.com": true,
	"ecdsa-sha2-nistp521": true, "ecdsa-sha2-nistp521-cert-v01@openssh.com": true,
	"sk-ssh-ed25519@openssh.com": true, "sk-ssh-ed25519-cert-v01@openssh.com": true,
	"ssh-ed25519": true, "ssh-ed25519-cert-v01@openssh.com": true,
	"ssh-dss": true, "ssh-rsa": true, "ssh-xmss@openssh.com": true,
	"ssh-dss-cert-v01@openssh.com": true, "ssh-rsa-cert-v01@openssh.com": true,
	"rsa-sha2-256": true, "rsa-sha2-512": true, "ssh-xmss-cert-v01@openssh.com": true,
	"rsa-sha2-256-cert-v01@openssh.com": true, "rsa-sha2-512-cert-v01@openssh.com": true,
}

// keyOpt is one key option; a nil value is a flag such as no-pty.
type keyOpt struct {
	name  string
	value *string
}

// keyOpts keeps options in order and may repeat a name, like Ansible's
// keydict.
type keyOpts []keyOpt

// equal compares like Ansible's keydict: per name, the list of values in
// order; the interleaving of different names does not matter.
func (o keyOpts) equal(p keyOpts) bool {
	group := func(x keyOpts) map[string][]string {
		m := map[string][]string{}
		for _, e := range x {
			v := "\x00none"
			if e.value != nil {
				v = "=" + *e.value
			}
			m[e.name] = append(m[e.name], v)
		}
		return m
	}
	a, b := group(o), group(p)
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func (o keyOpts) String() string {
	parts := make([]string, len(o))
	for i, e := range o {
		parts[i] = e.name
		if e.value != nil {
			parts[i] += "=" + *e.value
		}
	}
	return strings.Join(parts, ",")
}

// optionPart splits options at commas outside quotes.
var optionPart = regexp.MustCompile(`((?:[^,"']|"[^"]*"|'[^']*')+)`)

// parseKeyOptions reads "opt,opt=value,…" the way Ansible does: the
// matched parts and the text between them are all considered, and a
// separator other than a single comma becomes an option of its own.
func parseKeyOptions(s string) keyOpts {
	var parts []string
	ms := optionPart.FindAllStringIndex(s, -1)
	for i, m := range ms {
		if i > 0 {
			parts = append(parts, s[ms[i-1][1]:m[0]])
		}
		parts = append(parts, s[m[0]:m[1]])
	}
	var out keyOpts
	for _, p := range parts {
		if k, v, ok := strings.Cut(p, "="); ok {
			out = append(out, keyOpt{name: k, value: &v})
		} else if p != "," {
			out = append(out, keyOpt{name: p})
		}
	}
	return out
}

// authKey is one line of an authorized_keys file. For lines that are not
// keys (comments, blanks, junk) skipped is true and id is the raw line.
type authKey struct {
	id      string // the base64 blob, or the raw line
	typ     string
	opts    keyOpts
	comment string
	rank    int
	skipped bool
}

// same compares everything but the rank.
func (k authKey) same(o authKey) bool {
	return k.id == o.id && k.typ == o.typ && k.skipped == o.skipped && k.comment == o.comment && k.opts.equal(o.opts)
}

func splitKeyWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' })
}

// parseAuthKey parses one key line; ok is false when it holds no known
// key type followed by a key.
func parseAuthKey(raw string, rank int) (authKey, bool) {
	raw = strings.ReplaceAll(raw, `\#`, "#")
	words := splitKeyWords(raw)
	if len(words) > 0 && words[0] == "#" {
		return authKey{id: raw, skipped: true, rank: rank}, true
	}
	ti := slices.IndexFunc(words, func(w string) bool { return sshKeyTypes[w] })
	if ti < 0 || ti+1 >= len(words) {
		return authKey{}, false
	}
	return authKey{
		id:      words[ti+1],
		typ:     words[ti],
		opts:    parseKeyOptions(strings.Join(words[:ti], " ")),
		comment: strings.Join(words[ti+2:], " "),
		rank:    rank,
	}, true
}

// keySet is an insertion-ordered map of keys by id, like the Python dict
// Ansible keeps.
type keySet struct {
	order []string
	byID  map[string]authKey
}

func (s *keySet) has(id string) bool { _, ok := s.byID[id]; return ok }

func (s *keySet) set(k authKey) {
	if !s.has(k.id) {
		s.order = append(s.order, k.id)
	}
	s.byID[k.id] = k
}

func (s *keySet) del(id string) {
	if !s.has(id) {
		return
	}
	delete(s.byID, id)
	s.order = slices.DeleteFunc(s.order, func(x string) bool { return x == id })
}

// parseAuthKeys reads a whole file.
func parseAuthKeys(content string) *keySet {
	s := &keySet{byID: map[string]authKey{}}
	for i, line := range slices.Collect(strings.Lines(content)) {
		k, ok := parseAuthKey(line, i)
		if !ok {
			k = authKey{id: line, skipped: true, rank: i}
		}
		s.set(k)
	}
	return s
}

// serialize writes the keys sorted by rank (stable: insertion order breaks
// ties), each key as "OPTIONS TYPE KEY COMMENT".
func (s *keySet) serialize() string {
	keys := make([]authKey, len(s.order))
	for i, id := range s.order {
		keys[i] = s.byID[id]
	}
	slices.SortStableFunc(keys, func(a, b authKey) int { return a.rank - b.rank })
	var b strings.Builder
	for _, k := range keys {
		if k.skipped {
			b.WriteString(k.id)
			continue
		}
		if len(k.opts) > 0 {
			b.WriteString(k.opts.String() + " ")
		}
		b.WriteString(k.typ + " " + k.id + " " + k.comment + "\n")
	}
	return b.String()
}

// keyPlan is the outcome of applying the requested keys to a file.
type keyPlan struct {
	content string
	write   bool
	invalid string // the first invalid requested key
}

// planKeys applies Ansible's enforce_state to the current content.
func planKeys(current, keyText string, present, exclusive bool, options, comment *string) keyPlan {
	var wanted []string
	for _, l := range strings.Split(strings.ReplaceAll(keyText, "\r\n", "\n"), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			wanted = append(wanted, l)
		}
	}
	existing := parseAuthKeys(current)
	maxRank := len(existing.order)
	var keep []string
	write := false
	for i, line := range wanted {
		k, ok := parseAuthKey(line, i)
		if !ok || k.skipped {
			return keyPlan{invalid: line}
		}
		if options != nil {
			k.opts = parseKeyOptions(*options)
		}
		if comment != nil {
			k.comment = *comment
		}
		matched := false
		if old, ok := existing.byID[k.id]; ok {
			if present && !k.same(old) {
				existing.del(k.id)
				write = true
			} else {
				matched = true
			}
		}
		if present {
			keep = append(keep, k.id)
			if !matched {
				k.rank = maxRank + i
				existing.set(k)
				write = true
			}
		} else if matched {
			existing.del(k.id)
			write = true
		}
	}
	if present && exclusive {
		for _, id := range slices.Clone(existing.order) {
			if !slices.Contains(keep, id) {
				existing.del(id)
				write = true
			}
		}
	}
	return keyPlan{content: existing.serialize(), write: write}
}
