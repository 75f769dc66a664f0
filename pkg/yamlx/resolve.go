package yamlx

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// The implicit resolvers of PyYAML (YAML 1.1), which Ansible uses.
var (
	boolRE  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	intRE   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	floatRE = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	nullRE  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
)

// ResolvePlain returns the value of an unquoted, untagged scalar under
// YAML 1.1 rules, as PyYAML would: nil, bool, int, float64 or string.
func ResolvePlain(s string) any {
	if s == "" {
		return nil
	}
	// Quick exit for the common case of ordinary words.
	switch c := s[0]; {
	case c >= '0' && c <= '9', c == '-', c == '+', c == '.':
		if v, ok := resolveNumber(s); ok {
			return v
		}
		return s
	case c == '~' || c == 'n' || c == 'N':
		if nullRE.MatchString(s) {
			return nil
		}
	}
	if v, ok := ParseBool(s); ok {
		return v
	}
	return s
}

// ParseBool reports the boolean value of a YAML 1.1 boolean word (yes, No,
// TRUE, off, …). ok is false for anything else.
func ParseBool(s string) (v bool, ok bool) {
	if len(s) > 5 || !boolRE.MatchString(s) {
		return false, false
	}
	switch strings.ToLower(s) {
	case "yes", "true", "on":
		return true, true
	}
	return false, true
}

func resolveNumber(s string) (any, bool) {
	if intRE.MatchString(s) {
		if v, ok := parseInt(s); ok {
			return v, true
		}
		return nil, false
	}
	if floatRE.MatchString(s) {
		if v, ok := parseFloat(s); ok {
			return v, true
		}
	}
	return nil, false
}

// splitSign drops the digit-group underscores of a YAML number and its
// leading sign, returned as 1 or -1.
func splitSign(s string) (int, string) {
	s = strings.ReplaceAll(s, "_", "")
	switch {
	case strings.HasPrefix(s, "-"):
		return -1, s[1:]
	case strings.HasPrefix(s, "+"):
		return 1, s[1:]
	}
	return 1, s
}

// parseInt converts a string matched by intRE, as PyYAML's construct_yaml_int.
func parseInt(s string) (int, bool) {
	sign, s := splitSign(s)
	var (
		v   int64
		err error
	)
	switch {
	case s == "0":
		return 0, true
	case strings.HasPrefix(s, "0b"):
		v, err = strconv.ParseInt(s[2:], 2, 64)
	case strings.HasPrefix(s, "0x"):
		v, err = strconv.ParseInt(s[2:], 16, 64)
	case strings.HasPrefix(s, "0"):
		v, err = strconv.ParseInt(s[1:], 8, 64)
	case strings.Contains(s, ":"):
		for _, part := range strings.Split(s, ":") {
			d, perr := strconv.ParseInt(part, 10, 64)
			if perr != nil || v > math.MaxInt64/60 {
				return 0, false
			}
			v = v*60 + d
		}
	default:
		v, err = strconv.ParseInt(s, 10, 64)
	}
	if err != nil {
		return 0, false
	}
	return sign * int(v), true
}

// parseFloat converts a string matched by floatRE, as PyYAML's construct_yaml_float.
func parseFloat(s string) (float64, bool) {
	n, s := splitSign(s)
	sign := float64(n)
	low := strings.ToLower(s)
	switch {
	case low == ".inf":
		return sign * math.Inf(1), true
	case low == ".nan":
		return math.NaN(), true
	case strings.Contains(s, ":"):
		parts := strings.Split(s, ":")
		var v float64
		for i, part := range parts {
			d, err := strconv.ParseFloat(part, 64)
			if err != nil || (i < len(parts)-1 && strings.Contains(part, ".")) {
				return 0, false
			}
			v = v*60 + d
		}
		return sign * v, true
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return sign * v, true
}
