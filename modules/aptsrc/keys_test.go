package aptsrc

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/openpgp" //nolint:staticcheck // test keys
)

// newArmoredKey makes a fresh public key for tests.
func newArmoredKey(t testing.TB, name string) (string, string) {
	t.Helper()
	e, err := openpgp.NewEntity(name, "", name+"@example.org", nil)
	require.NoError(t, err)
	b, err := serializeKeys(openpgp.EntityList{e}, true)
	require.NoError(t, err)
	return string(b), longID(e.PrimaryKey.KeyId)
}

func TestParseKeyIDLikeAnsible(t *testing.T) {
	s, fp, full, err := parseKeyID("0x9dc858229fc7dd38854ae2d88d81803c0ebfcd88")
	require.NoError(t, err)
	assert.Equal(t, []string{"0EBFCD88", "8D81803C0EBFCD88", "9DC858229FC7DD38854AE2D88D81803C0EBFCD88"}, []string{s, fp, full})
	s, fp, _, err = parseKeyID("0ebfcd88")
	require.NoError(t, err)
	assert.Equal(t, "0EBFCD88", s)
	assert.Equal(t, "0EBFCD88", fp)
	for _, bad := range []string{"", "0x", "12345", "zz345678", "0123456789abc"} {
		_, _, _, err = parseKeyID(bad)
		assert.Error(t, err, bad)
	}
}

func TestKeysRoundTrip(t *testing.T) {
	a, idA := newArmoredKey(t, "alice")
	b, idB := newArmoredKey(t, "bob")
	l, err := parseKeys([]byte(a + b))
	require.NoError(t, err)
	ids := keyIDs(l)
	assert.Contains(t, ids, idA)
	assert.Contains(t, ids, idB)
	assert.Len(t, ids, 4, "primary keys and their subkeys")
	assert.True(t, hasKey(ids, false, idA[8:], idA))
	assert.True(t, hasKey(ids, true, idB[8:], idB[8:]))

	bin, err := serializeKeys(l, false)
	require.NoError(t, err)
	assert.False(t, bytes.Contains(bin, []byte("BEGIN PGP")))
	back, err := parseKeys(bin)
	require.NoError(t, err)
	assert.Equal(t, ids, keyIDs(back))

	kept, removed := withoutKey(back, idA[8:])
	assert.True(t, removed)
	assert.Equal(t, []string{idB}, keyIDs(kept)[:1])
	_, err = parseKeys([]byte("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----\n"))
	assert.Error(t, err)
}
