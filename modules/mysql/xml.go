package mysql

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// resultSet is one result of the client's --xml output.
type resultSet struct {
	Statement string
	Columns   []string
	// Rows hold one value per column; nil is SQL NULL.
	Rows [][]*string
}

// parseXML reads every <resultset> of the client's XML output.
func parseXML(text string) ([]resultSet, error) {
	d := xml.NewDecoder(strings.NewReader(text))
	d.Strict = false
	var out []resultSet
	var cur *resultSet
	var row []*string
	var field *strings.Builder
	var fieldNil bool
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("mysql client XML: %w", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			switch x.Name.Local {
			case "resultset":
				out = append(out, resultSet{Statement: attr(x, "statement")})
				cur = &out[len(out)-1]
			case "row":
				row = []*string{}
			case "field":
				field = &strings.Builder{}
				fieldNil = attr(x, "nil") == "true"
				if cur != nil && len(cur.Rows) == 0 {
					cur.Columns = append(cur.Columns, attr(x, "name"))
				}
			}
		case xml.CharData:
			if field != nil {
				field.Write(x)
			}
		case xml.EndElement:
			switch x.Name.Local {
			case "field":
				if field != nil {
					if fieldNil {
						row = append(row, nil)
					} else {
						s := field.String()
						row = append(row, &s)
					}
				}
				field = nil
			case "row":
				if cur != nil {
					cur.Rows = append(cur.Rows, row)
				}
				row = nil
			case "resultset":
				cur = nil
			}
		}
	}
	return out, nil
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// str returns a value as a string ("" for NULL).
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
