package galera_test

import (
	"context"
	dbsql "database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
)

// writer is a client that inserts one row every interval into lab.w on a
// cluster member, as an application behind a failover-aware driver would:
// it moves to another member only when the one it uses cannot take the
// write (connection lost, server shutting down, node not ready), and
// counts a write failed when no member acknowledges it in time.
type writer struct {
	t     *testing.T
	names []string
	dbs   []*dbsql.DB
	done  chan struct{}
	wg    sync.WaitGroup

	mu       sync.Mutex
	acked    []int
	failed   []string
	failover int
	maxWait  time.Duration
}

// writerDBs opens a pool per member address for user/password.
func writerDBs(t *testing.T, addrs []string, user, password string) []*dbsql.DB {
	var dbs []*dbsql.DB
	for _, a := range addrs {
		cfg := gomysql.NewConfig()
		cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = user, password, "tcp", net.JoinHostPort(a, "3306"), "lab"
		cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = 5*time.Second, 15*time.Second, 15*time.Second
		conn, err := gomysql.NewConnector(cfg)
		if err != nil {
			t.Fatalf("connector for %s: %v", a, err)
		}
		db := dbsql.OpenDB(conn)
		db.SetMaxOpenConns(2)
		db.SetConnMaxIdleTime(30 * time.Second)
		t.Cleanup(func() { _ = db.Close() })
		dbs = append(dbs, db)
	}
	return dbs
}

// startWriter begins writing to member first, one row per interval.
func startWriter(t *testing.T, names []string, dbs []*dbsql.DB, first int, interval time.Duration) *writer {
	w := &writer{t: t, names: names, dbs: dbs, done: make(chan struct{})}
	w.wg.Go(func() {
		cur := first
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for k := 1; ; k++ {
			select {
			case <-w.done:
				return
			case <-tick.C:
			}
			cur = w.write(k, cur)
		}
	})
	return w
}

// write inserts row k, starting on member cur, and returns the member to
// use next.
func (w *writer) write(k, cur int) int {
	start := time.Now()
	deadline := start.Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, err := w.dbs[cur].ExecContext(ctx, "INSERT INTO w (k, member) VALUES (?, ?)", k, w.names[cur])
		cancel()
		var me *gomysql.MySQLError
		switch {
		case err == nil, errors.As(err, &me) && me.Number == 1062:
			// 1062: an earlier attempt committed but its ack was lost.
			w.mu.Lock()
			w.acked = append(w.acked, k)
			w.maxWait = max(w.maxWait, time.Since(start))
			w.mu.Unlock()
			return cur
		case errors.As(err, &me) && me.Number == 1213:
			// Certification conflict with a lost earlier attempt: retry.
			last = err
			time.Sleep(100 * time.Millisecond)
		case memberUnavailable(err):
			last = err
			w.mu.Lock()
			w.failover++
			w.mu.Unlock()
			cur = (cur + 1) % len(w.dbs)
			time.Sleep(200 * time.Millisecond)
		default:
			last = err
			deadline = time.Now() // not retryable: the write failed
		}
	}
	w.mu.Lock()
	w.failed = append(w.failed, fmt.Sprintf("row %d on %s: %v", k, w.names[cur], last))
	w.mu.Unlock()
	return cur
}

// memberUnavailable reports errors that say the member cannot take writes
// now (the write did not happen or is safely retried): lost or refused
// connections, server shutdown, node not ready for application use.
func memberUnavailable(err error) bool {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1047, // WSREP has not yet prepared node for application use
			1053, // server shutdown in progress
			1927, // connection was killed
			2002, 2003, 2006, 2013:
			return true
		}
		return false
	}
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, gomysql.ErrInvalidConn) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne)
}

// stop ends the writer and returns the acknowledged row keys and the
// failed writes.
func (w *writer) stop() (acked []int, failed []string, failover int, maxWait time.Duration) {
	close(w.done)
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]int{}, w.acked...), append([]string{}, w.failed...), w.failover, w.maxWait
}

// rowsOn reads every key of lab.w on one member, waiting for the member to
// have applied everything the cluster committed before the read.
func rowsOn(db *dbsql.DB) (map[int]bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET SESSION wsrep_sync_wait = 1"); err != nil {
		return nil, err
	}
	rs, err := conn.QueryContext(ctx, "SELECT k FROM w")
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	got := map[int]bool{}
	for rs.Next() {
		var k int
		if err := rs.Scan(&k); err != nil {
			return nil, err
		}
		got[k] = true
	}
	return got, rs.Err()
}
