package template

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/nikolalohinski/gonja/v2/exec"
)

// regexCache keeps compiled regular expressions of one Engine.
type regexCache struct{ m sync.Map }

// compile translates a Python regular expression to Go's syntax (named
// groups, \Z) and compiles it once.
func (c *regexCache) compile(pattern string, ignorecase, multiline bool) (*regexp.Regexp, error) {
	flags := ""
	if ignorecase {
		flags += "i"
	}
	if multiline {
		flags += "m"
	}
	key := flags + "\x00" + pattern
	if re, ok := c.m.Load(key); ok {
		return re.(*regexp.Regexp), nil
	}
	goPattern := strings.ReplaceAll(pattern, `\Z`, `\z`)
	if flags != "" {
		goPattern = "(?" + flags + ")" + goPattern
	}
	re, err := regexp.Compile(goPattern)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %w", pattern, err)
	}
	c.m.Store(key, re)
	return re, nil
}

// textFilters are the filters on strings: regular expressions, encodings,
// paths, hashes, quoting.
func textFilters(rc *regexCache) map[string]exec.FilterFunction {
	return map[string]exec.FilterFunction{
		"regex_replace": plainFilter("regex_replace", regexReplace(rc)),
		"regex_search":  plainFilter("regex_search", regexSearch(rc)),
		"regex_findall": plainFilter("regex_findall", regexFindall(rc)),
		"regex_escape":  plainFilter("regex_escape", strFilter(pyRegexEscape)),
		"b64encode":     plainFilter("b64encode", strFilter(func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) })),
		"b64decode":     plainFilter("b64decode", filterB64Decode),
		"quote":         plainFilter("quote", strFilter(shellQuote)),
		"basename":      plainFilter("basename", strFilter(pyBasename)),
		"dirname":       plainFilter("dirname", strFilter(pyDirname)),
		"expanduser":    plainFilter("expanduser", strFilter(expandUser)),
		"realpath":      plainFilter("realpath", filterRealpath),
		"splitext":      plainFilter("splitext", filterSplitext),
		"hash":          plainFilter("hash", filterHash),
		"checksum":      plainFilter("checksum", hashFilter(sha1.New)),
		"sha1":          plainFilter("sha1", hashFilter(sha1.New)),
		"md5":           plainFilter("md5", hashFilter(md5.New)),
		"password_hash": plainFilter("password_hash", filterPasswordHash),
		"urlencode":     plainFilter("urlencode", filterURLEncode),
	}
}

// pyReplacement turns a Python re.sub replacement (\1, \g<1>, \g<name>)
// into Go's ($1 → ${1}), escaping literal dollars.
func pyReplacement(repl string) string {
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch {
		case c == '$':
			b.WriteString("$$")
		case c == '\\' && i+1 < len(repl):
			n := repl[i+1]
			switch {
			case n >= '0' && n <= '9':
				j := i + 1
				for j < len(repl) && j < i+3 && repl[j] >= '0' && repl[j] <= '9' {
					j++
				}
				b.WriteString("${" + repl[i+1:j] + "}")
				i = j - 1
			case n == 'g' && i+2 < len(repl) && repl[i+2] == '<':
				end := strings.IndexByte(repl[i+3:], '>')
				if end < 0 {
					b.WriteByte(c)
					continue
				}
				b.WriteString("${" + repl[i+3:i+3+end] + "}")
				i = i + 3 + end
			case n == 'n':
				b.WriteByte('\n')
				i++
			case n == 't':
				b.WriteByte('\t')
				i++
			case n == '\\':
				b.WriteByte('\\')
				i++
			default:
				b.WriteByte(c)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func regexFlags(a *args, first int) (bool, bool, error) {
	ic, err := a.boolean(first, "ignorecase", false)
	if err != nil {
		return false, false, err
	}
	ml, err := a.boolean(first+1, "multiline", false)
	return ic, ml, err
}

// regexReplace is regex_replace(pattern, replacement=”, ignorecase,
// multiline, count=0).
func regexReplace(rc *regexCache) filterFunc {
	return func(in any, a *args) (any, error) {
		pattern, err := a.str(0, "pattern", "")
		if err != nil {
			return nil, err
		}
		repl, err := a.str(1, "replacement", "")
		if err != nil {
			return nil, err
		}
		ic, ml, err := regexFlags(a, 2)
		if err != nil {
			return nil, err
		}
		count, err := a.integer(4, "count", 0)
		if err != nil {
			return nil, err
		}
		re, err := rc.compile(pattern, ic, ml)
		if err != nil {
			return nil, err
		}
		s := pyStr(in)
		tmpl := pyReplacement(repl)
		if count <= 0 {
			return re.ReplaceAllString(s, tmpl), nil
		}
		var b strings.Builder
		last := 0
		for _, m := range re.FindAllStringSubmatchIndex(s, count) {
			b.WriteString(s[last:m[0]])
			b.Write(re.ExpandString(nil, tmpl, s, m))
			last = m[1]
		}
		b.WriteString(s[last:])
		return b.String(), nil
	}
}

// regexSearch is regex_search(pattern, *groups, ignorecase, multiline):
// the match (or None); with groups ('\1', '\g<name>') the list of them.
func regexSearch(rc *regexCache) filterFunc {
	return func(in any, a *args) (any, error) {
		pattern, err := a.str(0, "pattern", "")
		if err != nil {
			return nil, err
		}
		ic, err := a.boolean(-1, "ignorecase", false)
		if err != nil {
			return nil, err
		}
		ml, err := a.boolean(-1, "multiline", false)
		if err != nil {
			return nil, err
		}
		re, err := rc.compile(pattern, ic, ml)
		if err != nil {
			return nil, err
		}
		groups, err := a.rest(1)
		if err != nil {
			return nil, err
		}
		s := pyStr(in)
		m := re.FindStringSubmatchIndex(s)
		if m == nil {
			return nil, nil
		}
		if len(groups) == 0 {
			return s[m[0]:m[1]], nil
		}
		out := []any{}
		for _, g := range groups {
			ref := pyStr(g)
			idx := -1
			switch {
			case strings.HasPrefix(ref, `\g<`) && strings.HasSuffix(ref, ">"):
				name := ref[3 : len(ref)-1]
				idx = re.SubexpIndex(name)
				if idx < 0 {
					if _, err := fmt.Sscanf(name, "%d", &idx); err != nil {
						idx = -1
					}
				}
			case strings.HasPrefix(ref, `\`):
				if _, err := fmt.Sscanf(ref[1:], "%d", &idx); err != nil {
					idx = -1
				}
			}
			if idx < 0 || idx > re.NumSubexp() {
				return nil, fmt.Errorf("unknown group %q", ref)
			}
			if m[2*idx] < 0 {
				out = append(out, nil)
			} else {
				out = append(out, s[m[2*idx]:m[2*idx+1]])
			}
		}
		return out, nil
	}
}

// regexFindall is Python's re.findall: matches, or the group, or tuples.
func regexFindall(rc *regexCache) filterFunc {
	return func(in any, a *args) (any, error) {
		pattern, err := a.str(0, "pattern", "")
		if err != nil {
			return nil, err
		}
		ic, ml, err := regexFlags(a, 1)
		if err != nil {
			return nil, err
		}
		re, err := rc.compile(pattern, ic, ml)
		if err != nil {
			return nil, err
		}
		out := []any{}
		for _, m := range re.FindAllStringSubmatch(pyStr(in), -1) {
			switch len(m) {
			case 1:
				out = append(out, m[0])
			case 2:
				out = append(out, m[1])
			default:
				t := make(pyTuple, len(m)-1)
				for i, g := range m[1:] {
					t[i] = g
				}
				out = append(out, t)
			}
		}
		return out, nil
	}
}

// pyRegexEscape is Python 3.7+'s re.escape: special characters only.
func pyRegexEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("()[]{}?*+-|^$\\.&~# \t\n\r\v\f", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func filterB64Decode(in any, _ *args) (any, error) {
	s := strings.TrimSpace(pyStr(in))
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
		if err != nil {
			return nil, fmt.Errorf("invalid base64: %w", err)
		}
	}
	return string(b), nil
}

// shellQuote is Python's shlex.quote.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./-_", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// pyBasename is Python's os.path.basename ("/a/b/" → "").
func pyBasename(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

// pyDirname is Python's os.path.dirname ("/a/b/" → "/a/b", "a" → "").
func pyDirname(p string) string {
	i := strings.LastIndexByte(p, '/') + 1
	head := p[:i]
	if head != "" && strings.Trim(head, "/") != "" {
		head = strings.TrimRight(head, "/")
	}
	return head
}

// expandUser replaces a leading ~ with the controller user's home.
func expandUser(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	return home + p[1:]
}

func filterRealpath(in any, _ *args) (any, error) {
	p, err := filepath.Abs(pyStr(in))
	if err != nil {
		return nil, err
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r, nil
	}
	return p, nil
}

// filterSplitext is os.path.splitext: [root, ext]; a leading dot of the
// base name does not start an extension.
func filterSplitext(in any, _ *args) (any, error) {
	p := pyStr(in)
	base := pyBasename(p)
	trimmed := strings.TrimLeft(base, ".")
	i := strings.LastIndexByte(trimmed, '.')
	if i < 0 {
		return pyTuple{p, ""}, nil
	}
	cut := len(p) - len(trimmed) + i
	return pyTuple{p[:cut], p[cut:]}, nil
}

func hashFilter(newHash func() hash.Hash) filterFunc {
	return func(in any, _ *args) (any, error) {
		h := newHash()
		h.Write([]byte(pyStr(in)))
		return hex.EncodeToString(h.Sum(nil)), nil
	}
}

// filterHash is hash(hashtype='sha1').
func filterHash(in any, a *args) (any, error) {
	kind, err := a.str(0, "hashtype", "sha1")
	if err != nil {
		return nil, err
	}
	algos := map[string]func() hash.Hash{
		"md5": md5.New, "sha1": sha1.New, "sha224": sha256.New224, "sha256": sha256.New,
		"sha384": sha512.New384, "sha512": sha512.New,
	}
	fn, ok := algos[kind]
	if !ok {
		return nil, fmt.Errorf("unsupported hash type %q", kind)
	}
	return hashFilter(fn)(in, a)
}

// filterURLEncode is Jinja's urlencode: a string quoted (keeping "/"), a
// dict or list of pairs as a query string.
func filterURLEncode(in any, _ *args) (any, error) {
	quote := func(s string, safeSlash bool) string {
		q := url.QueryEscape(s)
		if safeSlash {
			q = strings.ReplaceAll(q, "%2F", "/")
			return strings.ReplaceAll(q, "+", "%20")
		}
		return q
	}
	switch x := in.(type) {
	case map[string]any:
		parts := []string{}
		for _, k := range sortedKeys(x) {
			parts = append(parts, quote(k, false)+"="+quote(pyStr(x[k]), false))
		}
		return strings.Join(parts, "&"), nil
	case []any:
		parts := []string{}
		for _, item := range x {
			pair, ok := item.([]any)
			if !ok || len(pair) != 2 {
				return nil, errors.New("urlencode expects a dict or a list of pairs")
			}
			parts = append(parts, quote(pyStr(pair[0]), false)+"="+quote(pyStr(pair[1]), false))
		}
		return strings.Join(parts, "&"), nil
	}
	return quote(pyStr(in), true), nil
}
