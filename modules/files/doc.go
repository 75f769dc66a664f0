// Package files implements Ansible's core file modules: copy, template,
// file, lineinfile, blockinfile, replace, stat and slurp; fetch, find and
// unarchive; and the HTTP modules uri and get_url, which run curl on the
// host with the request on its standard input (curl.go).
//
// Every module gathers the state of the paths it manages in one command
// (remotefile.Gather), computes the difference, reports it in check mode,
// and otherwise applies exactly that difference with atomic writes
// (remotefile.Write) before reading the result back.
package files
