package mysql

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

// loginParams are community.mysql's connection arguments.
func loginParams() []module.Param {
	return []module.Param{
		{Name: "login_user", Type: module.Str, Aliases: []string{"login_username"}, Doc: "User to log in as (default: the client's, root through the unix socket on Debian)."},
		{Name: "login_password", Type: module.Str, Secret: true, Doc: "Password of login_user. Passed in a temporary client option file (mode 0600), never on a command line."},
		{Name: "login_host", Type: module.Str, Doc: "Server host (default: the local server)."},
		{Name: "login_port", Type: module.Int, Default: 3306, Doc: "Server TCP port, used with login_host."},
		{Name: "login_unix_socket", Type: module.Str, Doc: "Server unix socket path."},
		{Name: "config_file", Type: module.Path, Doc: "A client option file to read (for example ~/.my.cnf). The client reads ~/.my.cnf by itself; give this for another file."},
		{Name: "connect_timeout", Type: module.Int, Default: 30, Doc: "Seconds to wait for the server connection."},
		{Name: "check_implicit_admin", Type: module.Bool, Default: false, Doc: "Accepted for compatibility; the client always tries its own defaults (unix socket root) when no login is given."},
	}
}

// client runs SQL through the command-line client on a host.
type client struct {
	conn     transport.Conn
	user     string
	password string
	host     string
	port     int
	socket   string
	config   string
	timeout  int
	secrets  []string
}

func newClient(conn transport.Conn, a module.Args) *client {
	c := &client{
		conn: conn, user: a.String("login_user"), password: a.String("login_password"),
		host: a.String("login_host"), port: a.Int("login_port"), socket: a.String("login_unix_socket"),
		config: a.String("config_file"), timeout: a.Int("connect_timeout"),
	}
	if a.Has("login_password") {
		c.secret(c.password)
	}
	return c
}

// secret registers a value to mask in messages.
func (c *client) secret(s string) {
	if s != "" {
		c.secrets = append(c.secrets, s)
	}
}

// mask replaces every registered secret (raw or quoted) in s.
func (c *client) mask(s string) string {
	for _, v := range c.secrets {
		for _, form := range []string{sqlString(v), strings.Trim(sqlString(v), "'"), v} {
			if form != "" {
				s = strings.ReplaceAll(s, form, "********")
			}
		}
	}
	return s
}

// optionValue quotes a value for a client option file.
func optionValue(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// args returns the client's arguments and, when a password must be
// passed, the option file to write first.
func (c *client) args(tool string) (argv string, optFile []byte) {
	var opts []string
	if c.user != "" {
		opts = append(opts, "--user="+transport.Quote(c.user))
	}
	if c.host != "" {
		opts = append(opts, "--host="+transport.Quote(c.host), "--port="+strconv.Itoa(c.port))
	}
	if c.socket != "" {
		opts = append(opts, "--socket="+transport.Quote(c.socket))
	}
	if c.timeout > 0 && tool == "client" {
		opts = append(opts, "--connect-timeout="+strconv.Itoa(c.timeout))
	}
	first := ""
	if c.password != "" {
		var b strings.Builder
		if c.config != "" {
			b.WriteString("!include " + c.config + "\n")
		}
		b.WriteString("[client]\npassword=" + optionValue(c.password) + "\n")
		optFile = []byte(b.String())
		first = "--defaults-extra-file=\"$optfile\""
	} else if c.config != "" {
		first = "--defaults-extra-file=" + transport.Quote(c.config)
	}
	if first != "" {
		opts = append([]string{first}, opts...)
	}
	return strings.Join(opts, " "), optFile
}

// script runs body (which uses "$bin" and "$opts"-style arguments through
// the placeholder @ARGS@) with the option file in place, removing it after.
func (c *client) run(ctx context.Context, what, bin, body string, stdin string) (hostcmd.Output, error) {
	argv, optFile := c.args(bin)
	var pre, post string
	if optFile != nil {
		name := "/tmp/.hactl-mysql-" + randHex() + ".cnf"
		if err := c.conn.Put(ctx, name, strings.NewReader(string(optFile)), 0o600); err != nil {
			return hostcmd.Output{}, fmt.Errorf("%s: write client option file: %w", what, err)
		}
		pre = "optfile=" + transport.Quote(name) + "\n"
		post = "\nrc=$?; rm -f \"$optfile\"; exit $rc"
	}
	tool := `"$(command -v mariadb || command -v mysql)"`
	if bin == "dump" {
		tool = `"$(command -v mariadb-dump || command -v mysqldump)"`
	}
	script := pre + strings.ReplaceAll(strings.ReplaceAll(body, "@TOOL@", tool), "@ARGS@", argv) + post
	out, err := hostcmd.Run(ctx, c.conn, what, script, transport.RunOpts{Stdin: strings.NewReader(stdin), Timeout: 30 * time.Minute})
	if err != nil {
		return out, err
	}
	// Only messages are masked: stdout is data (the stored hash, for one).
	out.Stderr = c.mask(out.Stderr)
	return out, nil
}

// query sends sql on stdin and returns the XML result sets.
func (c *client) query(ctx context.Context, sql string) ([]resultSet, error) {
	out, err := c.run(ctx, "mysql client", "client", "@TOOL@ @ARGS@ --batch --xml", prologue+sql)
	if err != nil {
		return nil, err
	}
	if out.RC != 0 {
		return nil, fmt.Errorf("mysql client: exit status %d: %s", out.RC, c.mask(errorLine(out.Stderr, out.Stdout)))
	}
	return parseXML(out.Stdout)
}

// errorLine picks the client's "ERROR nnnn" line (the client may echo the
// failed statement between dashes before it), else the first line.
func errorLine(stderr, stdout string) string {
	for l := range strings.SplitSeq(stderr, "\n") {
		if strings.HasPrefix(l, "ERROR") {
			return strings.TrimSpace(l)
		}
	}
	return hostcmd.FirstLine(stderr, stdout)
}

func randHex() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
