package files

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// httpResponse is what one curl run reports.
type httpResponse struct {
	// CurlRC is curl's exit status; non-zero means no complete response.
	CurlRC int
	// CurlErr is curl's error message.
	CurlErr string
	// Status is the HTTP status (-1 when there was no response).
	Status int
	// Reason is the reason phrase of the last status line.
	Reason string
	// EffectiveURL is the last URL fetched; Redirects counts redirects.
	EffectiveURL string
	Redirects    int
	// Elapsed is the transfer's duration in whole seconds.
	Elapsed int
	// Headers are the last response's headers, names lowercased, in the
	// order curl gave them; repeated headers have several values.
	Headers     []httpHeader
	ContentType string
	Body        []byte
	HasBody     bool
	// Tmp is the temporary file holding the body (Keep), Size its size,
	// Sums its digests.
	Tmp  string
	Size int64
	Sums map[string]string
}

// httpHeader is one response header.
type httpHeader struct {
	Name   string
	Values []string
}

// header returns the header's values joined as Python's http.client
// does for repeated headers ("" when absent).
func (r httpResponse) header(name string) string {
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, name) {
			return strings.Join(h.Values, ", ")
		}
	}
	return ""
}

// ok reports whether urllib would have returned the response rather
// than raised an HTTPError: a 2xx status (a 3xx one left when redirects
// are not followed, and 304, are errors there).
func (r httpResponse) ok() bool { return r.Status >= 200 && r.Status < 300 }

// msg is the "msg" urllib's wrapper gives the response: "OK (N bytes)"
// with the Content-Length header, "HTTP Error CODE: REASON" for an error
// status, and "Request failed: <…>" when no response came.
func (r httpResponse) msg() string {
	switch {
	case r.Status < 0:
		return fmt.Sprintf("Request failed: <%s>", r.CurlErr)
	case r.ok():
		n := r.header("content-length")
		if n == "" {
			n = "unknown"
		}
		return fmt.Sprintf("OK (%s bytes)", n)
	}
	return fmt.Sprintf("HTTP Error %d: %s", r.Status, r.Reason)
}

// curlFacts are the %{json} write-out fields used.
type curlFacts struct {
	ErrorMsg     *string `json:"errormsg"`
	ExitCode     int     `json:"exitcode"`
	HTTPCode     int     `json:"http_code"`
	ContentType  *string `json:"content_type"`
	NumRedirects int     `json:"num_redirects"`
	TimeTotal    float64 `json:"time_total"`
	URLEffective string  `json:"url_effective"`
	Scheme       *string `json:"scheme"`
}

// parseCurl decodes the output of curlScript.
func parseCurl(out []byte) (httpResponse, error) {
	r := httpResponse{Status: -1}
	var facts *curlFacts
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<30)
	var hdr, body *strings.Builder
	for sc.Scan() {
		line := sc.Text()
		switch {
		case hdr != nil:
			if line == "@@endheaders" {
				hs, err := parseHeaderJSON(hdr.String())
				if err != nil {
					return r, err
				}
				r.Headers, hdr = hs, nil
			} else {
				hdr.WriteString(line + "\n")
			}
			continue
		case body != nil:
			if line == "@@endbody" {
				b, err := base64.StdEncoding.DecodeString(body.String())
				if err != nil {
					return r, fmt.Errorf("decode response body: %w", err)
				}
				r.Body, r.HasBody, body = b, true, nil
			} else {
				body.WriteString(line)
			}
			continue
		}
		key, val, _ := strings.Cut(line, " ")
		switch key {
		case "@@json":
			facts = &curlFacts{}
			if err := json.Unmarshal([]byte(val), facts); err != nil {
				return r, fmt.Errorf("curl write-out: %w", err)
			}
		case "@@headers":
			hdr = &strings.Builder{}
		case "@@body":
			body = &strings.Builder{}
		case "@@rc":
			r.CurlRC, _ = strconv.Atoi(val)
		case "@@status":
			if b, err := base64.StdEncoding.DecodeString(val); err == nil {
				r.Reason = reasonPhrase(string(b))
			}
		case "@@sum":
			alg, sum, _ := strings.Cut(val, " ")
			if r.Sums == nil {
				r.Sums = map[string]string{}
			}
			r.Sums[alg] = strings.TrimSpace(sum)
		case "@@size":
			r.Size, _ = strconv.ParseInt(val, 10, 64)
		case "@@tmp":
			b, err := base64.StdEncoding.DecodeString(val)
			if err != nil {
				return r, fmt.Errorf("decode temporary path: %w", err)
			}
			r.Tmp = string(b)
		}
	}
	if facts == nil {
		return r, fmt.Errorf("curl printed no write-out (curl 7.83 or later is needed): %q", truncate(string(out), 200))
	}
	if hdr != nil || body != nil {
		return r, errors.New("curl output ended early")
	}
	r.EffectiveURL, r.Redirects = facts.URLEffective, facts.NumRedirects
	r.Elapsed = int(math.Floor(facts.TimeTotal))
	if facts.ContentType != nil {
		r.ContentType = *facts.ContentType
	}
	scheme := ""
	if facts.Scheme != nil {
		scheme = strings.ToUpper(*facts.Scheme)
	}
	switch {
	case r.CurlRC == 0 && scheme != "" && scheme != "HTTP" && scheme != "HTTPS":
		// file:// and ftp:// transfers that worked read as 200 OK, as
		// urllib's do.
		r.Status = 200
	case r.CurlRC == 0 && facts.HTTPCode > 0:
		r.Status = facts.HTTPCode
	default:
		r.CurlErr = fmt.Sprintf("curl error %d", r.CurlRC)
		if facts.ErrorMsg != nil && *facts.ErrorMsg != "" {
			r.CurlErr += ": " + *facts.ErrorMsg
		}
	}
	return r, nil
}

// parseHeaderJSON decodes %{header_json}, keeping the headers' order.
func parseHeaderJSON(s string) ([]httpHeader, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("curl header write-out: %w", err)
	}
	var out []httpHeader
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("curl header write-out: %w", err)
		}
		name, _ := tok.(string)
		var vals []string
		if err := dec.Decode(&vals); err != nil {
			return nil, fmt.Errorf("curl header write-out %s: %w", name, err)
		}
		out = append(out, httpHeader{Name: strings.ToLower(name), Values: vals})
	}
	return out, nil
}

// reasonPhrase extracts the reason from a status line ("HTTP/1.1 404 Not
// Found" gives "Not Found").
func reasonPhrase(line string) string {
	f := strings.SplitN(strings.TrimSpace(line), " ", 3)
	if len(f) < 3 {
		return ""
	}
	return f[2]
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
