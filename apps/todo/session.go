package todo

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
)

// CookieName is the session cookie. It holds a random token; the database
// keeps only the token's SHA-256, so a copy of the sessions table does not
// let anyone log in.
const CookieName = "todo_session"

// newToken returns a random session token and its hash.
func newToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("session token: %w", err)
	}
	token = hex.EncodeToString(b)
	return token, hashToken(token), nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// currentSession returns the session of the request's cookie, if any.
// A missing or unknown cookie is not an error: ok is false.
func (s *Server) currentSession(ctx context.Context, r *http.Request) (ses Session, ok bool, err error) {
	c, err := r.Cookie(CookieName)
	if err != nil || len(c.Value) != 64 {
		return Session{}, false, nil
	}
	ses, err = s.store.Session(ctx, hashToken(c.Value))
	if errors.Is(err, ErrNotFound) {
		return Session{}, false, nil
	}
	if err != nil {
		return Session{}, false, err
	}
	return ses, true, nil
}

// startSession stores a new session for user and sets its cookie.
func (s *Server) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, user string) (Session, error) {
	token, hash, err := newToken()
	if err != nil {
		return Session{}, err
	}
	if err := s.store.CreateSession(ctx, hash, user); err != nil {
		return Session{}, err
	}
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: token, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
	return Session{User: user}, nil
}

// guestName returns a random user name for an implicit session.
func guestName() (string, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("guest name: %w", err)
	}
	return "guest-" + hex.EncodeToString(b), nil
}
