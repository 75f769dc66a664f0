package yamlx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

var yamlLineRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// Parse parses a single YAML document and returns its root node (not the
// document node), or nil for an empty document. Syntax errors name file
// and line. A stream of several documents is an error, as in Ansible.
func Parse(data []byte, file string) (root *yaml.Node, err error) {
	defer func() {
		// yaml.v3 reports some malformed input by panicking; never let
		// bad input crash the caller.
		if r := recover(); r != nil {
			root, err = nil, &Error{File: file, Msg: fmt.Sprintf("invalid YAML: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, syntaxError(err, file)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, &Error{File: file, Line: extra.Line, Column: extra.Column,
			Msg: "expected a single YAML document, found another one"}
	case !errors.Is(err, io.EOF):
		return nil, syntaxError(err, file)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// Unmarshal parses a single YAML document and decodes it with Decode.
// An empty document gives nil.
func Unmarshal(data []byte, file string) (any, error) {
	root, err := Parse(data, file)
	if err != nil || root == nil {
		return nil, err
	}
	return DecodeFile(root, file)
}

// syntaxError turns a yaml.v3 error into an *Error with a line number.
func syntaxError(err error, file string) error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: m[2]}
	}
	return &Error{File: file, Msg: strings.TrimPrefix(msg, "yaml: ")}
}
