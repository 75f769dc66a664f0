package transport

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// ownerCache maps a host's uids and gids to names. It reads /etc/passwd
// and /etc/group once (two SFTP reads, ~0.2 ms on loopback, against a few
// milliseconds for a `stat -c` command per Stat) and reads them again when
// an id is missing, since a task may have just created that user. Ids that
// the files do not list (LDAP, sssd) are asked of getent; ids nobody knows
// are remembered as unknown, so that they cost nothing the next time.
type ownerCache struct {
	get func(ctx context.Context, path string, w io.Writer) error
	run func(ctx context.Context, cmd string, opt RunOpts) (Result, error)

	mu     sync.Mutex
	loaded bool
	users  map[int]string
	groups map[int]string
	// unknownU and unknownG hold ids that neither the files nor getent know.
	unknownU map[int]bool
	unknownG map[int]bool
}

// names returns the user and group names of uid and gid; "" when unknown.
func (o *ownerCache) names(ctx context.Context, uid, gid int) (string, string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.loaded {
		o.load(ctx)
		o.unknownU, o.unknownG = map[int]bool{}, map[int]bool{}
	}
	u, okU := o.users[uid]
	g, okG := o.groups[gid]
	okU = okU || o.unknownU[uid]
	okG = okG || o.unknownG[gid]
	if okU && okG {
		return u, g
	}
	o.load(ctx)
	u, okU = o.users[uid]
	g, okG = o.groups[gid]
	if !okU && !o.unknownU[uid] {
		if u = o.getent(ctx, "passwd", uid); u == "" {
			o.unknownU[uid] = true
		}
	}
	if !okG && !o.unknownG[gid] {
		if g = o.getent(ctx, "group", gid); g == "" {
			o.unknownG[gid] = true
		}
	}
	return u, g
}

// load (re)reads the passwd and group files.
func (o *ownerCache) load(ctx context.Context) {
	o.users = o.readDB(ctx, "/etc/passwd")
	o.groups = o.readDB(ctx, "/etc/group")
	o.loaded = true
}

func (o *ownerCache) readDB(ctx context.Context, path string) map[int]string {
	var b bytes.Buffer
	if err := o.get(ctx, path, &b); err != nil {
		return map[int]string{}
	}
	return parseIDFile(b.String())
}

// getent asks the host's name service for one id; "" when unknown.
func (o *ownerCache) getent(ctx context.Context, db string, id int) string {
	if o.run == nil {
		return ""
	}
	res, err := o.run(ctx, fmt.Sprintf("getent %s %d", db, id), RunOpts{})
	if err != nil || res.RC != 0 {
		return ""
	}
	m := parseIDFile(string(res.Stdout))
	if name, ok := m[id]; ok {
		if db == "passwd" {
			o.users[id] = name
		} else {
			o.groups[id] = name
		}
		return name
	}
	return ""
}

// parseIDFile reads passwd(5)/group(5) lines: name:password:id:…
// The first name wins for a shared id, as with getpwuid(3).
func parseIDFile(s string) map[int]string {
	m := map[int]string{}
	for _, line := range strings.Split(s, "\n") {
		f := strings.SplitN(line, ":", 4)
		if len(f) < 3 || f[0] == "" || strings.HasPrefix(f[0], "#") {
			continue
		}
		id, err := strconv.Atoi(f[2])
		if err != nil {
			continue
		}
		if _, dup := m[id]; !dup {
			m[id] = f[0]
		}
	}
	return m
}
