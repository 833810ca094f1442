package pilots

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

// tokenEncoding is lower-case base32 without padding: easy to copy, no
// characters that need escaping in URLs or shells.
var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewSecret returns a fresh random secret of 160 bits with the given prefix,
// e.g. "pbt_" for API tokens and "" for invitation links.
func NewSecret(prefix string) string {
	b := make([]byte, 20)
	rand.Read(b) // never returns an error; see crypto/rand
	return prefix + tokenEncoding.EncodeToString(b)
}

// HashSecret returns the hex SHA-256 of a secret: the only form in which
// tokens and invitation links are stored. The secrets have 160 bits of
// entropy, so a fast hash is enough; no salt is needed.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	return hex.EncodeToString(sum[:])
}

// TokenPrefix starts every API token, so leaked tokens are easy to spot.
const TokenPrefix = "pbt_"
