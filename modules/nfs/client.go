package nfs

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Client is one client specification with its export options.
type Client struct {
	Host    string
	Options []string
}

var hostRE = regexp.MustCompile(`^[A-Za-z0-9_.*?:/\[\]@-]+$`)

// parseClients reads the clients argument: dicts {host, options} (options
// a list or a comma-separated string) or strings "host(opt,opt)".
func parseClients(raw []any) ([]Client, error) {
	var out []Client
	for i, r := range raw {
		var c Client
		switch v := r.(type) {
		case string:
			host, opts, ok := strings.Cut(v, "(")
			c.Host = host
			if ok {
				if !strings.HasSuffix(opts, ")") {
					return nil, fmt.Errorf("clients[%d]: %q: missing )", i, v)
				}
				c.Options = splitOpts(strings.TrimSuffix(opts, ")"))
			}
		case map[string]any:
			c.Host, _ = v["host"].(string)
			switch o := v["options"].(type) {
			case string:
				c.Options = splitOpts(o)
			case []any:
				for _, x := range o {
					c.Options = append(c.Options, fmt.Sprint(x))
				}
			case []string:
				c.Options = o
			case nil:
			default:
				return nil, fmt.Errorf("clients[%d].options: want a list or a string, got %T", i, o)
			}
		default:
			return nil, fmt.Errorf("clients[%d]: want {host, options} or \"host(options)\", got %T", i, r)
		}
		if !hostRE.MatchString(c.Host) {
			return nil, fmt.Errorf("clients[%d]: invalid host %q", i, c.Host)
		}
		for _, o := range c.Options {
			if o == "" || strings.ContainsAny(o, " \t\n(),\"'") {
				return nil, fmt.Errorf("clients[%d]: invalid option %q", i, o)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func splitOpts(s string) []string {
	var out []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// has reports whether the client's options include o.
func (c Client) has(o string) bool { return slices.Contains(c.Options, o) }

// withFsid returns the options with fsid=… added when fsid is set and the
// options do not name one.
func (c Client) withFsid(fsid string) []string {
	if fsid == "" || slices.ContainsFunc(c.Options, func(o string) bool { return strings.HasPrefix(o, "fsid=") }) {
		return c.Options
	}
	return append(slices.Clone(c.Options), "fsid="+fsid)
}
