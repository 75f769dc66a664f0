package todo_test

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hactl/hactl/apps/todo"
)

// memStore is an in-memory todo.Store for handler tests; down makes every
// call fail like a lost database.
type memStore struct {
	mu       sync.Mutex
	items    []todo.Item
	sessions map[string]todo.Session
	down     bool
}

var errDown = errors.New("database down")

func newMemStore() *memStore { return &memStore{sessions: map[string]todo.Session{}} }

func (m *memStore) setDown(d bool) { m.mu.Lock(); m.down = d; m.mu.Unlock() }

func (m *memStore) Ping(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errDown
	}
	return nil
}

func (m *memStore) AddItem(_ context.Context, owner, title string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return 0, errDown
	}
	id := int64(len(m.items) + 1)
	m.items = append(m.items, todo.Item{ID: id, Owner: owner, Title: title, Created: time.Now()})
	return id, nil
}

func (m *memStore) Item(_ context.Context, id int64) (todo.Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return todo.Item{}, errDown
	}
	if id < 1 || id > int64(len(m.items)) {
		return todo.Item{}, todo.ErrNotFound
	}
	return m.items[id-1], nil
}

func (m *memStore) Items(_ context.Context, owner string, limit int) ([]todo.Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return nil, errDown
	}
	var out []todo.Item
	for i := len(m.items) - 1; i >= 0 && len(out) < limit; i-- {
		if m.items[i].Owner == owner {
			out = append(out, m.items[i])
		}
	}
	return out, nil
}

func (m *memStore) CreateSession(_ context.Context, hash, user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errDown
	}
	m.sessions[hash] = todo.Session{User: user, Created: time.Now()}
	return nil
}

func (m *memStore) Session(_ context.Context, hash string) (todo.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return todo.Session{}, errDown
	}
	s, ok := m.sessions[hash]
	if !ok {
		return todo.Session{}, todo.ErrNotFound
	}
	return s, nil
}

func (m *memStore) DeleteSession(_ context.Context, hash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		return errDown
	}
	delete(m.sessions, hash)
	return nil
}

// snapshot returns copies of the items and session hashes.
func (m *memStore) snapshot() ([]todo.Item, []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	items := append([]todo.Item(nil), m.items...)
	var hashes []string
	for h := range m.sessions {
		hashes = append(hashes, h)
	}
	return items, hashes
}
