package remotefile

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/hactl/hactl/modules/internal/shellx"
	"github.com/hactl/hactl/pkg/transport"
)

// WriteOpts describe one atomic write.
type WriteOpts struct {
	// Dest is the destination (Current.Resolved is used when set).
	Dest string
	// Content is the new content.
	Content []byte
	// Attrs are the requested attributes. Without a mode an existing
	// file keeps its mode and a new one gets 0666 minus the umask;
	// without owner/group an existing file keeps its owner and group
	// (when the user may give them).
	Attrs Attrs
	// Current is the destination's state from Gather.
	Current State
	// Backup keeps a copy of an existing destination named as Ansible
	// does: PATH.PID.YYYY-MM-DD@HH:MM:SS~.
	Backup bool
	// Validate, when set, is a command holding "%s" run on the new
	// content (as a temporary file) before it replaces the destination;
	// it is split into words like a command task, without a shell.
	Validate string
}

// ValidateError is a validate command that rejected the new content; the
// destination was left untouched.
type ValidateError struct {
	Cmd            string
	RC             int
	Stdout, Stderr string
}

func (e *ValidateError) Error() string {
	return fmt.Sprintf("failed to validate: %s exited with %d: %s", e.Cmd, e.RC, strings.TrimSpace(e.Stderr+e.Stdout))
}

// ErrNoPercentS is returned when a validate command lacks "%s".
var ErrNoPercentS = errors.New("validate must contain %s")

// CheckValidate reports whether a validate command is usable.
func CheckValidate(v string) error {
	if v != "" && !strings.Contains(v, "%s") {
		return fmt.Errorf("%w: %s", ErrNoPercentS, v)
	}
	return nil
}

// Write replaces the destination's content atomically: the content goes
// to a temporary file beside it, which is validated, given its owner,
// group and mode, and renamed over the destination (after a backup copy
// when asked). It returns the backup file's path ("" when none was made).
// On any failure the destination is untouched and the temporary file is
// removed. Without validate this is one command on the host (see
// WriteGather).
func Write(ctx context.Context, c transport.Conn, o WriteOpts) (string, error) {
	w, err := WriteGather(ctx, c, o, nil)
	return w.Backup, err
}

// Written is what WriteGather did.
type Written struct {
	// Backup is the backup file's path ("" when none was made).
	Backup string
	// After is the destination's state read right after the rename (only
	// when WriteGather was given gather options).
	After State
}

// WriteGather is Write, followed, when after is not nil, by reading the
// destination's state with those options in the same command. Without
// validate the whole write is one Run: the content travels on the
// command's standard input (never on its command line), is written with
// umask 077 to a temporary file created exclusively beside the
// destination, checked for size (a connection lost mid-way gives a short
// file and an early end of input, never a short destination), then backed
// up, given owner, group and mode, and renamed. With validate the upload,
// the validate command and the install are three Runs. The temporary file
// is fsynced before the rename (DESIGN.md: atomic writes).
func WriteGather(ctx context.Context, c transport.Conn, o WriteOpts, after *GatherOpts) (Written, error) {
	if err := CheckValidate(o.Validate); err != nil {
		return Written{}, err
	}
	dest := o.Dest
	if o.Current.Resolved != "" {
		dest = o.Current.Resolved
	}
	if strings.HasPrefix(dest, "~") {
		return Written{}, fmt.Errorf("write %s: the path's ~ must be resolved by Gather first", dest)
	}
	mode, err := finalMode(o)
	if err != nil {
		return Written{}, fmt.Errorf("write %s: %w", dest, err)
	}
	tmp := path.Join(parentOf(dest), ".hactl."+nonce()+".tmp")
	upload := uploadScript(tmp, len(o.Content))
	install := installScript(tmp, dest, o, mode)
	var stdin io.Reader = bytes.NewReader(o.Content)
	if o.Validate != "" {
		if err := runWrite(ctx, c, dest, tmp, upload, stdin); err != nil {
			return Written{}, err
		}
		if err := validate(ctx, c, o.Validate, tmp); err != nil {
			return Written{}, err
		}
		upload, stdin = "", nil
	}
	var qs []Query
	if after != nil {
		qs = []Query{{Path: dest, Opts: *after}}
	}
	script := upload + install
	if len(qs) > 0 {
		gather, err := QueriesScript(qs)
		if err != nil {
			return Written{}, fmt.Errorf("write %s: %w", dest, err)
		}
		script += gather
	}
	res, err := runWriteResult(ctx, c, dest, tmp, script, stdin)
	if err != nil {
		return Written{}, err
	}
	w := Written{Backup: backupName(res.Stdout)}
	if len(qs) > 0 {
		sts, err := parseAfter(qs, res.Stdout)
		if err != nil {
			return w, fmt.Errorf("write %s: %w", dest, err)
		}
		w.After = sts[0]
	}
	return w, nil
}

// uploadScript writes standard input to tmp, exclusively and readable by
// the owner only, and checks that all size bytes arrived.
func uploadScript(tmp string, size int) string {
	return fmt.Sprintf(`t=%[1]s
(umask 077; set -C; cat > "$t") || { rm -f -- "$t"; echo "cannot write $t" >&2; exit 1; }
[ "$(wc -c < "$t")" -eq %[2]d ] || { rm -f -- "$t"; echo "short write to $t (input ended early)" >&2; exit 1; }
`, transport.Quote(tmp), size)
}

// runWrite runs one step of a write and fails on a non-zero exit.
func runWrite(ctx context.Context, c transport.Conn, dest, tmp, script string, stdin io.Reader) error {
	_, err := runWriteResult(ctx, c, dest, tmp, script, stdin)
	return err
}

// runWriteResult runs one step of a write. When the command could not
// finish (cancelled, connection lost), the temporary file is removed on
// a best-effort basis, with a short bound of its own.
func runWriteResult(ctx context.Context, c transport.Conn, dest, tmp, script string, stdin io.Reader) (transport.Result, error) {
	res, err := c.Run(ctx, script, transport.RunOpts{Stdin: stdin})
	if err != nil {
		if !errors.Is(err, transport.ErrUnreachable) {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
			_, _ = c.Run(cctx, "rm -f -- "+transport.Quote(tmp), transport.RunOpts{})
			cancel()
		}
		return res, fmt.Errorf("write %s: %w", dest, err)
	}
	if res.RC != 0 {
		return res, fmt.Errorf("write %s: %s", dest, strings.TrimSpace(string(res.Stderr)))
	}
	return res, nil
}

// cleanupTimeout bounds the removal of a temporary file after a failed
// write.
const cleanupTimeout = 10 * time.Second

// finalMode chooses the destination's permission bits.
func finalMode(o WriteOpts) (uint32, error) {
	cur := o.Current
	switch {
	case o.Attrs.Mode.IsSet():
		base := uint32(0o666) &^ cur.Umask
		if cur.Exists && cur.Type == TypeFile {
			base = cur.Mode
		}
		return o.Attrs.Mode.Resolve(base, false, cur.Umask)
	case cur.Exists && cur.Type == TypeFile:
		return cur.Mode, nil
	}
	return 0o666 &^ cur.Umask, nil
}

// validate runs the validate command on tmp; on failure tmp is removed.
func validate(ctx context.Context, c transport.Conn, cmd, tmp string) error {
	words, err := shellx.Split(cmd)
	if err != nil {
		_, _ = c.Run(ctx, "rm -f -- "+transport.Quote(tmp), transport.RunOpts{})
		return fmt.Errorf("validate %q: %w", cmd, err)
	}
	for i, w := range words {
		words[i] = strings.ReplaceAll(w, "%s", tmp)
	}
	line := transport.QuoteArgs(words)
	res, err := c.Run(ctx, line+"; __rc=$?; [ $__rc -eq 0 ] || rm -f -- "+transport.Quote(tmp)+"; exit $__rc", transport.RunOpts{})
	if err != nil {
		return fmt.Errorf("validate: %w", err)
	}
	if res.RC != 0 {
		return &ValidateError{Cmd: strings.ReplaceAll(cmd, "%s", tmp), RC: res.RC, Stdout: string(res.Stdout), Stderr: string(res.Stderr)}
	}
	return nil
}

// installScript backs up dest, sets tmp's attributes and renames it.
func installScript(tmp, dest string, o WriteOpts, mode uint32) string {
	var b strings.Builder
	fmt.Fprintf(&b, "t=%s p=%s\n", transport.Quote(tmp), transport.Quote(dest))
	b.WriteString(`fail() { rm -f -- "$t"; exit 1; }` + "\n")
	b.WriteString(`if [ -d "$p" ] && [ ! -L "$p" ]; then echo "$p is a directory" >&2; fail; fi` + "\n")
	if o.Backup {
		b.WriteString(BackupSnippet("p", "b") + " || fail\n")
	}
	cur := o.Current
	switch {
	case o.Attrs.Owner != "" || o.Attrs.Group != "":
		if cur.Exists && cur.Type == TypeFile {
			fmt.Fprintf(&b, "chown %d:%d -- \"$t\" 2>/dev/null\n", cur.UID, cur.GID)
		}
		if o.Attrs.Owner != "" {
			fmt.Fprintf(&b, "chown -- %s \"$t\" || fail\n", transport.Quote(o.Attrs.Owner))
		}
		if o.Attrs.Group != "" {
			fmt.Fprintf(&b, "chgrp -- %s \"$t\" || fail\n", transport.Quote(o.Attrs.Group))
		}
	case cur.Exists && cur.Type == TypeFile:
		fmt.Fprintf(&b, "chown %d:%d -- \"$t\" 2>/dev/null\n", cur.UID, cur.GID)
	}
	fmt.Fprintf(&b, "chmod %04o \"$t\" || fail\n", mode)
	// The content reaches the disk before the name does: after a crash
	// the destination holds the old file or the new one, never an empty
	// one (coreutils' sync with a file argument is fsync).
	b.WriteString(`sync -- "$t" 2>/dev/null` + "\n")
	b.WriteString(`mv -f -- "$t" "$p" || fail` + "\n")
	return b.String()
}

// BackupSnippet returns shell text copying the file in variable pathVar
// to Ansible's backup name (PATH.PID.YYYY-MM-DD@HH:MM:SS~, host's local
// time), preserving its attributes, storing the name in variable
// backupVar and printing a "@@backup BASE64" line. Nothing happens when
// the file does not exist.
func BackupSnippet(pathVar, backupVar string) string {
	return fmt.Sprintf(`{ ! [ -e "$%[1]s" ] || { %[2]s="$%[1]s.$$.$(date +%%Y-%%m-%%d@%%H:%%M:%%S)~" && cp -p -- "$%[1]s" "$%[2]s" && printf '@@backup %%s\n' "$(printf '%%s' "$%[2]s" | base64 | tr -d '\n')"; }; }`, pathVar, backupVar)
}

// backupName finds the backup line in a script's output.
func backupName(out []byte) string {
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "@@backup "); ok {
			if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v)); err == nil {
				return string(b)
			}
		}
	}
	return ""
}

// BackupName returns the backup path a BackupSnippet printed ("" if none).
func BackupName(out []byte) string { return backupName(out) }

// nonce returns 16 random hex digits.
func nonce() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails on supported platforms
	return hex.EncodeToString(b)
}
