package inventory

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
)

// maxExpandedHosts bounds what one host range may expand to (unless the
// inventory sets a lower bound), so that a typo like web[1:100000000] fails
// fast instead of exhausting memory.
const maxExpandedHosts = 1 << 20

// Address syntax accepted by Ansible's parse_address, including [x:y] ranges.
const (
	numRange   = `\[[0-9]+:[0-9]+(?::[0-9]+)?\]`
	hexRange   = `\[[0-9a-fA-F]+:[0-9a-fA-F]+(?::[0-9]+)?\]`
	alnumRange = `\[(?:[a-zA-Z]:[a-zA-Z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`
	wordChar   = `[\p{L}\p{N}_]`
	// A label starts with a word character or a range and does not end
	// with '-' or '_'.
	label = `(?:(?:` + wordChar + `|` + alnumRange + `)(?:[\p{L}\p{N}_-]|` + alnumRange + `)*)?(?:[\p{L}\p{N}]|` + alnumRange + `)`
)

var (
	bracketedHostPortRE = regexp.MustCompile(`^\[(.+)\]:([0-9]+)$`)
	hostPortRE          = regexp.MustCompile(`^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$`)
	ipv4RE              = regexp.MustCompile(`^(?:(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|` + numRange + `)\.){3}(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|` + numRange + `)$`)
	hexRangeRE          = regexp.MustCompile(hexRange)
	hostnameRE          = regexp.MustCompile(`^` + label + `(?:\.` + label + `)*$`)
)

// parseAddress splits "host:port", "[v6]:port" and validates the host part
// as an IPv4 address, an IPv6 address or a hostname, any of which may hold
// ranges. ok is false when the text is none of these.
func parseAddress(s string) (host string, port int, ok bool) {
	if m := bracketedHostPortRE.FindStringSubmatch(s); m != nil {
		s, port = m[1], atoiPort(m[2])
	}
	if m := hostPortRE.FindStringSubmatch(s); m != nil {
		s, port = m[1], atoiPort(m[2])
	}
	if ipv4RE.MatchString(s) || isIPv6Pattern(s) || hostnameRE.MatchString(s) {
		return s, port, true
	}
	return "", 0, false
}

func atoiPort(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

func isIPv6Pattern(s string) bool {
	if !strings.Contains(s, ":") {
		return false
	}
	plain := hexRangeRE.ReplaceAllString(s, "0")
	ip := net.ParseIP(plain)
	return ip != nil && strings.Contains(plain, ":")
}

// expandHostPattern turns an inventory host entry ("web[01:03]:2222") into
// host names and an optional port (0 when none), as Ansible does.
// At most limit names are produced (maxExpandedHosts when limit is 0).
func expandHostPattern(pattern string, limit int) ([]string, int, error) {
	if limit <= 0 {
		limit = maxExpandedHosts
	}
	if !strings.ContainsAny(pattern, ":[") {
		// Without ':' there is no port and without '[' no range; a name
		// parseAddress rejects is kept as it is anyway.
		return []string{pattern}, 0, nil
	}
	name, port, ok := parseAddress(pattern)
	if !ok {
		name, port = pattern, 0
	}
	if !strings.Contains(name, "[") {
		return []string{name}, port, nil
	}
	var out []string
	if err := expandRange(name, limit, &out); err != nil {
		return nil, 0, fmt.Errorf("host pattern %q: %w", pattern, err)
	}
	return out, port, nil
}

const asciiLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// expandRange expands the first [begin:end(:step)] range of s and recurses
// on the results, appending host names to out.
func expandRange(s string, limit int, out *[]string) error {
	open := strings.IndexByte(s, '[')
	closing := strings.IndexByte(s, ']')
	if open < 0 || closing < 0 || closing < open {
		return fmt.Errorf("unbalanced brackets in host range")
	}
	head, rng, tail := s[:open], s[open+1:closing], s[closing+1:]
	bounds := strings.Split(rng, ":")
	if len(bounds) != 2 && len(bounds) != 3 {
		return fmt.Errorf("host range must be begin:end or begin:end:step")
	}
	beg, end := bounds[0], bounds[1]
	step := 1
	if len(bounds) == 3 {
		n, err := strconv.Atoi(bounds[2])
		if err != nil || n <= 0 {
			return fmt.Errorf("host range step %q must be a positive integer", bounds[2])
		}
		step = n
	}
	if beg == "" {
		beg = "0"
	}
	if end == "" {
		return fmt.Errorf("host range must specify end value")
	}
	width := 0
	if beg[0] == '0' && len(beg) > 1 {
		if len(beg) != len(end) {
			return fmt.Errorf("host range must specify equal-length begin and end formats")
		}
		width = len(beg)
	}
	emit := func(part string) error {
		if len(*out) >= limit {
			return fmt.Errorf("host range expands to more than %d hosts", limit)
		}
		name := head + part + tail
		if strings.Contains(name, "[") {
			return expandRange(name, limit, out)
		}
		*out = append(*out, name)
		return nil
	}
	if len(beg) == 1 && len(end) == 1 && isLetter(beg[0]) && isLetter(end[0]) {
		ib, ie := strings.IndexByte(asciiLetters, beg[0]), strings.IndexByte(asciiLetters, end[0])
		if ib > ie {
			return fmt.Errorf("host range must have begin <= end")
		}
		for i := ib; i <= ie; i += step {
			if err := emit(asciiLetters[i : i+1]); err != nil {
				return err
			}
		}
		return nil
	}
	b, err1 := strconv.Atoi(beg)
	e, err2 := strconv.Atoi(end)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("host range [%s] must be numeric or single letters", rng)
	}
	if b > e {
		// Ansible silently expands this to no host; it is always a typo.
		return fmt.Errorf("host range must have begin <= end")
	}
	if (e-b)/step >= limit {
		return fmt.Errorf("host range expands to more than %d hosts", limit)
	}
	for i := b; i <= e; i += step {
		part := strconv.Itoa(i)
		if width > 0 && len(part) < width {
			part = strings.Repeat("0", width-len(part)) + part
		}
		if err := emit(part); err != nil {
			return err
		}
	}
	return nil
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
