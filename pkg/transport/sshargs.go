package transport

import (
	"fmt"
	"strconv"
	"strings"
)

// sshOptions are the OpenSSH client options hactl understands, as found in
// ansible_ssh_common_args / ansible_ssh_extra_args. For each option the
// first value wins, as with ssh(1).
type sshOptions struct {
	opts       map[string]string // lower-case option name → value
	identities []string          // every -i / IdentityFile, in order
}

func (o *sshOptions) set(key, value string) {
	key = strings.ToLower(key)
	if key == "identityfile" {
		o.identities = append(o.identities, value)
		return
	}
	if _, ok := o.opts[key]; !ok {
		o.opts[key] = value
	}
}

func (o *sshOptions) get(key string) (string, bool) {
	v, ok := o.opts[strings.ToLower(key)]
	return v, ok
}

// sshFlagsWithArg are the ssh(1) flags that take an argument.
const sshFlagsWithArg = "BbcDEeFIiJLlmOopQRSWw"

// parseSSHArgs reads OpenSSH command-line options from a string such as
// `-o ProxyJump=bastion -o StrictHostKeyChecking=accept-new -J x`. Flags
// and options that do not affect how hactl connects (ControlMaster,
// ControlPersist, -C, -v, …) are ignored.
func parseSSHArgs(args ...string) (sshOptions, error) {
	o := sshOptions{opts: map[string]string{}}
	for _, a := range args {
		words, err := splitWords(a)
		if err != nil {
			return o, fmt.Errorf("ssh arguments %q: %w", a, err)
		}
		if err := o.parseWords(words); err != nil {
			return o, fmt.Errorf("ssh arguments %q: %w", a, err)
		}
	}
	return o, nil
}

func (o *sshOptions) parseWords(words []string) error {
	for i := 0; i < len(words); i++ {
		w := words[i]
		if len(w) < 2 || w[0] != '-' {
			continue // not an option: nothing hactl can use
		}
		// Walk a cluster of flags such as -4Cq or -p2222.
		for j := 1; j < len(w); j++ {
			flag := w[j]
			if !strings.ContainsRune(sshFlagsWithArg, rune(flag)) {
				continue
			}
			val := w[j+1:]
			if val == "" {
				if i+1 >= len(words) {
					return fmt.Errorf("option -%c needs a value", flag)
				}
				i++
				val = words[i]
			}
			if err := o.flag(flag, val); err != nil {
				return err
			}
			break
		}
	}
	return nil
}

// flag records one flag with its argument.
func (o *sshOptions) flag(flag byte, val string) error {
	switch flag {
	case 'o':
		key, value, ok := splitOption(val)
		if !ok {
			return fmt.Errorf("option -o %q: want Key=Value", val)
		}
		o.set(key, value)
	case 'J':
		o.set("ProxyJump", val)
	case 'p':
		o.set("Port", val)
	case 'l':
		o.set("User", val)
	case 'i':
		o.set("IdentityFile", val)
	}
	return nil
}

// splitOption splits "Key=Value", "Key Value" or "Key = Value".
func splitOption(s string) (key, value string, ok bool) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, "= \t")
	if i <= 0 {
		return "", "", false
	}
	key = s[:i]
	value = strings.TrimSpace(s[i:])
	value = strings.TrimSpace(strings.TrimPrefix(value, "="))
	return key, value, true
}

// splitWords splits s into words like a POSIX shell would (single quotes,
// double quotes with backslash escapes, backslashes), without expansions.
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`\n", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("unterminated double quote")
			}
			inWord = true
		case c == '\\':
			if i+1 < len(s) {
				i++
				cur.WriteByte(s[i])
			}
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// parseJumpHosts reads a ProxyJump value: "none" or a comma-separated list
// of [user@]host[:port] or ssh://[user@]host[:port].
func parseJumpHosts(s string) ([]Hop, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "none") {
		return nil, nil
	}
	var hops []Hop
	for _, part := range strings.Split(s, ",") {
		h, err := parseHop(strings.TrimSpace(part))
		if err != nil {
			return nil, err
		}
		hops = append(hops, h)
	}
	return hops, nil
}

// parseHop reads one [user@]host[:port] (IPv6 hosts in brackets).
func parseHop(s string) (Hop, error) {
	var h Hop
	s = strings.TrimPrefix(s, "ssh://")
	s = strings.TrimSuffix(s, "/")
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		h.User, s = s[:i], s[i+1:]
	}
	host, port := s, ""
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return h, fmt.Errorf("jump host %q: unterminated [", s)
		}
		host = s[1:end]
		if rest := s[end+1:]; rest != "" {
			if !strings.HasPrefix(rest, ":") {
				return h, fmt.Errorf("jump host %q: junk after ]", s)
			}
			port = rest[1:]
		}
	case strings.Count(s, ":") == 1:
		i := strings.IndexByte(s, ':')
		host, port = s[:i], s[i+1:]
	}
	if host == "" {
		return h, fmt.Errorf("jump host %q: no host", s)
	}
	h.Host = host
	if port != "" {
		p, err := strconv.Atoi(port)
		if err != nil || p < 1 || p > 65535 {
			return h, fmt.Errorf("jump host %q: invalid port %q", s, port)
		}
		h.Port = p
	}
	return h, nil
}

// proxyCommandHop understands the classic jump-host ProxyCommand
// `ssh [opts] -W %h:%p [user@]bastion` (also with -p/-l and `nc`-less
// forms) and returns the bastion as a hop. Any other command is refused:
// connecting directly instead would silently bypass the user's proxy.
func proxyCommandHop(cmd string) ([]Hop, error) {
	if strings.EqualFold(strings.TrimSpace(cmd), "none") {
		return nil, nil
	}
	words, err := splitWords(cmd)
	if err != nil {
		return nil, fmt.Errorf("ProxyCommand: %w", err)
	}
	if len(words) == 0 || !(words[0] == "ssh" || strings.HasSuffix(words[0], "/ssh")) {
		return nil, fmt.Errorf("ProxyCommand %q is not supported: only `ssh -W %%h:%%p bastion`; use ProxyJump", cmd)
	}
	var hop Hop
	sawW := false
	var port, user string
	for i := 1; i < len(words); i++ {
		w := words[i]
		if len(w) >= 2 && w[0] == '-' {
			flag := w[1]
			if !strings.ContainsRune(sshFlagsWithArg, rune(flag)) {
				continue
			}
			val := w[2:]
			if val == "" && i+1 < len(words) {
				i++
				val = words[i]
			}
			switch flag {
			case 'W':
				sawW = val == "%h:%p" || val == "[%h]:%p"
			case 'p':
				port = val
			case 'l':
				user = val
			}
			continue
		}
		if hop.Host != "" {
			return nil, fmt.Errorf("ProxyCommand %q is not supported: it runs a remote command", cmd)
		}
		if hop, err = parseHop(w); err != nil {
			return nil, fmt.Errorf("ProxyCommand: %w", err)
		}
	}
	if !sawW || hop.Host == "" {
		return nil, fmt.Errorf("ProxyCommand %q is not supported: only `ssh -W %%h:%%p bastion`; use ProxyJump", cmd)
	}
	if user != "" && hop.User == "" {
		hop.User = user
	}
	if port != "" && hop.Port == 0 {
		p, err := strconv.Atoi(port)
		if err != nil || p < 1 || p > 65535 {
			return nil, fmt.Errorf("ProxyCommand: invalid port %q", port)
		}
		hop.Port = p
	}
	return []Hop{hop}, nil
}
