package aptsrc

import (
	"bytes"
	"fmt"
	"strings"

	"golang.org/x/crypto/openpgp"       //nolint:staticcheck // only parses and re-serialises public keys
	"golang.org/x/crypto/openpgp/armor" //nolint:staticcheck // same
)

// parseKeys reads OpenPGP public keys, armored or binary.
func parseKeys(b []byte) (openpgp.EntityList, error) {
	if bytes.Contains(b, []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----")) {
		var all openpgp.EntityList
		rest := b
		for {
			i := bytes.Index(rest, []byte("-----BEGIN PGP PUBLIC KEY BLOCK-----"))
			if i < 0 {
				break
			}
			l, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(rest[i:]))
			if err != nil {
				return nil, err
			}
			all = append(all, l...)
			end := bytes.Index(rest[i:], []byte("-----END PGP PUBLIC KEY BLOCK-----"))
			if end < 0 {
				break
			}
			rest = rest[i+end+1:]
		}
		return all, nil
	}
	return openpgp.ReadKeyRing(bytes.NewReader(b))
}

// keyIDs lists the long ids (16 upper-case hex digits) of the primary
// keys and subkeys, as apt-key's listing gives them.
func keyIDs(l openpgp.EntityList) []string {
	var out []string
	for _, e := range l {
		out = append(out, longID(e.PrimaryKey.KeyId))
		for _, s := range e.Subkeys {
			out = append(out, longID(s.PublicKey.KeyId))
		}
	}
	return out
}

func longID(id uint64) string { return fmt.Sprintf("%016X", id) }

// hasKey reports whether ids (long) hold the key in the requested format.
func hasKey(ids []string, short bool, shortID, fp string) bool {
	for _, id := range ids {
		if (short && strings.HasSuffix(id, shortID)) || (!short && id == fp) {
			return true
		}
	}
	return false
}

// parseKeyID is Ansible's parse_key_id.
func parseKeyID(id string) (short, fp, full string, err error) {
	full = strings.ToUpper(id)
	full = strings.TrimPrefix(full, "0X")
	if full == "" || strings.Trim(full, "0123456789ABCDEF") != "" {
		return "", "", "", fmt.Errorf("not hexadecimal")
	}
	n := len(full)
	if n != 8 && n != 16 && n <= 16 {
		return "", "", "", fmt.Errorf("key_id must be 8, 16, or 16+ hexadecimal characters in length")
	}
	short, fp = full[n-8:], full
	if n > 16 {
		fp = full[n-16:]
	}
	return short, fp, full, nil
}

// serializeKeys writes entities as a keyring, armored or binary.
func serializeKeys(l openpgp.EntityList, armored bool) ([]byte, error) {
	var raw bytes.Buffer
	for _, e := range l {
		if err := e.Serialize(&raw); err != nil {
			return nil, fmt.Errorf("serialize key %s: %w", longID(e.PrimaryKey.KeyId), err)
		}
	}
	if !armored {
		return raw.Bytes(), nil
	}
	var out bytes.Buffer
	w, err := armor.Encode(&out, openpgp.PublicKeyType, nil)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(raw.Bytes()); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	out.WriteString("\n")
	return out.Bytes(), nil
}

// withoutKey drops entities whose primary key id ends with id (apt-key
// del semantics).
func withoutKey(l openpgp.EntityList, id string) (openpgp.EntityList, bool) {
	var out openpgp.EntityList
	removed := false
	for _, e := range l {
		if strings.HasSuffix(longID(e.PrimaryKey.KeyId), id) {
			removed = true
			continue
		}
		out = append(out, e)
	}
	return out, removed
}
