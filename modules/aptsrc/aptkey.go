package aptsrc

import (
	"context"
	"encoding/base64"
	"fmt"
	"path"
	"slices"
	"strings"

	"golang.org/x/crypto/openpgp" //nolint:staticcheck // only parses and re-serialises public keys

	"github.com/hactl/hactl/modules/internal/hostcmd"
	"github.com/hactl/hactl/modules/internal/remotefile"
	"github.com/hactl/hactl/pkg/module"
	"github.com/hactl/hactl/pkg/transport"
)

func init() { module.Register(AptKey{}) }

const trustedDir = "/etc/apt/trusted.gpg.d"

// AptKey is the apt_key module.
type AptKey struct{}

// Spec describes the apt_key module.
func (AptKey) Spec() module.Spec {
	return module.Spec{
		Name:  "apt_key",
		Short: "Add or remove an APT signing key",
		Doc: `Adds or removes an OpenPGP public key that APT trusts, without apt-key or gpg: keys are parsed and written by hactl itself.

The key comes from data, a file on the host, or a URL the host fetches with curl. Without id, the id is the first key's long id. The key is looked for (by its 16-digit id, or its last 8 digits when id has 8) in the keyring when one is given, otherwise in /etc/apt/trusted.gpg and every .gpg and .asc file in /etc/apt/trusted.gpg.d. A missing key is written to the keyring (armored when its name ends in .asc, binary otherwise, keeping the keys already in it) or, without keyring, to /etc/apt/trusted.gpg.d/ID.asc. state absent removes the key from every file holding it (a file left empty is deleted).

Not supported: keyserver (it needs gpg and a route to a keyserver), and expiry (expired keys still count as present).`,
		Params: []module.Param{
			{Name: "id", Type: module.Str, Doc: "The key id: 8, 16 or more hexadecimal digits, optionally with 0x."},
			{Name: "url", Type: module.Str, Doc: "Where the host downloads the key."},
			{Name: "data", Type: module.Str, Doc: "The key itself (armored)."},
			{Name: "file", Type: module.Path, Doc: "A key file on the host."},
			{Name: "keyring", Type: module.Path, Doc: "The keyring file to add the key to."},
			{Name: "validate_certs", Type: module.Bool, Default: true, Doc: "Verify TLS certificates for url."},
			{Name: "keyserver", Type: module.Str, Doc: "Not supported by hactl."},
			{Name: "state", Type: module.Str, Default: "present", Choices: []any{"absent", "present"}, Doc: "Whether the key is trusted."},
		},
		MutuallyExclusive: [][]string{{"data", "file", "keyserver", "url"}},
		CheckMode:         true,
		Examples: `- name: Trust the MariaDB signing key
  apt_key:
    url: https://mirror.example/mariadb/PublicKey
    keyring: /etc/apt/keyrings/mariadb.asc

- name: Remove an old key
  apt_key:
    id: 0x9DC858229FC7DD38854AE2D88D81803C0EBFCD88
    state: absent`,
		Returns: []module.ReturnValue{
			{Name: "id", Type: module.Str, Doc: "The id given or read from the key."},
			{Name: "key_id", Type: module.Str, Doc: "The id without 0x, upper case."},
			{Name: "short_id", Type: module.Str, Doc: "Its last 8 digits."},
			{Name: "fp", Type: module.Str, Doc: "Its last 16 digits (the long id)."},
			{Name: "before", Type: module.List, Doc: "The key ids found before."},
			{Name: "after", Type: module.List, Doc: "The key ids found after a change."},
		},
	}
}

// keyFile is one keyring on the host.
type keyFile struct {
	name string
	keys openpgp.EntityList
	st   remotefile.State
}

// readKeyrings reads and parses keyring files (unparsable files are
// skipped, as apt would ignore them).
func readKeyrings(ctx context.Context, conn transport.Conn, keyring string) ([]keyFile, error) {
	paths := []string{keyring}
	if keyring == "" {
		out, err := hostcmd.Must(ctx, conn, "apt_key: list keyrings", `for f in /etc/apt/trusted.gpg `+trustedDir+`/*.gpg `+trustedDir+`/*.asc; do [ -f "$f" ] && printf '%s\n' "$(printf '%s' "$f" | base64 -w0)"; done; true`)
		if err != nil {
			return nil, err
		}
		paths = nil
		for l := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
			if b, err := base64.StdEncoding.DecodeString(l); err == nil && l != "" {
				paths = append(paths, string(b))
			}
		}
	}
	if len(paths) == 0 {
		return nil, nil
	}
	sts, err := remotefile.GatherMany(ctx, conn, paths, remotefile.GatherOpts{Follow: true, MaxContent: 8 << 20})
	if err != nil {
		return nil, fmt.Errorf("apt_key: read keyrings: %w", err)
	}
	var out []keyFile
	for i, st := range sts {
		kf := keyFile{name: paths[i], st: st}
		if st.Exists && st.HasContent && len(st.Content) > 0 {
			kf.keys, _ = parseKeys(st.Content)
		}
		out = append(out, kf)
	}
	return out, nil
}

// Run adds or removes the key.
func (AptKey) Run(ctx context.Context, t *module.Target, a module.Args) (module.Result, error) {
	r := map[string]any{}
	fail := func(format string, v ...any) (module.Result, error) {
		res := module.Failf(format, v...)
		res.Data = r
		return res, nil
	}
	keyID, keyring, state := a.String("id"), a.String("keyring"), a.String("state")
	if a.Has("keyserver") {
		if keyID == "" {
			return fail("Missing key_id, required with keyserver.")
		}
		return fail("apt_key: keyserver is not supported by hactl (it needs gpg and a keyserver route); give data, file or url")
	}
	var material []byte
	switch {
	case a.Has("url"):
		b, msg, err := fetch(ctx, t.Conn, a.String("url"), a.Bool("validate_certs"))
		if err != nil || msg != "" {
			if err != nil {
				return module.Result{}, err
			}
			return fail("Failed to download key at %s: %s", a.String("url"), msg)
		}
		material = b
	case a.Has("file"):
		st, err := remotefile.Gather(ctx, t.Conn, a.String("file"), remotefile.GatherOpts{Follow: true, MaxContent: 8 << 20})
		if err != nil {
			return module.Result{}, fmt.Errorf("apt_key: read %s: %w", a.String("file"), err)
		}
		if !st.HasContent {
			return fail("Unable to extract key from '%s'", a.String("file"))
		}
		material = st.Content
	case a.Has("data"):
		material = []byte(a.String("data"))
	}
	var newKeys openpgp.EntityList
	if material != nil {
		var err error
		newKeys, err = parseKeys(material)
		if err != nil || len(newKeys) == 0 {
			what := "inline data"
			if a.Has("file") {
				what = a.String("file")
			}
			return fail("Unable to extract key from '%s'", what)
		}
		if keyID == "" {
			keyID = longID(newKeys[0].PrimaryKey.KeyId)
		}
	}
	r["id"] = keyID
	short, fp, full, err := parseKeyID(keyID)
	if err != nil {
		return fail("Invalid key_id")
	}
	r["short_id"], r["fp"], r["key_id"] = short, fp, full
	shortFormat := len(full) == 8
	files, err := readKeyrings(ctx, t.Conn, keyring)
	if err != nil {
		return module.Result{}, err
	}
	var ids []string
	for _, f := range files {
		ids = append(ids, keyIDs(f.keys)...)
	}
	r["before"] = listIDs(ids, shortFormat)
	res := module.Result{Data: r}
	if state == "present" {
		if hasKey(ids, shortFormat, short, fp) {
			return res, nil
		}
		if newKeys == nil {
			return fail("No key to add ... how did i get here?!?!")
		}
		if !hasKey(keyIDs(newKeys), shortFormat, short, fp) {
			return fail("apt-key did not return an error, but failed to add the key (check that the id is correct and *not* a subkey)")
		}
		res.Changed = true
		if t.Check {
			return res, nil
		}
		if err := addKeys(ctx, t.Conn, keyring, files, newKeys, material); err != nil {
			return module.Result{}, err
		}
		r["after"] = listIDs(append(ids, keyIDs(newKeys)...), shortFormat)
		return res, nil
	}
	if keyID == "" {
		return fail("key is required to remove a key")
	}
	if !slices.Contains(ids, fp) && !(shortFormat && hasKey(ids, true, short, fp)) {
		return res, nil
	}
	res.Changed = true
	if t.Check {
		return res, nil
	}
	var after []string
	for _, f := range files {
		kept, removed := withoutKey(f.keys, short)
		if removed {
			if err := writeKeyring(ctx, t.Conn, f.name, f.st, kept); err != nil {
				return module.Result{}, err
			}
		}
		after = append(after, keyIDs(kept)...)
	}
	r["after"] = listIDs(after, shortFormat)
	if hasKey(after, shortFormat, short, fp) {
		return fail("apt-key did not return an error, but the key was not removed (check that the id is correct and *not* a subkey)")
	}
	return res, nil
}

func listIDs(ids []string, short bool) []any {
	out := []any{}
	for _, id := range ids {
		if short {
			id = id[len(id)-8:]
		}
		out = append(out, id)
	}
	return out
}

// addKeys writes the new keys to the keyring (merged with its keys) or
// to their own .asc file.
func addKeys(ctx context.Context, conn transport.Conn, keyring string, files []keyFile, keys openpgp.EntityList, material []byte) error {
	if keyring == "" {
		dest := path.Join(trustedDir, longID(keys[0].PrimaryKey.KeyId)+".asc")
		content, err := serializeKeys(keys, true)
		if err != nil {
			return fmt.Errorf("apt_key: %w", err)
		}
		st, err := remotefile.Gather(ctx, conn, dest, remotefile.GatherOpts{Follow: true})
		if err != nil {
			return fmt.Errorf("apt_key: %w", err)
		}
		return putKeyFile(ctx, conn, dest, st, content)
	}
	var existing openpgp.EntityList
	var st remotefile.State
	if len(files) == 1 {
		existing, st = files[0].keys, files[0].st
	}
	if len(existing) == 0 && strings.HasSuffix(keyring, ".asc") && strings.Contains(string(material), "-----BEGIN PGP PUBLIC KEY BLOCK-----") {
		return putKeyFile(ctx, conn, keyring, st, material)
	}
	return writeKeyring(ctx, conn, keyring, st, append(existing, keys...))
}

// writeKeyring replaces a keyring with keys (removing it when empty).
func writeKeyring(ctx context.Context, conn transport.Conn, name string, st remotefile.State, keys openpgp.EntityList) error {
	if len(keys) == 0 {
		_, err := hostcmd.Must(ctx, conn, "apt_key: remove "+name, "rm -f -- "+transport.Quote(name))
		return err
	}
	content, err := serializeKeys(keys, strings.HasSuffix(name, ".asc"))
	if err != nil {
		return fmt.Errorf("apt_key: %w", err)
	}
	return putKeyFile(ctx, conn, name, st, content)
}

func putKeyFile(ctx context.Context, conn transport.Conn, name string, st remotefile.State, content []byte) error {
	var attrs remotefile.Attrs
	if !st.Exists {
		var err error
		if attrs, err = remotefile.AttrsFromArgs("0644", "", ""); err != nil {
			return err
		}
		if _, err := hostcmd.Must(ctx, conn, "apt_key: mkdir", "mkdir -p -- "+transport.Quote(path.Dir(name))); err != nil {
			return err
		}
	}
	if _, err := remotefile.Write(ctx, conn, remotefile.WriteOpts{Dest: name, Content: content, Current: st, Attrs: attrs}); err != nil {
		return fmt.Errorf("apt_key: write %s: %w", name, err)
	}
	return nil
}

// fetch downloads url on the host; msg reports an HTTP failure.
func fetch(ctx context.Context, conn transport.Conn, url string, verify bool) ([]byte, string, error) {
	w := []string{"curl", "-fsSL", "--max-time", "60"}
	if !verify {
		w = append(w, "-k")
	}
	out, err := conn.Run(ctx, transport.QuoteArgs(append(w, "--", url)), transport.RunOpts{})
	if err != nil {
		return nil, "", fmt.Errorf("apt_key: download: %w", err)
	}
	if out.RC != 0 {
		return nil, hostcmd.FirstLine(string(out.Stderr), fmt.Sprintf("curl exited with %d", out.RC)), nil
	}
	return out.Stdout, "", nil
}
