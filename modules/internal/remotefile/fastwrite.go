package remotefile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/hactl/hactl/pkg/transport"
)

// Outcomes of PutIfDifferent.
const (
	// PutSlow: the destination is not a plain case (a link, a directory
	// or other special file, a missing parent directory); nothing was
	// done and the caller takes its general path (Gather, then Write).
	PutSlow = iota
	// PutSame: the destination is a regular file with the wanted
	// content; nothing was written and State describes it.
	PutSame
	// PutWritten: the content was written (atomically, as Write does)
	// and State describes the file afterwards, with its SHA-1.
	PutWritten
)

// PutOpts describe one PutIfDifferent.
type PutOpts struct {
	// Dest is the destination; it must not start with "~".
	Dest    string
	Content []byte
	// SHA1 is the hex SHA-1 of Content.
	SHA1 string
	// Mode is the destination's mode (numeric: it does not depend on the
	// current one); Owner and Group are optional.
	Mode         uint32
	Owner, Group string
	// IntoBase, when set, is the name the file takes inside Dest when
	// Dest is a directory or a link to one.
	IntoBase string
}

// PutResult is what PutIfDifferent found or did.
type PutResult struct {
	Outcome int
	// Dest is the path used: Dest, or Dest/IntoBase.
	Dest  string
	State State
}

// PutIfDifferent compares and, when the content differs, writes a file
// in one command: the content travels on standard input; the host keeps
// it only when the destination is missing or holds something else. It
// covers the common case of copy and template (no check or diff mode, no
// backup, no validate, a numeric mode); anything unusual comes back as
// PutSlow with the host untouched. Attributes of an unchanged file are
// left to the caller (State has them).
func PutIfDifferent(ctx context.Context, c transport.Conn, o PutOpts) (PutResult, error) {
	if o.Dest == "" || strings.HasPrefix(o.Dest, "~") || strings.HasSuffix(o.Dest, "/") {
		return PutResult{}, fmt.Errorf("put %q: the path must be absolute or relative, without ~ or a final /", o.Dest)
	}
	tmp := path.Join(parentOf(o.Dest), ".hactl."+nonce()+".tmp")
	body, err := putBody(o, o.Dest, tmp)
	if err != nil {
		return PutResult{}, err
	}
	dest, into, script, tmps := o.Dest, "", body, []string{tmp}
	if o.IntoBase != "" {
		// A directory (or a link to one) at Dest receives the file under
		// IntoBase, as copy and template do with a src.
		into = path.Join(o.Dest, o.IntoBase)
		intoTmp := path.Join(o.Dest, ".hactl."+nonce()+".tmp")
		intoBody, err := putBody(o, into, intoTmp)
		if err != nil {
			return PutResult{}, err
		}
		script = fmt.Sprintf("if [ -d %s ]; then\necho \"@@put into\"\n%selse\n%sfi\n", transport.Quote(o.Dest), intoBody, body)
		tmps = append(tmps, intoTmp)
	}
	res, err := runPut(ctx, c, o, dest, tmps, script)
	if err != nil {
		return PutResult{}, err
	}
	if res.into {
		dest = into
	}
	return res.PutResult(dest)
}

// putBody is the script comparing and writing one destination.
func putBody(o PutOpts, dest, tmp string) (string, error) {
	gather, err := QueriesScript([]Query{{Path: dest}})
	if err != nil {
		return "", err
	}
	after, err := QueriesScript([]Query{{Path: dest, Opts: GatherOpts{Sums: []string{"sha1"}}}})
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "p=%s d=%s\n", transport.Quote(dest), transport.Quote(parentOf(dest)))
	b.WriteString(`if [ -L "$p" ] || { [ -e "$p" ] && [ ! -f "$p" ]; } || [ ! -d "$d" ]; then echo "@@put slow"; exit 0; fi` + "\n")
	// gather defines __hs, prints the umask and reads dest (no sums).
	fmt.Fprintf(&b, "if [ -f \"$p\" ]; then set -- $(sha1sum < \"$p\"); if [ \"$1\" = %s ]; then\n%secho \"@@put same\"; exit 0; fi; fi\n",
		transport.Quote(o.SHA1), gather)
	b.WriteString(uploadScript(tmp, len(o.Content)))
	b.WriteString(`fail() { rm -f -- "$t"; exit 1; }` + "\n")
	b.WriteString(`[ -e "$p" ] && chown --reference="$p" -- "$t" 2>/dev/null` + "\n")
	if o.Owner != "" {
		fmt.Fprintf(&b, "chown -- %s \"$t\" || fail\n", transport.Quote(o.Owner))
	}
	if o.Group != "" {
		fmt.Fprintf(&b, "chgrp -- %s \"$t\" || fail\n", transport.Quote(o.Group))
	}
	fmt.Fprintf(&b, "chmod %04o \"$t\" || fail\n", o.Mode)
	// The content reaches the disk before the name does: after a crash
	// the destination holds the old file or the new one, never an empty
	// one (coreutils' sync with a file argument is fsync).
	b.WriteString(`sync -- "$t" 2>/dev/null` + "\n")
	b.WriteString(`mv -f -- "$t" "$p" || fail` + "\n")
	b.WriteString(after)
	b.WriteString("echo \"@@put written\"\nexit 0\n")
	return b.String(), nil
}

// putRun is the raw outcome of a PutIfDifferent command.
type putRun struct {
	out  []byte
	into bool
}

// runPut runs the script; on a failure to finish it removes the
// temporary files it may have left.
func runPut(ctx context.Context, c transport.Conn, o PutOpts, dest string, tmps []string, script string) (putRun, error) {
	res, err := c.Run(ctx, script, transport.RunOpts{Stdin: bytes.NewReader(o.Content)})
	if err != nil {
		if !errors.Is(err, transport.ErrUnreachable) {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
			_, _ = c.Run(cctx, "rm -f -- "+transport.QuoteArgs(tmps), transport.RunOpts{})
			cancel()
		}
		return putRun{}, fmt.Errorf("write %s: %w", dest, err)
	}
	if res.RC != 0 {
		return putRun{}, fmt.Errorf("write %s: %s", dest, strings.TrimSpace(string(res.Stderr)))
	}
	return putRun{out: res.Stdout, into: bytes.HasPrefix(res.Stdout, []byte("@@put into\n"))}, nil
}

// PutResult decodes the command's output for the destination it used.
func (r putRun) PutResult(dest string) (PutResult, error) {
	qs := []Query{{Path: dest}}
	out := r.out
	switch {
	case bytes.Contains(out, []byte("@@put slow\n")):
		return PutResult{Outcome: PutSlow, Dest: dest}, nil
	case bytes.Contains(out, []byte("@@put same\n")):
		sts, err := parseAfter(qs, out)
		if err != nil {
			return PutResult{}, fmt.Errorf("put %s: %w", dest, err)
		}
		return PutResult{Outcome: PutSame, State: sts[0], Dest: dest}, nil
	case bytes.Contains(out, []byte("@@put written\n")):
		sts, err := parseAfter(qs, out)
		if err != nil {
			return PutResult{}, fmt.Errorf("put %s: %w", dest, err)
		}
		return PutResult{Outcome: PutWritten, State: sts[0], Dest: dest}, nil
	}
	return PutResult{}, fmt.Errorf("put %s: the command ended without saying what it did", dest)
}
