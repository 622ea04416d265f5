package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// API keys look like gh_<prefix>_<secret>: the prefix (8 hex digits, public) finds the
// key's row; the secret (32 random bytes, 256 bits) is never stored, only the SHA-256 of
// the whole key.
const keyScheme = "gh_"

// NewKey makes a random key and returns it with its prefix and hash.
func NewKey() (key, prefix string, hash []byte) {
	p := make([]byte, 4)
	s := make([]byte, 32)
	_, _ = rand.Read(p)
	_, _ = rand.Read(s)
	prefix = hex.EncodeToString(p)
	key = keyScheme + prefix + "_" + base64.RawURLEncoding.EncodeToString(s)
	return key, prefix, HashKey(key)
}

// HashKey is what is stored for a key.
func HashKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// KeyPrefix returns the public prefix of something shaped like a key.
func KeyPrefix(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, keyScheme)
	if !ok {
		return "", false
	}
	prefix, secret, ok := strings.Cut(rest, "_")
	if !ok || len(prefix) != 8 || len(secret) != 43 {
		return "", false
	}
	if _, err := hex.DecodeString(prefix); err != nil {
		return "", false
	}
	return prefix, true
}

// LooksLikeKey reports whether a bearer credential is an API key rather than a JWT.
func LooksLikeKey(s string) bool { return strings.HasPrefix(s, keyScheme) }
