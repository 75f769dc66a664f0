package storage

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// lvmReport is the JSON shape of pvs, vgs and lvs --reportformat json:
// {"report": [{"pv": [{...}], "vg": [...], "lv": [...]}]}, every value a
// string.
type lvmReport struct {
	Report []map[string][]map[string]string `json:"report"`
}

// parseReport returns the rows of one kind ("pv", "vg" or "lv").
func parseReport(out, kind string) ([]map[string]string, error) {
	if out == "" {
		return nil, nil
	}
	var r lvmReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		return nil, fmt.Errorf("parse %ss report: %w", kind, err)
	}
	var rows []map[string]string
	for _, part := range r.Report {
		rows = append(rows, part[kind]...)
	}
	return rows, nil
}

// num reads a numeric report field (0 when empty or not a number).
func num(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// fnum reads a possibly fractional number.
func fnum(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}
