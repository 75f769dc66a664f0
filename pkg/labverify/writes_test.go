package labverify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriterFollowsLocation: a service that names its items itself
// (201 + Location, like apps/todo) is read back at the Location; items
// it acknowledged but dropped are counted lost.
func TestWriterFollowsLocation(t *testing.T) {
	var mu sync.Mutex
	items := map[string]bool{}
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPost {
			n++
			id := strconv.Itoa(n)
			if n%3 != 0 { // every third acknowledged write is dropped
				items[id] = true
			}
			w.Header().Set("Location", "/items/"+id)
			w.WriteHeader(http.StatusCreated)
			return
		}
		if !items[r.URL.Path[len("/items/"):]] {
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	w := &Writer{Config: WriteConfig{CreateURL: srv.URL + "/items", Body: `{"title": "{id}"}`, Interval: Duration(10 * time.Millisecond)}, Prefix: "t", Timeout: time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	w.Run(ctx)
	cancel()
	acks := w.Acks(time.Time{}, time.Time{})
	require.GreaterOrEqual(t, len(acks), 6)
	assert.Equal(t, srv.URL+"/items/1", acks[0].URL)
	lost, err := w.Lost(context.Background())
	require.NoError(t, err)
	assert.Len(t, lost, len(acks)/3)
	assert.Equal(t, srv.URL+"/items/3", lost[0].URL)
}
