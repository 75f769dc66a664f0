// Package util implements the modules that work on the controller and the
// play's variables rather than on the host: debug, set_fact, assert, fail,
// pause and include_vars.
package util
