// Package hostcmd holds the small helpers the system modules share to run
// shell scripts on a host and read their machine-readable output: one
// script per gather, sections separated by a marker line, key=value
// parsing.
package hostcmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/hactl/hactl/pkg/transport"
)

// Output is what a script left behind.
type Output struct {
	RC     int
	Stdout string
	Stderr string
}

// Run runs script on conn. A transport error is returned wrapped with what;
// a non-zero exit status is not an error (see Must).
func Run(ctx context.Context, conn transport.Conn, what, script string, opts transport.RunOpts) (Output, error) {
	res, err := conn.Run(ctx, script, opts)
	if err != nil {
		return Output{}, fmt.Errorf("%s: %w", what, err)
	}
	return Output{RC: res.RC, Stdout: string(res.Stdout), Stderr: string(res.Stderr)}, nil
}

// Must runs script and returns its stdout, failing when it exits non-zero
// (the error holds the first line of stderr, or of stdout when stderr is
// empty).
func Must(ctx context.Context, conn transport.Conn, what, script string) (string, error) {
	out, err := Run(ctx, conn, what, script, transport.RunOpts{})
	if err != nil {
		return "", err
	}
	if out.RC != 0 {
		return out.Stdout, fmt.Errorf("%s: exit status %d: %s", what, out.RC, FirstLine(out.Stderr, out.Stdout))
	}
	return out.Stdout, nil
}

// FirstLine returns the first non-blank line of the first non-blank text.
func FirstLine(texts ...string) string {
	for _, s := range texts {
		for l := range strings.SplitSeq(s, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				return l
			}
		}
	}
	return ""
}

// Marker returns a random marker line to separate the sections of a
// script's output.
func Marker() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return "__hactl_" + hex.EncodeToString(b)
}

// Sections splits output at lines equal to marker. The text before the
// first marker is section 0.
func Sections(out, marker string) []string {
	var secs []string
	cur := strings.Builder{}
	for l := range strings.SplitSeq(out, "\n") {
		if l == marker {
			secs = append(secs, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteString(l)
		cur.WriteString("\n")
	}
	return append(secs, strings.TrimSuffix(cur.String(), "\n"))
}

// KeyValues parses KEY=VALUE lines (systemctl show, os-release style
// without quotes); lines without "=" are ignored, the first "=" splits.
func KeyValues(s string) map[string]string {
	m := map[string]string{}
	for l := range strings.SplitSeq(s, "\n") {
		k, v, ok := strings.Cut(strings.TrimRight(l, "\r"), "=")
		if ok && k != "" {
			m[k] = v
		}
	}
	return m
}
