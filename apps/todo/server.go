package todo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on what users send.
const (
	maxTitle   = 200
	maxUser    = 64
	maxBody    = 16 << 10
	listLimit  = 100
	dbDeadline = 5 * time.Second
)

// Server serves the to-do application.
type Server struct {
	store    Store
	instance string
	log      *slog.Logger
}

// NewServer returns a server over store. instance names this process in
// responses (the X-Todo-Instance header and the page), so a client can see
// which instance answered.
func NewServer(store Store, instance string, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{store: store, instance: instance, log: log}
}

// Handler returns the application's routes:
//
//	GET  /            the HTML list of the session's items and a form (starts a guest session)
//	POST /items       add an item (form or JSON {"title": …}); 201 {"id": N} (a browser form gets 303 to /)
//	GET  /items/{id}  one item as JSON
//	GET  /session     the session's user as JSON (404 without a session)
//	POST /login       start a session for the form's or JSON's "user"
//	POST /logout      end the session
//	GET  /healthz     200 when the database answers, 503 otherwise
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("POST /items", s.addItem)
	mux.HandleFunc("GET /items/{id}", s.getItem)
	mux.HandleFunc("GET /session", s.session)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /healthz", s.healthz)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Todo-Instance", s.instance)
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		mux.ServeHTTP(w, r)
	})
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), dbDeadline)
	defer cancel()
	ses, ok, err := s.currentSession(ctx, r)
	if err == nil && !ok {
		var name string
		if name, err = guestName(); err == nil {
			ses, err = s.startSession(ctx, w, r, name)
		}
	}
	if err != nil {
		s.fail(w, "session", err)
		return
	}
	items, err := s.store.Items(ctx, ses.User, listLimit)
	if err != nil {
		s.fail(w, "list items", err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := page.Execute(w, pageData{User: ses.User, Instance: s.instance, Items: items}); err != nil {
		s.log.Error("render page", "err", err)
	}
}

// addItem stores an item for the session's user ("anonymous" without a
// session: API clients need no cookie). The answer comes after the commit,
// so a 201 means the write is durable in the cluster.
func (s *Server) addItem(w http.ResponseWriter, r *http.Request) {
	title, isJSON, ok := readField(w, r, "title", maxTitle)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), dbDeadline)
	defer cancel()
	ses, ok, err := s.currentSession(ctx, r)
	if err != nil {
		s.fail(w, "session", err)
		return
	}
	owner := "anonymous"
	if ok {
		owner = ses.User
	}
	id, err := s.store.AddItem(ctx, owner, title)
	if err != nil {
		s.fail(w, "add item", err)
		return
	}
	w.Header().Set("Location", "/items/"+strconv.FormatInt(id, 10))
	if !isJSON && strings.Contains(r.Header.Get("Accept"), "text/html") {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]int64{"id": id})
}

func (s *Server) getItem(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "id must be a positive integer"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), dbDeadline)
	defer cancel()
	it, err := s.store.Item(ctx, id)
	if errors.Is(err, ErrNotFound) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such item"})
		return
	}
	if err != nil {
		s.fail(w, "read item", err)
		return
	}
	writeJSON(w, http.StatusOK, it)
}

func (s *Server) session(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), dbDeadline)
	defer cancel()
	ses, ok, err := s.currentSession(ctx, r)
	if err != nil {
		s.fail(w, "session", err)
		return
	}
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no session"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"user": ses.User, "instance": s.instance})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	user, isJSON, ok := readField(w, r, "user", maxUser)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), dbDeadline)
	defer cancel()
	if _, err := s.startSession(ctx, w, r, user); err != nil {
		s.fail(w, "login", err)
		return
	}
	if !isJSON && strings.Contains(r.Header.Get("Accept"), "text/html") {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"user": user})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(CookieName); err == nil {
		ctx, cancel := context.WithTimeout(r.Context(), dbDeadline)
		defer cancel()
		if err := s.store.DeleteSession(ctx, hashToken(c.Value)); err != nil {
			s.fail(w, "logout", err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// healthz answers 200 only when the database answers a query in time:
// HAProxy takes an instance that lost its database out of the pool.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("health check", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "instance": s.instance})
}

// fail logs err and answers 503: every failure past validation is the
// database's, and another instance or a retry may succeed.
func (s *Server) fail(w http.ResponseWriter, what string, err error) {
	s.log.Error(what, "err", err)
	writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": what + " failed"})
}

func isJSONRequest(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/json"
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// readField reads the one field a form or JSON body carries ({"title": …}
// or title=…), trimmed, and checks it has 1 to max characters. It answers
// 400 itself and reports ok=false when the request is bad; isJSON says
// which kind of request it was.
func readField(w http.ResponseWriter, r *http.Request, field string, max int) (value string, isJSON, ok bool) {
	isJSON = isJSONRequest(r)
	if isJSON {
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("body must be JSON {%q: …}", field)})
			return "", isJSON, false
		}
		value, _ = in[field].(string)
	} else {
		value = r.PostFormValue(field)
	}
	value = strings.TrimSpace(value)
	if value == "" || utf8.RuneCountInString(value) > max {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("%s must have 1 to %d characters", field, max)})
		return "", isJSON, false
	}
	return value, isJSON, true
}
