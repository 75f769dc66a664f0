package registry

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/transport"
)

// gcSummary matches distribution's closing line: "N blobs marked, M
// blobs and K manifests eligible for deletion".
var gcSummary = regexp.MustCompile(`(\d+) blobs marked, (\d+) blobs and (\d+) manifests eligible for deletion`)

// parseGC reads the counts garbage-collect printed.
func parseGC(out string) (blobs, manifests int, err error) {
	m := gcSummary.FindStringSubmatch(out)
	if m == nil {
		return 0, 0, fmt.Errorf("garbage-collect printed no summary line: %s", hostcmd.FirstLine(out))
	}
	blobs, _ = strconv.Atoi(m[2])
	manifests, _ = strconv.Atoi(m[3])
	return blobs, manifests, nil
}

// gcCommand runs garbage-collect as the registry's user on a config.
func (r *run) gcCommand(ctx context.Context, config string, dryRun bool) (string, error) {
	cmd := "runuser -u docker-registry -- docker-registry garbage-collect"
	if dryRun {
		cmd += " --dry-run"
	}
	if r.a.Bool("delete_untagged") {
		cmd += " --delete-untagged"
	}
	cmd += " " + transport.Quote(config) + " 2>&1"
	return hostcmd.Must(ctx, r.t.Conn, "docker-registry garbage-collect", cmd)
}

// collect runs garbage collection. Real runs put the registry in
// read-only mode first and restore the declared configuration after,
// even when the collection fails.
func (r *run) collect(ctx context.Context) error {
	gc := map[string]any{"dry_run": r.t.Check}
	r.res.Data["gc"] = gc
	if r.t.Check {
		if r.res.Changed {
			gc["note"] = "the configuration would change first; dry run against the current one"
		}
		out, err := r.gcCommand(ctx, ConfigPath, true)
		if err != nil {
			return err
		}
		blobs, manifests, err := parseGC(out)
		if err != nil {
			return err
		}
		gc["blobs_eligible"], gc["manifests_eligible"] = blobs, manifests
		if blobs+manifests > 0 {
			r.note("garbage collection would delete %d blobs and %d manifests", blobs, manifests)
		}
		return nil
	}
	unit := r.a.String("service")
	ro := r.s
	ro.Readonly = true
	start := time.Now()
	if err := r.install(ctx, ro.render(false)); err != nil {
		return err
	}
	u, err := gatherUnit(ctx, r.t.Conn, unit)
	if err != nil {
		return err
	}
	running := u.running()
	if running {
		if err := systemctl(ctx, r.t.Conn, "restart", unit); err != nil {
			return err
		}
	}
	out, gcErr := r.gcCommand(ctx, ConfigPath, false)
	// Restore whatever happened.
	restoreErr := r.install(context.WithoutCancel(ctx), r.config)
	if restoreErr == nil && running {
		restoreErr = systemctl(context.WithoutCancel(ctx), r.t.Conn, "restart", unit)
	}
	gc["readonly_seconds"] = time.Since(start).Seconds()
	if gcErr != nil {
		return fmt.Errorf("%w (the configuration was restored: %v)", gcErr, restoreErr)
	}
	if restoreErr != nil {
		return fmt.Errorf("restore the registry's configuration after garbage collection: %w", restoreErr)
	}
	blobs, manifests, err := parseGC(out)
	if err != nil {
		return err
	}
	gc["blobs_eligible"], gc["manifests_eligible"] = blobs, manifests
	if blobs+manifests > 0 {
		r.note("garbage collection deleted %d blobs and %d manifests", blobs, manifests)
	}
	if running && r.a.Bool("verify") {
		return checkV2(ctx, r.t.Conn, r.s.verifyURL, r.s.Htpasswd != "", time.Duration(r.a.Int("verify_timeout"))*time.Second)
	}
	return nil
}

// install writes config.yml (used to switch maintenance mode).
func (r *run) install(ctx context.Context, content []byte) error {
	st, err := remotefile.Gather(ctx, r.t.Conn, ConfigPath, remotefile.GatherOpts{})
	if err != nil {
		return err
	}
	attrs, err := remotefile.AttrsFromArgs("0640", "root", "docker-registry")
	if err != nil {
		return err
	}
	_, err = remotefile.Write(ctx, r.t.Conn, remotefile.WriteOpts{Dest: ConfigPath, Content: content, Current: st, Attrs: attrs})
	return err
}
