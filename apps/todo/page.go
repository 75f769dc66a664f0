package todo

import "html/template"

// pageData is what the list page shows.
type pageData struct {
	User     string
	Instance string
	Items    []Item
	Error    string
}

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>eni-todo</title></head>
<body>
<h1>eni-todo</h1>
<p>Logged in as <strong>{{.User}}</strong> (served by {{.Instance}}).</p>
<form method="post" action="/login">
  <label>Switch user <input name="user" maxlength="64" required></label>
  <button>Log in</button>
</form>
<form method="post" action="/logout"><button>Log out</button></form>
{{if .Error}}<p role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/items">
  <label>New item <input name="title" maxlength="200" required autofocus></label>
  <button>Add</button>
</form>
<ul>
{{range .Items}}  <li>#{{.ID}} {{.Title}}</li>
{{else}}  <li>Nothing to do.</li>
{{end}}</ul>
</body>
</html>
`))
