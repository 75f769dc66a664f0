package todo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
)

// schema is applied on every start; each statement is idempotent.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS items (
		id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
		owner VARCHAR(64) NOT NULL,
		title VARCHAR(200) NOT NULL,
		created DATETIME(6) NOT NULL,
		KEY owner_id (owner, id)
	) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
	`CREATE TABLE IF NOT EXISTS sessions (
		token_hash CHAR(64) NOT NULL PRIMARY KEY,
		user VARCHAR(64) NOT NULL,
		created DATETIME(6) NOT NULL
	) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
}

// MySQLStore keeps items and sessions in MariaDB or MySQL (Galera
// included: every table has a primary key and uses InnoDB).
type MySQLStore struct {
	db *sql.DB
}

// OpenMySQL connects to the database named by dsn (go-sql-driver syntax,
// user:password@tcp(host:3306)/db_todo). It sets parseTime and short dial
// and I/O timeouts when the DSN does not, and recycles pooled connections
// well before a load balancer's idle timeout cuts them. It does not touch
// the database: call Migrate.
func OpenMySQL(dsn string) (*MySQLStore, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse DB_DSN: %w", err)
	}
	cfg.ParseTime = true
	if cfg.Timeout == 0 {
		cfg.Timeout = 3 * time.Second
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 10 * time.Second
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql connector: %w", err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(10 * time.Second)
	db.SetConnMaxLifetime(time.Minute)
	return &MySQLStore{db: db}, nil
}

// Close closes the connection pool.
func (s *MySQLStore) Close() error { return s.db.Close() }

// Migrate creates the tables that are missing.
func (s *MySQLStore) Migrate(ctx context.Context) error {
	for _, q := range schema {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
	}
	return nil
}

// MigrateWithRetry calls Migrate until it succeeds or ctx ends, waiting
// every between attempts: the database may come up after the app.
func (s *MySQLStore) MigrateWithRetry(ctx context.Context, every time.Duration) error {
	for {
		err := s.Migrate(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		case <-time.After(every):
		}
	}
}

// Ping runs a query on the sessions table: a Galera member that is not
// part of the Primary component accepts connections but refuses it.
func (s *MySQLStore) Ping(ctx context.Context) error {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE token_hash = ''`).Scan(&n); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// AddItem inserts an item; the id is returned only after the commit.
func (s *MySQLStore) AddItem(ctx context.Context, owner, title string) (int64, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO items (owner, title, created) VALUES (?, ?, ?)`,
		owner, title, time.Now().UTC())
	if err != nil {
		return 0, fmt.Errorf("insert item: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("insert item: %w", err)
	}
	return id, nil
}

// Item returns the item with this id.
func (s *MySQLStore) Item(ctx context.Context, id int64) (Item, error) {
	it := Item{ID: id}
	err := s.db.QueryRowContext(ctx, `SELECT owner, title, created FROM items WHERE id = ?`, id).
		Scan(&it.Owner, &it.Title, &it.Created)
	if errors.Is(err, sql.ErrNoRows) {
		return Item{}, ErrNotFound
	}
	if err != nil {
		return Item{}, fmt.Errorf("read item %d: %w", id, err)
	}
	return it, nil
}

// Items returns owner's newest items first.
func (s *MySQLStore) Items(ctx context.Context, owner string, limit int) ([]Item, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, title, created FROM items WHERE owner = ? ORDER BY id DESC LIMIT ?`, owner, limit)
	if err != nil {
		return nil, fmt.Errorf("list items: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []Item
	for rows.Next() {
		it := Item{Owner: owner}
		if err := rows.Scan(&it.ID, &it.Title, &it.Created); err != nil {
			return nil, fmt.Errorf("list items: %w", err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list items: %w", err)
	}
	return out, nil
}

// CreateSession stores a session.
func (s *MySQLStore) CreateSession(ctx context.Context, tokenHash, user string) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO sessions (token_hash, user, created) VALUES (?, ?, ?)`,
		tokenHash, user, time.Now().UTC()); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session reads a session.
func (s *MySQLStore) Session(ctx context.Context, tokenHash string) (Session, error) {
	var ses Session
	err := s.db.QueryRowContext(ctx, `SELECT user, created FROM sessions WHERE token_hash = ?`, tokenHash).
		Scan(&ses.User, &ses.Created)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNotFound
	}
	if err != nil {
		return Session{}, fmt.Errorf("read session: %w", err)
	}
	return ses, nil
}

// DeleteSession removes a session.
func (s *MySQLStore) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}
