package template

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"math/big"
	"strings"
)

const cryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// shaCrypt computes the SHA-crypt hash ($5$ / $6$, crypt(3)) of password
// with salt (at most 16 characters) and rounds; rounds 5000 is implicit.
func shaCrypt(password, salt string, rounds int, use512 bool) string {
	newHash := sha256.New
	ident := "$5$"
	if use512 {
		newHash = sha512.New
		ident = "$6$"
	}
	if len(salt) > 16 {
		salt = salt[:16]
	}
	p, s := []byte(password), []byte(salt)

	sum := func(parts ...[]byte) []byte {
		h := newHash()
		for _, part := range parts {
			h.Write(part)
		}
		return h.Sum(nil)
	}
	repeatTo := func(digest []byte, n int) []byte {
		out := make([]byte, 0, n)
		for len(out)+len(digest) <= n {
			out = append(out, digest...)
		}
		return append(out, digest[:n-len(out)]...)
	}

	b := sum(p, s, p)
	a := newHash()
	a.Write(p)
	a.Write(s)
	a.Write(repeatTo(b, len(p)))
	for n := len(p); n > 0; n >>= 1 {
		if n&1 == 1 {
			a.Write(b)
		} else {
			a.Write(p)
		}
	}
	digest := a.Sum(nil)

	dp := newHash()
	for range p {
		dp.Write(p)
	}
	pSeq := repeatTo(dp.Sum(nil), len(p))
	ds := newHash()
	for i := 0; i < 16+int(digest[0]); i++ {
		ds.Write(s)
	}
	sSeq := repeatTo(ds.Sum(nil), len(s))

	var h hash.Hash = newHash()
	for i := 0; i < rounds; i++ {
		h.Reset()
		if i&1 == 1 {
			h.Write(pSeq)
		} else {
			h.Write(digest)
		}
		if i%3 != 0 {
			h.Write(sSeq)
		}
		if i%7 != 0 {
			h.Write(pSeq)
		}
		if i&1 == 1 {
			h.Write(digest)
		} else {
			h.Write(pSeq)
		}
		digest = h.Sum(digest[:0])
	}

	var out strings.Builder
	out.WriteString(ident)
	if rounds != 5000 {
		fmt.Fprintf(&out, "rounds=%d$", rounds)
	}
	out.WriteString(salt)
	out.WriteByte('$')
	enc := func(b2, b1, b0 byte, n int) {
		w := uint(b2)<<16 | uint(b1)<<8 | uint(b0)
		for ; n > 0; n-- {
			out.WriteByte(cryptAlphabet[w&0x3f])
			w >>= 6
		}
	}
	if use512 {
		for i := 0; i < 21; i++ {
			x := (i * 22) % 63
			y := (x + 21) % 63
			z := (y + 21) % 63
			enc(digest[x], digest[y], digest[z], 4)
		}
		enc(0, 0, digest[63], 2)
	} else {
		for i := 0; i < 10; i++ {
			x := (i * 21) % 30
			y := (x + 10) % 30
			z := (y + 10) % 30
			enc(digest[x], digest[y], digest[z], 4)
		}
		enc(0, digest[31], digest[30], 3)
	}
	return out.String()
}

// randomSalt returns n characters of the crypt alphabet.
func randomSalt(n int) (string, error) {
	var b strings.Builder
	for i := 0; i < n; i++ {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(cryptAlphabet))))
		if err != nil {
			return "", fmt.Errorf("random salt: %w", err)
		}
		b.WriteByte(cryptAlphabet[k.Int64()])
	}
	return b.String(), nil
}

// filterPasswordHash is Ansible's password_hash(hashtype='sha512',
// salt=None, rounds=None) with passlib's default rounds (656000 for
// sha512, 535000 for sha256), so the same salt gives Ansible's hash.
func filterPasswordHash(in any, a *args) (any, error) {
	kind, err := a.str(0, "hashtype", "sha512")
	if err != nil {
		return nil, err
	}
	salt, err := a.str(1, "salt", "")
	if err != nil {
		return nil, err
	}
	var use512 bool
	var rounds int
	switch kind {
	case "sha512", "sha512_crypt":
		use512, rounds = true, 656000
	case "sha256", "sha256_crypt":
		use512, rounds = false, 535000
	default:
		return nil, fmt.Errorf("unsupported hash type %q (sha512 and sha256 are)", kind)
	}
	if rounds, err = a.integer(3, "rounds", rounds); err != nil {
		return nil, err
	}
	if rounds < 1000 || rounds > 999999999 {
		return nil, fmt.Errorf("rounds must be between 1000 and 999999999")
	}
	if salt == "" {
		if salt, err = randomSalt(16); err != nil {
			return nil, err
		}
	}
	for _, r := range salt {
		if !strings.ContainsRune(cryptAlphabet, r) {
			return nil, fmt.Errorf("invalid character %q in salt", r)
		}
	}
	return shaCrypt(pyStr(in), salt, rounds, use512), nil
}
