package testbeds

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// MaxObjectName keeps network, container and volume names usable as DNS
// labels (63 bytes), well inside Docker's own limits.
const MaxObjectName = 63

// ObjectName joins parts with "-" into a DNS-label-safe name of at most 63
// bytes. A name that would be longer is cut and ends in 8 hex digits of the
// full name's hash, so distinct long names stay distinct.
func ObjectName(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		p = slug(p)
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('-')
		}
		b.WriteString(p)
	}
	name := b.String()
	if len(name) <= MaxObjectName {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	suffix := hex.EncodeToString(sum[:4])
	head := strings.TrimRight(name[:MaxObjectName-len(suffix)-1], "-")
	return head + "-" + suffix
}

// slug lower-cases s and replaces every run of characters outside [a-z0-9]
// with one "-", trimming dashes at both ends. Swedish letters become their
// nearest ASCII ("å" and "ä" -> "a", "ö" -> "o").
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'å', 'ä', 'á', 'à':
			r = 'a'
		case 'ö', 'ø', 'ó', 'ò':
			r = 'o'
		case 'é', 'è', 'ë':
			r = 'e'
		case 'ü':
			r = 'u'
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}
