package files

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCurlQuoteEscapesWhatCurlsConfigParserReads(t *testing.T) {
	q, err := curlQuote("a\"b\\c\nd\te'$(x)")
	require.NoError(t, err)
	assert.Equal(t, `"a\"b\\c\nd\te'$(x)"`, q)
	_, err = curlQuote("nul\x00")
	assert.Error(t, err)
}

func TestCurlConfigCarriesTheRequest(t *testing.T) {
	body := "@/etc/passwd"
	mtime := 1704164645.9
	cfg, err := httpRequest{
		URL: "http://h/x?a=[1]", Method: "POST", Headers: [][2]string{{"X-A", "1"}, {"X-Empty", ""}},
		Body: &body, HasAuth: true, User: "u", Password: `p"w`, Follow: true, Timeout: 7, Agent: "ansible-httpget",
		IfModifiedSince: &mtime,
	}.curlConfig()
	require.NoError(t, err)
	assert.Equal(t, `globoff
url = "http://h/x?a=[1]"
header = "X-A: 1"
header = "X-Empty;"
data-raw = "@/etc/passwd"
user = "u:p\"w"
anyauth
location
max-redirs = 50
connect-timeout = 7
speed-time = 7
speed-limit = 1
user-agent = "ansible-httpget"
header = "If-Modified-Since: Tue, 02 Jan 2024 03:04:05 GMT"
`, cfg)

	cfg, err = httpRequest{URL: "http://h/", Method: "HEAD", Head: true, ForceBasic: true, HasAuth: true, Insecure: true, NoProxy: true, Decompress: true, NoCache: true}.curlConfig()
	require.NoError(t, err)
	assert.Contains(t, cfg, "\nhead\n")
	assert.NotContains(t, cfg, "request =")
	assert.Contains(t, cfg, "\nbasic\n")
	assert.Contains(t, cfg, "\ninsecure\n")
	assert.Contains(t, cfg, "noproxy = \"*\"\n")
	assert.Contains(t, cfg, "\ncompressed\n")
	assert.Contains(t, cfg, "header = \"Cache-Control: no-cache\"\n")
	assert.NotContains(t, cfg, "netrc", "credentials given: no netrc")

	body = "q"
	cfg, err = httpRequest{URL: "http://h/", Method: "GET", Body: &body}.curlConfig()
	require.NoError(t, err)
	assert.Contains(t, cfg, "request = \"GET\"\n", "a GET with a body stays a GET")
	cfg, err = httpRequest{URL: "http://h/", Method: "DELETE"}.curlConfig()
	require.NoError(t, err)
	assert.Contains(t, cfg, "request = \"DELETE\"\n")

	for _, bad := range [][2]string{{"Bad:Name", "x"}, {"@file", "x"}, {"X", "a\nInjected: 1"}, {"", "x"}} {
		_, err := httpRequest{URL: "http://h/", Headers: [][2]string{bad}}.curlConfig()
		assert.Error(t, err, "%q", bad)
	}
}

func TestParseCurlReadsTheWriteOut(t *testing.T) {
	out := "@@curl\n\n@@json {\"errormsg\":null,\"exitcode\":0,\"http_code\":404,\"content_type\":\"text/html\",\"num_redirects\":1,\"time_total\":2.7,\"url_effective\":\"http://h/b\",\"scheme\":\"HTTP\"}\n" +
		"@@headers\n{\"server\":[\"x\"],\n\"Set-Cookie\":[\"a=1\",\"b=2\"]\n}\n@@endheaders\n@@rc 0\n" +
		"@@status SFRUUC8xLjAgNDA0IEZpbGUgbm90IGZvdW5k\n@@body\naGVsbG8K\n@@endbody\n@@sum sha1 abc\n@@size 6\n@@tmp L3RtcC9h\n"
	r, err := parseCurl([]byte(out))
	require.NoError(t, err)
	assert.Equal(t, 404, r.Status)
	assert.Equal(t, "File not found", r.Reason)
	assert.Equal(t, "HTTP Error 404: File not found", r.msg())
	assert.Equal(t, 2, r.Elapsed)
	assert.Equal(t, 1, r.Redirects)
	assert.Equal(t, "hello\n", string(r.Body))
	assert.Equal(t, "a=1, b=2", r.header("set-cookie"))
	assert.Equal(t, []httpHeader{{"server", []string{"x"}}, {"set-cookie", []string{"a=1", "b=2"}}}, r.Headers)
	assert.Equal(t, "abc", r.Sums["sha1"])
	assert.Equal(t, int64(6), r.Size)
	assert.Equal(t, "/tmp/a", r.Tmp)

	failed := "@@curl\n\n@@json {\"errormsg\":\"Failed to connect\",\"exitcode\":7,\"http_code\":0,\"time_total\":0.1,\"url_effective\":\"http://h/\"}\n@@headers\n{\n}\n@@endheaders\n@@rc 7\n@@status \n"
	r, err = parseCurl([]byte(failed))
	require.NoError(t, err)
	assert.Equal(t, -1, r.Status)
	assert.Equal(t, "Request failed: <curl error 7: Failed to connect>", r.msg())

	file := "@@curl\n\n@@json {\"errormsg\":null,\"exitcode\":0,\"http_code\":0,\"scheme\":\"FILE\",\"time_total\":0.1,\"url_effective\":\"file:///x\"}\n@@headers\n{\n}\n@@endheaders\n@@rc 0\n@@status \n"
	r, err = parseCurl([]byte(file))
	require.NoError(t, err)
	assert.Equal(t, 200, r.Status, "a file:// transfer that worked is 200")

	ok := httpResponse{Status: 200, Headers: []httpHeader{{"content-length", []string{"28"}}}}
	assert.Equal(t, "OK (28 bytes)", ok.msg())
	assert.Equal(t, "OK (unknown bytes)", httpResponse{Status: 204}.msg())

	_, err = parseCurl([]byte("curl: option --json: is unknown\n"))
	assert.ErrorContains(t, err, "7.83")
	_, err = parseCurl([]byte("@@json {}\n@@headers\n{"))
	assert.Error(t, err)
}

func TestURIHelpersMatchAnsible(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json": true, "application/json; charset=utf-8": true, "application/vnd.api+json": true,
		"text/javascript": true, "text/plain": false, "": false, "application/jsonp": false,
	} {
		assert.Equal(t, want, isJSONType(ct), ct)
	}
	assert.Equal(t, "http://h:8/new", absoluteLocation("http://h:8/a/b", "/new"))
	assert.Equal(t, "http://h:8/a/new", absoluteLocation("http://h:8/a/b", "new"))
	assert.Equal(t, "https://o/x", absoluteLocation("http://h/a", "https://o/x"))

	enc, err := formURLEncoded(map[string]any{"b": []any{1, 2.5}, "a": "x y/~", "n": nil, "t": false})
	require.NoError(t, err)
	assert.Equal(t, "a=x+y%2F~&b=1&b=2.5&t=False", enc)
	enc, err = formURLEncoded([]any{[]any{"k", "v"}, []any{"k", "w"}})
	require.NoError(t, err)
	assert.Equal(t, "k=v&k=w", enc)
	_, err = formURLEncoded(5)
	assert.Error(t, err)

	assert.Equal(t, "index.html", urlFilename("http://h/"))
	assert.Equal(t, "index.html", urlFilename("http://h"))
	assert.Equal(t, "a b.tgz", urlFilename("http://h/d/a%20b.tgz?x=1"))
	assert.Equal(t, "named.txt", dispositionFilename(`attachment; filename="../named.txt"`))
	assert.Equal(t, "", dispositionFilename(`attachment; filename=".."`))
	assert.Equal(t, "", dispositionFilename("inline"))

	v, err := decodeJSON([]byte(`{"a": 1, "b": 1.5, "c": [2]}`))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": 1, "b": 1.5, "c": []any{2}}, v)
	_, err = decodeJSON([]byte(`{} {}`))
	assert.Error(t, err)
}

func TestChecksumFromFileReadsLikeAnsible(t *testing.T) {
	cases := []struct {
		text, name, want string
		ok               bool
	}{
		{"abc123\n", "x.tgz", "abc123", true},
		{"111  a.tgz\n222 *b.tgz\n333  ./c.tgz\n", "b.tgz", "222", true},
		{"111  a.tgz\n222 *b.tgz\n333  ./c.tgz\n", "c.tgz", "333", true},
		{"111  a.tgz\r\n222  b.tgz\r\n", "b.tgz", "222", true},
		{"111  a.tgz\n222  b.tgz\n", "z.tgz", "", false},
		{"", "z.tgz", "", false},
	}
	for _, c := range cases {
		got, ok := checksumFromFile(c.text, c.name)
		assert.Equal(t, c.ok, ok, "%q", c.text)
		assert.Equal(t, c.want, got, "%q", c.text)
	}
}
