// Command whoami is the service of labs/swarm (the Mutuelle Just
// cluster): a tiny HTTP server that says which container answered, so that
// a client going through the load balancer sees the swarm's tasks take
// turns (and fail over).
//
// GET / answers one line: the container's hostname (its ID), the swarm
// node (NODE, from the service's environment), the task's name (TASK) and
// the request count of this container. GET /healthz answers "ok". LISTEN
// sets the address (default :8080). It stops cleanly on SIGTERM (docker
// stop): in-flight requests finish first.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	addr := os.Getenv("LISTEN")
	if addr == "" {
		addr = ":8080"
	}
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	srv := &http.Server{Addr: addr, Handler: handler(host, os.Getenv("NODE"), os.Getenv("TASK")), ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Printf("whoami %s listening on %s", host, addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("whoami: %v", err)
	}
}

// handler answers / with who this is and /healthz with ok.
func handler(host, node, task string) http.Handler {
	var n atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "container=%s node=%s task=%s requests=%d\n", host, node, task, n.Add(1))
	})
	return mux
}
