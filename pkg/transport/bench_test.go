package transport

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/hactl/hactl/internal/sshtest"
)

// BenchmarkRunSSH measures one command on an established connection: the
// floor of every task.
func BenchmarkRunSSH(b *testing.B) {
	s := sshtest.Start(b, 1)[0]
	c := dialServer(b, s)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		res, err := c.Run(ctx, "true", RunOpts{})
		if err != nil || res.RC != 0 {
			b.Fatalf("run: %v rc=%d", err, res.RC)
		}
	}
}

// BenchmarkRunSSHParallel runs commands concurrently on one connection.
func BenchmarkRunSSHParallel(b *testing.B) {
	s := sshtest.Start(b, 1)[0]
	c := dialServer(b, s)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Run(context.Background(), "true", RunOpts{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkRunLocal is the same command through the local transport.
func BenchmarkRunLocal(b *testing.B) {
	c := NewLocal()
	for b.Loop() {
		if _, err := c.Run(context.Background(), "true", RunOpts{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPut writes a 4 KiB file atomically over SFTP.
func BenchmarkPut(b *testing.B) {
	s := sshtest.Start(b, 1)[0]
	c := dialServer(b, s)
	dst := filepath.Join(b.TempDir(), "f")
	content := bytes.Repeat([]byte("x"), 4096)
	ctx := context.Background()
	for b.Loop() {
		if err := c.Put(ctx, dst, bytes.NewReader(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStat lstat()s a file with owner names over SFTP.
func BenchmarkStat(b *testing.B) {
	s := sshtest.Start(b, 1)[0]
	c := dialServer(b, s)
	ctx := context.Background()
	for b.Loop() {
		if fi, err := c.Stat(ctx, "/etc/hostname"); err != nil || fi.Owner == "" {
			b.Fatalf("stat: %v %+v", err, fi)
		}
	}
}

// BenchmarkStatCommand is the alternative Stat design: one `stat -c`
// command per call (what a become Conn does).
func BenchmarkStatCommand(b *testing.B) {
	s := sshtest.Start(b, 1)[0]
	c := dialServer(b, s)
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.Run(ctx, "p=/etc/hostname\n"+statScript, RunOpts{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDial measures connect + handshake + login with strict host key
// checking.
func BenchmarkDial(b *testing.B) {
	s := sshtest.Start(b, 1)[0]
	cfg := serverConfig(s)
	ctx := context.Background()
	for b.Loop() {
		c, err := DialSSH(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		_ = c.Close()
	}
}

// BenchmarkBecomeSudo runs one command through sudo (root to nobody).
func BenchmarkBecomeSudo(b *testing.B) {
	s := sshtest.Start(b, 1)[0]
	c := WithBecome(dialServer(b, s), Become{User: "nobody"})
	ctx := context.Background()
	for b.Loop() {
		if res, err := c.Run(ctx, "true", RunOpts{}); err != nil || res.RC != 0 {
			b.Fatalf("%v %s", err, res.Stderr)
		}
	}
}

// BenchmarkRunSSHRaw is the floor under BenchmarkRunSSH: a bare session
// running "true" through the login shell, without hactl's /bin/sh wrapper
// and PID line.
func BenchmarkRunSSHRaw(b *testing.B) {
	s := sshtest.Start(b, 1)[0]
	c := dialServer(b, s).(*sshConn)
	l, err := c.link(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		sess, err := l.client.NewSession()
		if err != nil {
			b.Fatal(err)
		}
		if err := sess.Run("true"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutLocal is Put through the local transport (the cost of the
// fsync alone).
func BenchmarkPutLocal(b *testing.B) {
	c := NewLocal()
	dst := filepath.Join(b.TempDir(), "f")
	content := bytes.Repeat([]byte("x"), 4096)
	for b.Loop() {
		if err := c.Put(context.Background(), dst, bytes.NewReader(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}
