package transport

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"path"
)

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

// Read implements io.Reader.
func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, context.Cause(c.ctx)
	}
	return c.r.Read(p)
}

// sizedCtxReader is a ctxReader that also reports how much r holds, so
// that SFTP can pipeline writes.
type sizedCtxReader struct {
	ctxReader
	size int64
}

// Size returns the number of bytes left when the reader was wrapped.
func (s sizedCtxReader) Size() int64 { return s.size }

// withContext wraps r so that reads fail once ctx is done, keeping its
// size visible when r knows it.
func withContext(ctx context.Context, r io.Reader) io.Reader {
	cr := ctxReader{ctx: ctx, r: r}
	switch t := r.(type) {
	case interface{ Len() int }:
		return sizedCtxReader{cr, int64(t.Len())}
	case interface{ Size() int64 }:
		return sizedCtxReader{cr, t.Size()}
	}
	return cr
}

// ctxWriter stops writing once ctx is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

// Write implements io.Writer.
func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, context.Cause(c.ctx)
	}
	return c.w.Write(p)
}

// tempPath names a temporary file next to dst: same directory (so that
// rename is atomic), hidden, and unique.
func tempPath(dst string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return path.Join(path.Dir(dst), "."+path.Base(dst)+".hactl-"+hex.EncodeToString(b[:])+".tmp")
}
