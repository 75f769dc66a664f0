package mysql

import (
	"crypto/sha1" //nolint:gosec // the mysql_native_password format is defined on SHA-1
	"encoding/hex"
	"strings"
)

// nativeHash is the mysql_native_password hash of password as the server
// stores it: "*" and the upper-case hex of SHA1(SHA1(password)).
func nativeHash(password string) string {
	first := sha1.Sum([]byte(password))
	second := sha1.Sum(first[:])
	return "*" + strings.ToUpper(hex.EncodeToString(second[:]))
}
