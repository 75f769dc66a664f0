// Package todo is the fil-rouge application: a small to-do list served over
// HTTP that keeps its items and its users' sessions in MariaDB (a Galera
// cluster in the lab). Because sessions live in the database and not in the
// process, any instance behind the load balancer can serve any user, and a
// user keeps their session when the instance that created it dies.
package todo

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when an item or a session does not exist.
var ErrNotFound = errors.New("not found")

// Item is one entry of a to-do list.
type Item struct {
	ID      int64     `json:"id"`
	Owner   string    `json:"owner"`
	Title   string    `json:"title"`
	Created time.Time `json:"created"`
}

// Session is a logged-in (or implicit guest) user.
type Session struct {
	User    string
	Created time.Time
}

// Store is what the HTTP server needs from the database. MySQLStore is the
// real one; tests may use another.
type Store interface {
	// Ping checks that the database answers queries on the app's tables.
	Ping(ctx context.Context) error
	// AddItem stores a new item and returns its id once committed.
	AddItem(ctx context.Context, owner, title string) (int64, error)
	// Item returns one item, or ErrNotFound.
	Item(ctx context.Context, id int64) (Item, error)
	// Items returns the newest items of owner (at most limit).
	Items(ctx context.Context, owner string, limit int) ([]Item, error)
	// CreateSession stores a session for user under the given token hash.
	CreateSession(ctx context.Context, tokenHash, user string) error
	// Session returns the session stored under tokenHash, or ErrNotFound.
	Session(ctx context.Context, tokenHash string) (Session, error)
	// DeleteSession removes a session (logout); a missing one is no error.
	DeleteSession(ctx context.Context, tokenHash string) error
}
