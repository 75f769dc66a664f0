package files

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/modules/internal/shellx"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(URI{}) }

// URI is the uri module: make an HTTP request from the host.
type URI struct{}

// urlParams are the request arguments uri and get_url share.
func urlParams(timeout int, userAlias, passwordAlias string) []module.Param {
	return []module.Param{
		{Name: "url", Type: module.Str, Required: true, Doc: "The URL (http, https or ftp), fetched from the host."},
		{Name: "url_username", Type: module.Str, Aliases: []string{userAlias}, Doc: "User name for HTTP authentication."},
		{Name: "url_password", Type: module.Str, Secret: true, Aliases: []string{passwordAlias}, Doc: "Password for HTTP authentication; handed to curl on its standard input, never on a command line."},
		{Name: "force_basic_auth", Type: module.Bool, Default: false, Doc: "Send Basic credentials with the first request instead of waiting for the server's 401 challenge."},
		{Name: "headers", Type: module.Dict, Doc: "Request headers, name: value."},
		{Name: "timeout", Type: module.Int, Default: timeout, Doc: "Seconds allowed to connect, and for any stall of the transfer."},
		{Name: "validate_certs", Type: module.Bool, Default: true, Doc: "Verify the server's TLS certificate."},
		{Name: "ca_path", Type: module.Path, Doc: "CA certificate bundle on the host to verify the server with."},
		{Name: "client_cert", Type: module.Path, Doc: "Client certificate (PEM) on the host."},
		{Name: "client_key", Type: module.Path, Doc: "Client private key (PEM) on the host."},
		{Name: "http_agent", Type: module.Str, Default: "ansible-httpget", Doc: "User-Agent header."},
		{Name: "use_proxy", Type: module.Bool, Default: true, Doc: "Use the proxy set in the host's environment."},
		{Name: "use_netrc", Type: module.Bool, Default: true, Doc: "Read credentials from ~/.netrc when none are given."},
		{Name: "decompress", Type: module.Bool, Default: true, Doc: "Ask for a compressed response and decompress it."},
	}
}

// Spec describes the uri module.
func (URI) Spec() module.Spec {
	return module.Spec{
		Name:  "uri",
		Short: "Make HTTP requests from the host",
		Doc: `Sends one HTTP(S) request from the managed host with curl (7.83 or later) and returns the response: status, url, redirected, elapsed, msg, every response header as a key (lowercased, "-" turned into "_"), cookies, json when the response is JSON, content when return_content is set. The task fails when the status is not in status_code.

The request is described to curl on its standard input, so the password, headers and body never appear on a command line. body_format json serializes a non-string body as JSON (and sets Content-Type), form-urlencoded encodes a mapping or a list of pairs. follow_redirects safe (the default) follows redirects for GET and HEAD only, all for every method, none never.

With dest the body is saved there (into it, under the URL's file name, when dest is a directory), through a temporary file beside it renamed into place; an existing file is sent as If-Modified-Since (so, as in Ansible, the server's 304 fails the task unless status_code lists it), and it is replaced only when the content differs — the only case, with mode/owner/group changes, where uri reports changed. creates and removes skip the request when a path on the host exists or does not. Like Ansible's uri, the module is skipped in check mode. Not supported: body_format form-multipart, GSSAPI, ciphers and unredirected_headers.`,
		Params: append(append(urlParams(30, "user", "password"), []module.Param{
			{Name: "method", Type: module.Str, Default: "GET", Doc: "HTTP method, one word (GET, POST, PUT, DELETE, HEAD, PATCH, …)."},
			{Name: "body", Type: module.Raw, Doc: "Request body: a string, or data serialized as body_format says."},
			{Name: "src", Type: module.Path, Doc: "Send this file as the body: a controller file (looked up in files/), or with remote_src a file on the host."},
			{Name: "remote_src", Type: module.Bool, Default: false, Doc: "src is a file on the host."},
			{Name: "body_format", Type: module.Str, Default: "raw", Choices: []any{"raw", "json", "form-urlencoded"}, Doc: "How to send body."},
			{Name: "status_code", Type: module.List, Elements: module.Int, Default: []any{200}, Doc: "Statuses meaning success."},
			{Name: "return_content", Type: module.Bool, Default: false, Doc: "Return the body as content."},
			{Name: "follow_redirects", Type: module.Str, Default: "safe", Choices: []any{"all", "no", "none", "safe", "urllib2", "yes"}, Doc: "Which redirects to follow."},
			{Name: "dest", Type: module.Path, Doc: "Save the body to this file (or into this directory) on the host."},
			{Name: "creates", Type: module.Path, Doc: "Skip the request when this path exists on the host."},
			{Name: "removes", Type: module.Path, Doc: "Skip the request when this path does not exist on the host."},
			{Name: "force", Type: module.Bool, Default: false, Doc: "Ask caches not to answer (Cache-Control: no-cache)."},
			{Name: "unix_socket", Type: module.Path, Doc: "Connect through this Unix socket on the host."},
		}...), attrParams()...),
		CheckMode:         false,
		MutuallyExclusive: [][]string{{"body", "src"}},
		Examples: `- name: Wait until the API answers
  uri:
    url: "http://{{ inventory_hostname }}:8080/health"
    status_code: [200, 204]
  register: health
  until: health.status in [200, 204]
  retries: 10
  delay: 3

- name: Create an object
  uri:
    url: https://api.example.com/v1/items
    method: POST
    body_format: json
    body: {name: web, replicas: 2}
    url_username: admin
    url_password: "{{ api_password }}"
    force_basic_auth: true
    status_code: 201`,
		Returns: []module.ReturnValue{
			{Name: "status", Type: module.Int, Doc: "HTTP status, -1 when no response came."},
			{Name: "url", Type: module.Str, Doc: "The URL finally fetched (after redirects)."},
			{Name: "redirected", Type: module.Bool, Doc: "Whether a redirect was followed."},
			{Name: "elapsed", Type: module.Int, Doc: "Seconds the request took."},
			{Name: "msg", Type: module.Str, Doc: `"OK (N bytes)", or the HTTP error.`},
			{Name: "content", Type: module.Str, Doc: "The body, with return_content."},
			{Name: "json", Type: module.Dict, Doc: "The decoded body, when the response is JSON."},
			{Name: "cookies", Type: module.Dict, Doc: "Cookies the server set, name: value."},
			{Name: "cookies_string", Type: module.Str, Doc: "The same as a Cookie header value."},
			{Name: "path", Type: module.Str, Doc: "Where the body was saved (dest)."},
			{Name: "content_type", Type: module.Str, Doc: "Like every response header: its value under its lowercased name."},
		},
	}
}

var methodRe = regexp.MustCompile(`^[A-Z]+$`)

// Run sends the request.
func (URI) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	method := strings.ToUpper(a.String("method"))
	if !methodRe.MatchString(method) {
		return failed("Parameter 'method' needs to be a single word in uppercase, like GET or POST.", nil), nil
	}
	codes := make([]int, 0, len(a.List("status_code")))
	for _, v := range a.List("status_code") {
		n, _ := v.(int)
		codes = append(codes, n)
	}
	req, err := requestFromArgs(a, method)
	if err != nil {
		return failed(err.Error(), map[string]any{"elapsed": 0}), nil
	}
	if err := uriBody(a, &req); err != nil {
		return failed(err.Error(), map[string]any{"elapsed": 0}), nil
	}
	attrs, err := attrsOf(a)
	if err != nil {
		return failed(err.Error(), nil), nil
	}
	if skip, msg, err := guard(ctx, t.Conn, a.String("creates"), a.String("removes")); err != nil || skip {
		return module.Result{Data: map[string]any{"stdout": msg}}, err
	}
	if a.Has("src") {
		cleanup, msg, err := bodyFile(ctx, t, a.String("src"), a.Bool("remote_src"), &req)
		if err != nil || msg != "" {
			return failed(msg, map[string]any{"elapsed": 0}), err
		}
		defer cleanup()
	}

	run := curlRun{PrintBody: true}
	var dest remotefile.State
	if a.Has("dest") {
		if dest, err = gatherFollowing(ctx, t.Conn, a.String("dest"), remotefile.GatherOpts{}); err != nil {
			return module.Result{}, err
		}
		run = curlRun{TmpDir: path.Dir(dest.Resolved), Keep: true, PrintBody: true, Sums: []string{"sha1"}}
		switch {
		case dest.Type == remotefile.TypeDirectory:
			run.TmpDir = dest.Resolved
		case dest.Type == remotefile.TypeFile && isHTTPURL(req.URL):
			req.IfModifiedSince = &dest.Mtime
		case !dest.ParentDir:
			run.TmpDir = ""
		}
	}
	resp, err := doHTTP(ctx, t.Conn, req, run)
	if err != nil {
		return module.Result{}, err
	}
	data := uriData(a.String("url"), resp)
	res := module.Result{Data: data}
	if a.Has("dest") && resp.Tmp != "" {
		target := dest.Resolved
		if dest.Type == remotefile.TypeDirectory {
			target = path.Join(dest.Resolved, responseFilename(resp, a.String("url")))
		}
		if resp.Status >= 0 && slices.Contains(codes, resp.Status) && resp.Status != 304 {
			d := download{tmp: resp.Tmp, sha1: resp.Sums["sha1"], size: resp.Size, dest: target, attrs: attrs}
			inst, err := d.install(ctx, t)
			if err != nil {
				return failed(fmt.Sprintf("failed to write %s: %v", target, err), data), nil
			}
			if inst.destMissing {
				return failed(fmt.Sprintf("Destination directory %s does not exist", path.Dir(target)), data), nil
			}
			if inst.destIsDir {
				return failed(fmt.Sprintf("Destination %s is a directory", target), data), nil
			}
			res.Changed = inst.changed
			for k, v := range fileData(inst.after) {
				data[k] = v
			}
		} else {
			removeTemp(ctx, t.Conn, resp.Tmp)
			if target == dest.Resolved && dest.Exists {
				for k, v := range fileData(dest) {
					data[k] = v
				}
			}
		}
		data["path"] = target
	}
	if a.Bool("return_content") {
		data["content"] = string(resp.Body)
	}
	if !slices.Contains(codes, resp.Status) {
		res.Failed = true
		data["msg"] = fmt.Sprintf("Status code was %d and not %s: %s", resp.Status, pyIntList(codes), data["msg"])
	}
	res.Msg, _ = data["msg"].(string)
	return res, nil
}

// requestFromArgs builds the request from the arguments uri and get_url
// share.
func requestFromArgs(a module.Args, method string) (httpRequest, error) {
	req := httpRequest{
		URL: a.String("url"), Method: method,
		ForceBasic: a.Bool("force_basic_auth"), Insecure: !a.Bool("validate_certs"),
		Timeout: a.Int("timeout"), Agent: a.String("http_agent"), NoProxy: !a.Bool("use_proxy"),
		Decompress: a.Bool("decompress"), NoNetrc: !a.Bool("use_netrc"), CAPath: a.String("ca_path"),
		NoCache: a.Bool("force"), Head: method == "HEAD",
	}
	if req.URL == "" {
		return req, fmt.Errorf("url must not be empty")
	}
	if a.Has("url_username") || a.Has("url_password") {
		req.HasAuth, req.User, req.Password = true, a.String("url_username"), a.String("url_password")
	}
	switch f := a.String("follow_redirects"); f {
	case "all", "yes":
		req.Follow = true
	case "safe", "":
		req.Follow = method == "GET" || method == "HEAD"
	case "urllib2":
		// Python's default handler also follows a POST's 301/302/303 as
		// a GET.
		req.Follow = method == "GET" || method == "HEAD" || method == "POST"
	}
	for _, k := range sortedKeys(a.Dict("headers")) {
		req.Headers = append(req.Headers, [2]string{k, pyStr(a.Dict("headers")[k])})
	}
	for _, p := range []struct{ arg, opt string }{{"client_cert", "cert"}, {"client_key", "key"}, {"unix_socket", "unix-socket"}} {
		if a.Has(p.arg) {
			req.Extra = append(req.Extra, [2]string{p.opt, a.String(p.arg)})
		}
	}
	return req, nil
}

// uriData is uri's result for a response, before dest and content:
// Ansible's keys, then every header under its lowercased name with "-"
// turned into "_" (status, url and msg win over headers of those names).
func uriData(requested string, r httpResponse) map[string]any {
	d := map[string]any{}
	for _, h := range r.Headers {
		d[strings.ReplaceAll(h.Name, "-", "_")] = strings.Join(h.Values, ", ")
	}
	if loc, ok := d["location"].(string); ok {
		d["location"] = absoluteLocation(requested, loc)
	}
	d["url"] = requested
	if r.Redirects > 0 && r.EffectiveURL != "" {
		d["url"] = r.EffectiveURL
	}
	d["redirected"] = d["url"] != requested
	d["status"] = r.Status
	d["elapsed"] = r.Elapsed
	d["msg"] = r.msg()
	if r.ok() {
		cookies, text := parseCookies(r)
		d["cookies"], d["cookies_string"] = cookies, text
	}
	if r.HasBody && isJSONType(r.ContentType) {
		if v, err := decodeJSON(r.Body); err == nil {
			d["json"] = v
		}
	}
	return d
}

// isJSONType reports whether a Content-Type is JSON as Ansible's uri
// judges it: subtype (or its +suffix) json or javascript.
func isJSONType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	_, sub, ok := strings.Cut(strings.TrimSpace(mt), "/")
	if !ok {
		return false
	}
	if _, suffix, ok := strings.Cut(sub, "+"); ok {
		sub = suffix
	}
	sub = strings.ToLower(sub)
	return sub == "json" || sub == "javascript"
}

// parseCookies reads the Set-Cookie headers.
func parseCookies(r httpResponse) (map[string]any, string) {
	cookies := map[string]any{}
	var parts []string
	for _, h := range r.Headers {
		if h.Name != "set-cookie" {
			continue
		}
		for _, v := range h.Values {
			c, err := http.ParseSetCookie(v)
			if err != nil {
				continue
			}
			cookies[c.Name] = c.Value
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	return cookies, strings.Join(parts, "; ")
}

// absoluteLocation resolves a Location header against the request URL
// the way Ansible's uri does.
func absoluteLocation(requested, loc string) string {
	switch {
	case strings.Contains(loc, "://"):
		return loc
	case strings.HasPrefix(loc, "/"):
		scheme, rest, ok := strings.Cut(requested, "://")
		if !ok {
			return loc
		}
		host, _, _ := strings.Cut(rest, "/")
		return scheme + "://" + host + loc
	}
	base := requested
	if i := strings.LastIndexByte(requested, '/'); i >= 0 {
		base = requested[:i]
	}
	return base + "/" + loc
}

// guard evaluates creates/removes on the host.
func guard(ctx context.Context, c transport.Conn, creates, removes string) (bool, string, error) {
	if creates == "" && removes == "" {
		return false, "", nil
	}
	var b strings.Builder
	if creates != "" {
		fmt.Fprintf(&b, "if [ -e %s ]; then echo creates; fi\n", shellx.Path(creates))
	}
	if removes != "" {
		fmt.Fprintf(&b, "if [ ! -e %s ]; then echo removes; fi\n", shellx.Path(removes))
	}
	res, err := c.Run(ctx, b.String(), transport.RunOpts{})
	if err != nil {
		return false, "", fmt.Errorf("check creates/removes: %w", err)
	}
	out := string(res.Stdout)
	switch {
	case strings.Contains(out, "creates"):
		return true, fmt.Sprintf("skipped, since '%s' exists", creates), nil
	case strings.Contains(out, "removes"):
		return true, fmt.Sprintf("skipped, since '%s' does not exist", removes), nil
	}
	return false, "", nil
}

// pyIntList formats ints as Python prints a list ([200, 201]).
func pyIntList(n []int) string {
	s := make([]string, len(n))
	for i, v := range n {
		s[i] = fmt.Sprint(v)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// bodyFile makes src the request's body: a host file as it is, a
// controller file uploaded to a temporary file first (removed by
// cleanup). msg is set when src cannot be used.
func bodyFile(ctx context.Context, t *module.Target, src string, remote bool, req *httpRequest) (cleanup func(), msg string, err error) {
	cleanup = func() {}
	if remote {
		st, err := remotefile.Gather(ctx, t.Conn, src, remotefile.GatherOpts{Follow: true})
		if err != nil {
			return cleanup, "", err
		}
		if st.Type != remotefile.TypeFile || !st.Readable {
			return cleanup, fmt.Sprintf("Unable to open source file %s", src), nil
		}
		req.BodyFile = st.Resolved
		return cleanup, "", nil
	}
	local, err := t.FindFile("files", src)
	if err != nil {
		return cleanup, fmt.Sprintf("Unable to open source file %s: %v", src, err), nil
	}
	f, err := os.Open(local)
	if err != nil {
		return cleanup, fmt.Sprintf("Unable to open source file %s", local), nil
	}
	defer f.Close()
	tmp := "/tmp/.hactl." + randomHex() + ".body"
	if err := t.Conn.Put(ctx, tmp, f, 0o600); err != nil {
		return cleanup, "", fmt.Errorf("upload %s: %w", local, err)
	}
	req.BodyFile = tmp
	return func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		removeTemp(cctx, t.Conn, tmp)
	}, "", nil
}
