package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHandlerSaysWhoAnswered(t *testing.T) {
	srv := httptest.NewServer(handler("c0ffee", "mj-w11", "whoami.1"))
	defer srv.Close()
	for i, want := range []string{"requests=1", "requests=2"} {
		resp, err := http.Get(srv.URL + "/")
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, i)
		assert.Equal(t, "container=c0ffee node=mj-w11 task=whoami.1 "+want+"\n", string(body))
	}
	resp, err := http.Get(srv.URL + "/healthz")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp, err = http.Get(srv.URL + "/other")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}
