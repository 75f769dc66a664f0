package lab

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// aptSourcesGlobs are where the machine's apt sources are read from, in
// order: deb822 files first, then the one-line format.
var aptSourcesGlobs = []string{"/etc/apt/sources.list.d/*.sources", "/etc/apt/sources.list", "/etc/apt/sources.list.d/*.list"}

// FindMirror returns the Debian mirror the machine's apt sources use for
// suite (e.g. "bookworm"): the lab builds its image from the same mirror the
// machine can reach.
func FindMirror(suite string) (string, error) {
	for _, glob := range aptSourcesGlobs {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			var uri string
			if strings.HasSuffix(f, ".sources") {
				uri = mirrorFromDeb822(string(data), suite)
			} else {
				uri = mirrorFromList(string(data), suite)
			}
			if uri != "" {
				return uri, nil
			}
		}
	}
	return "", fmt.Errorf("no apt source for suite %q in /etc/apt/sources.list or /etc/apt/sources.list.d", suite)
}

// mirrorFromDeb822 finds the URI of the first stanza of a deb822 sources
// file that serves binary packages for suite.
func mirrorFromDeb822(text, suite string) string {
	for _, stanza := range strings.Split(text, "\n\n") {
		fields := map[string]string{}
		sc := bufio.NewScanner(strings.NewReader(stanza))
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			fields[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
		if fields["enabled"] == "no" || !slices.Contains(strings.Fields(fields["types"]), "deb") {
			continue
		}
		if !slices.Contains(strings.Fields(fields["suites"]), suite) {
			continue
		}
		if uris := strings.Fields(fields["uris"]); len(uris) > 0 {
			return uris[0]
		}
	}
	return ""
}

// mirrorFromList finds the URI of the first "deb URI SUITE ..." line.
func mirrorFromList(text, suite string) string {
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 || f[0] != "deb" {
			continue
		}
		rest := f[1:]
		if strings.HasPrefix(rest[0], "[") { // options: deb [arch=amd64 signed-by=...] URI SUITE
			for len(rest) > 0 && !strings.HasSuffix(rest[0], "]") {
				rest = rest[1:]
			}
			if len(rest) > 0 {
				rest = rest[1:]
			}
		}
		if len(rest) >= 2 && rest[1] == suite {
			return rest[0]
		}
	}
	return ""
}
