package files_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hactl/hactl/modules/internal/modtest"
	"github.com/hactl/hactl/pkg/transport"
)

// testServer is a small HTTP server for uri and get_url tests, run by
// python3 on a lab host. Besides static files under its root it answers:
// /echo (any method: a JSON echo of the request, two cookies and a
// repeated header), /redirect (302 to /files/hello.txt), /auth (Basic
// auth against the credentials in its auth file), /status/N, /disp (a
// Content-Disposition file name trying to climb out of the directory)
// /oldlm (ignores If-Modified-Since, claims an old Last-Modified) and
// /slow (answers after 5 seconds). Every request line and header set
// is appended to its log.
const testServer = `import base64, http.server, json, os, sys, time
addr, port, root, logf, authf = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]

class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)

    def log_message(self, *a):
        pass

    def record(self, body=b''):
        with open(logf, 'ab') as f:
            f.write((self.requestline + '\n' + str(self.headers)).encode() + body + b'\n----\n')

    def reply(self, code, body, ctype='text/plain', extra=()):
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def route(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n) if n else b''
        self.record(body)
        p = self.path
        if p.startswith('/echo'):
            out = {'method': self.command, 'path': p, 'headers': dict(self.headers.items()), 'body': body.decode('utf-8', 'replace')}
            return self.reply(200, json.dumps(out).encode(), 'application/json; charset=utf-8',
                              [('Set-Cookie', 'a=1; Path=/'), ('Set-Cookie', 'b=two; Path=/'), ('X-Multi', 'one'), ('X-Multi', 'two')])
        if p == '/redirect':
            return self.reply(302, b'moved', extra=[('Location', '/files/hello.txt')])
        if p == '/auth':
            with open(authf, 'rb') as f:
                want = b'Basic ' + base64.b64encode(f.read())
            if self.headers.get('Authorization', '').encode() == want:
                return self.reply(200, b'welcome\n')
            return self.reply(401, b'who are you', extra=[('WWW-Authenticate', 'Basic realm="lab"')])
        if p.startswith('/status/'):
            return self.reply(int(p[8:]), b'status body')
        if p == '/disp':
            return self.reply(200, b'named\n', 'application/octet-stream', [('Content-Disposition', 'attachment; filename="../named.txt"')])
        if p == '/oldlm':
            return self.reply(200, b'fresh\n', extra=[('Last-Modified', 'Mon, 01 Jan 2001 00:00:00 GMT')])
        if p == '/slow':
            time.sleep(5)
            return self.reply(200, b'late')
        if self.command in ('GET', 'HEAD'):
            return super().do_GET() if self.command == 'GET' else super().do_HEAD()
        return self.reply(405, b'no')

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = route

http.server.ThreadingHTTPServer((addr, port), Handler).serve_forever()
`

// srv is a running test server.
type srv struct {
	Base string // http://ADDR:PORT
	Dir  string // its root on the serving host
	Log  string // its request log
	host *modtest.Host
}

// serve starts the test server on h (root dir, files below it served
// at /files/…) and stops it, by PID, when the test ends.
func serve(t *testing.T, h *modtest.Host, dir string, port int) *srv {
	t.Helper()
	addr, _ := h.Vars["ansible_host"].(string)
	require.NotEmpty(t, addr)
	s := &srv{Base: fmt.Sprintf("http://%s:%d", addr, port), Dir: dir, Log: dir + ".log", host: h}
	h.Sh(t, fmt.Sprintf("rm -rf %[1]s %[1]s.log && mkdir -p %[1]s/files && cat > %[1]s.py <<'EOF'\n%s\nEOF\nprintf 'lab:s3cr3t' > %[1]s.auth", dir, testServer))
	pid := strings.TrimSpace(h.Sh(t, fmt.Sprintf("nohup python3 %[1]s.py %s %d %[1]s %[1]s.log %[1]s.auth >%[1]s.out 2>&1 </dev/null & echo $!", dir, addr, port)))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = h.Conn.Run(ctx, "kill "+pid, transport.RunOpts{})
	})
	h.Sh(t, fmt.Sprintf("for i in $(seq 50); do curl -s -o /dev/null %s/files/ && exit 0; sleep 0.1; done; cat %s.out; exit 1", s.Base, dir))
	return s
}

// put writes a file under the server's root.
func (s *srv) put(t *testing.T, name, content string) {
	t.Helper()
	s.host.Sh(t, fmt.Sprintf("printf '%%s' %s > %s/%s", transport.Quote(content), s.Dir, name))
}

// spyConn records every command and stdin a module sends, to prove a
// secret never reaches a command line.
type spyConn struct {
	transport.Conn
	mu   sync.Mutex
	cmds []string
}

func (c *spyConn) Run(ctx context.Context, cmd string, o transport.RunOpts) (transport.Result, error) {
	c.mu.Lock()
	c.cmds = append(c.cmds, cmd)
	c.mu.Unlock()
	if o.Stdin != nil {
		b, err := io.ReadAll(o.Stdin)
		if err != nil {
			return transport.Result{}, err
		}
		o.Stdin = strings.NewReader(string(b))
	}
	return c.Conn.Run(ctx, cmd, o)
}

func (c *spyConn) commands() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.cmds, "\n")
}

// spy returns a copy of h whose commands are recorded.
func spy(h *modtest.Host) (*modtest.Host, *spyConn) {
	c := &spyConn{Conn: h.Conn}
	cp := *h
	cp.Conn = c
	return &cp, c
}
