// Command todo runs the fil-rouge to-do application.
//
// Environment:
//
//	DB_DSN    the database, user:password@tcp(host:3306)/db_todo (required)
//	LISTEN    the HTTP address (default :8080)
//	INSTANCE  the name shown in responses (default: the hostname)
//
// It creates its tables on start (waiting up to a minute for the
// database) and stops gracefully on SIGTERM or SIGINT.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hactl/hactl/apps/todo"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		log.Error("todo", "err", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	dsn := os.Getenv("DB_DSN")
	if dsn == "" {
		return errors.New("DB_DSN is not set")
	}
	listen := os.Getenv("LISTEN")
	if listen == "" {
		listen = ":8080"
	}
	instance := os.Getenv("INSTANCE")
	if instance == "" {
		instance, _ = os.Hostname()
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	store, err := todo.OpenMySQL(dsn)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	mctx, cancel := context.WithTimeout(ctx, time.Minute)
	err = store.MigrateWithRetry(mctx, 2*time.Second)
	cancel()
	if err != nil {
		return err
	}

	srv := &http.Server{
		Addr:              listen,
		Handler:           todo.NewServer(store, instance, log).Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("listening", "addr", listen, "instance", instance)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
