package report

import "github.com/hactl/hactl/pkg/pyjson"

// compactJSON formats v on one line with sorted keys and the separators
// Ansible's output uses (", " and ": ").
func compactJSON(v any) string { return pyjson.MustString(v, pyjson.OneLine) }

// indentJSON formats v with four-space indentation, as Ansible prints
// debug results.
func indentJSON(v any) string { return pyjson.MustString(v, pyjson.Indent4) }
