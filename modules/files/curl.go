package files

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/shellx"
	"github.com/hactl/hactl/pkg/transport"
)

// httpRequest is one HTTP request that uri and get_url make with curl on
// the managed host. Every value reaches curl through a config file read
// from standard input (curl -K -), so nothing of the request, credentials
// included, appears on a command line.
type httpRequest struct {
	URL     string
	Method  string      // "" means GET
	Headers [][2]string // name, value, in order
	Body    *string     // sent as is (--data-raw: a leading @ is literal)
	// BodyFile is a file on the host sent as the body (instead of Body).
	BodyFile string
	// User and Password authenticate; HasAuth says whether to send them.
	User, Password string
	HasAuth        bool
	// ForceBasic sends Basic credentials with the first request; otherwise
	// curl waits for the server's challenge (like Python's urllib).
	ForceBasic bool
	Follow     bool // follow redirects
	Insecure   bool // do not verify TLS certificates
	// Timeout (seconds) bounds connecting and any stall of the transfer,
	// like a socket timeout; the whole transfer may take longer.
	Timeout    int
	Agent      string
	NoProxy    bool
	Decompress bool
	NoNetrc    bool
	// NoCache sends "Cache-Control: no-cache" (get_url's force).
	NoCache bool
	// IfModifiedSince, when set, is sent as the If-Modified-Since header
	// (seconds since the epoch). It is a plain header rather than curl's
	// time condition, which also discards a 200 response whose
	// Last-Modified is older (and reports 304) where Python's urllib, and
	// so Ansible, takes the body: the server alone decides.
	IfModifiedSince *float64
	Head            bool // a HEAD request
	CAPath          string
	// Extra are further curl options, name and value (cert, key,
	// unix-socket).
	Extra [][2]string
}

// curlConfig renders the request as a curl config file.
func (r httpRequest) curlConfig() (string, error) {
	var b strings.Builder
	opt := func(name string, value string) error {
		q, err := curlQuote(value)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(&b, "%s = %s\n", name, q)
		return nil
	}
	flag := func(name string) { b.WriteString(name + "\n") }
	flag("globoff") // brackets and braces in the URL are literal
	if err := opt("url", r.URL); err != nil {
		return "", err
	}
	// curl sends GET, or POST when there is a body, and turns a POST
	// into a GET after a 301, 302 or 303 as browsers and urllib do; other
	// methods are named (and kept across redirects).
	implicit := "GET"
	if r.Body != nil || r.BodyFile != "" {
		implicit = "POST"
	}
	switch method := strings.ToUpper(r.Method); {
	case r.Head:
		flag("head")
	case method != "" && method != implicit:
		if err := opt("request", method); err != nil {
			return "", err
		}
	}
	for _, h := range r.Headers {
		name := h[0]
		if name == "" || strings.ContainsAny(name, ":\r\n\x00 \t") || strings.HasPrefix(name, "@") {
			return "", fmt.Errorf("invalid header name %q", name)
		}
		if strings.ContainsAny(h[1], "\r\n") {
			return "", fmt.Errorf("header %s: a value cannot hold a line break", name)
		}
		line := name + ": " + h[1]
		if h[1] == "" {
			line = name + ";" // curl's way of sending an empty header
		}
		if err := opt("header", line); err != nil {
			return "", err
		}
	}
	switch {
	case r.Body != nil:
		if err := opt("data-raw", *r.Body); err != nil {
			return "", fmt.Errorf("body: %w", err)
		}
	case r.BodyFile != "":
		if err := opt("data-binary", "@"+r.BodyFile); err != nil {
			return "", fmt.Errorf("src: %w", err)
		}
	}
	if r.HasAuth {
		if err := opt("user", r.User+":"+r.Password); err != nil {
			return "", errors.New("url_username/url_password: cannot hold a NUL byte")
		}
		if r.ForceBasic {
			flag("basic")
		} else {
			flag("anyauth")
		}
	}
	if r.Follow {
		flag("location")
		b.WriteString("max-redirs = 50\n")
	}
	if r.Insecure {
		flag("insecure")
	}
	if r.CAPath != "" {
		if err := opt("cacert", r.CAPath); err != nil {
			return "", err
		}
	}
	if r.Timeout > 0 {
		fmt.Fprintf(&b, "connect-timeout = %d\nspeed-time = %d\nspeed-limit = 1\n", r.Timeout, r.Timeout)
	}
	if r.Agent != "" {
		if err := opt("user-agent", r.Agent); err != nil {
			return "", err
		}
	}
	if r.NoProxy {
		b.WriteString("noproxy = \"*\"\n")
	}
	if r.Decompress {
		flag("compressed")
	}
	if !r.NoNetrc && !r.HasAuth {
		flag("netrc-optional")
	}
	if r.NoCache {
		if err := opt("header", "Cache-Control: no-cache"); err != nil {
			return "", err
		}
	}
	for _, e := range r.Extra {
		if err := opt(e[0], e[1]); err != nil {
			return "", err
		}
	}
	if r.IfModifiedSince != nil {
		t := time.Unix(int64(*r.IfModifiedSince), 0).UTC()
		if err := opt("header", "If-Modified-Since: "+t.Format("Mon, 02 Jan 2006 15:04:05 GMT")); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// curlQuote quotes a value for a curl config file: inside double quotes,
// backslash, quote and control characters are escaped. NUL cannot be
// represented.
func curlQuote(s string) (string, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return "", errors.New("value cannot hold a NUL byte")
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range []byte(s) {
		switch c {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\v':
			b.WriteString(`\v`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String(), nil
}

// curlRun says where the response body goes.
type curlRun struct {
	// TmpDir is the directory of the temporary body file ("" for the
	// host's default temporary directory).
	TmpDir string
	// Keep leaves the body in its temporary file (the response's Tmp) for
	// the caller to install or remove; otherwise it is deleted.
	Keep bool
	// PrintBody returns the body in the response.
	PrintBody bool
	// Sums are the digests of the body to compute (sha1, sha256, …).
	Sums []string
}

// curlScript is the shell text running curl with its config on stdin.
// The write-out is machine-readable: %{json} (transfer facts) and
// %{header_json} (the last response's headers).
func curlScript(o curlRun) (string, error) {
	for _, a := range o.Sums {
		if !hashAlgorithms[a] {
			return "", fmt.Errorf("unsupported checksum algorithm %q", a)
		}
	}
	var b strings.Builder
	b.WriteString("command -v curl >/dev/null 2>&1 || { echo 'curl is required on the host' >&2; exit 127; }\n")
	if o.TmpDir != "" {
		fmt.Fprintf(&b, "__b=$(mktemp %s/.hactl.XXXXXXXXXX.tmp) || exit 90\n", shellx.Path(strings.TrimRight(o.TmpDir, "/")))
	} else {
		b.WriteString("__b=$(mktemp) || exit 90\n")
	}
	b.WriteString(`__h=$(mktemp) || { rm -f -- "$__b"; exit 90; }
printf '@@curl\n'
curl -K - -s -S -o "$__b" -D "$__h" -w '\n@@json %{json}\n@@headers\n%{header_json}\n@@endheaders\n'
printf '@@rc %s\n' "$?"
printf '@@status '; grep -a '^HTTP/' "$__h" | tail -n 1 | tr -d '\r\n' | base64 | tr -d '\n'; echo
rm -f -- "$__h"
`)
	if o.PrintBody {
		b.WriteString("printf '@@body\\n'; base64 < \"$__b\"; printf '@@endbody\\n'\n")
	}
	for _, a := range o.Sums {
		fmt.Fprintf(&b, "printf '@@sum %s %%s\\n' \"$(%ssum < \"$__b\" | cut -d' ' -f1)\"\n", a, a)
	}
	if o.Keep {
		b.WriteString("printf '@@size %s\\n' \"$(stat -c %s -- \"$__b\")\"\n")
		b.WriteString("printf '@@tmp '; printf '%s' \"$__b\" | base64 | tr -d '\\n'; echo\n")
	} else {
		b.WriteString("rm -f -- \"$__b\"\n")
	}
	return b.String(), nil
}

// hashAlgorithms are the digests the hosts' coreutils compute.
var hashAlgorithms = map[string]bool{"md5": true, "sha1": true, "sha224": true, "sha256": true, "sha384": true, "sha512": true}

// doHTTP runs one request on the host.
func doHTTP(ctx context.Context, c transport.Conn, req httpRequest, o curlRun) (httpResponse, error) {
	cfg, err := req.curlConfig()
	if err != nil {
		return httpResponse{}, err
	}
	script, err := curlScript(o)
	if err != nil {
		return httpResponse{}, err
	}
	res, err := c.Run(ctx, script, transport.RunOpts{Stdin: strings.NewReader(cfg)})
	if err != nil {
		return httpResponse{}, fmt.Errorf("request %s: %w", req.URL, err)
	}
	if res.RC != 0 {
		return httpResponse{}, fmt.Errorf("request %s: rc %d: %s", req.URL, res.RC, strings.TrimSpace(string(res.Stderr)))
	}
	r, err := parseCurl(res.Stdout)
	if err != nil {
		return r, fmt.Errorf("request %s: %w: %s", req.URL, err, strings.TrimSpace(string(res.Stderr)))
	}
	return r, nil
}
