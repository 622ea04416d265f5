package auth

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// JWTConfig verifies tokens from a department's own single sign-on.
type JWTConfig struct {
	HS256Secret []byte         // shared secret, or
	RS256Key    *rsa.PublicKey // the issuer's public key
	Issuer      string         // required iss
	Audience    string         // required aud
	RoleClaim   string         // the claim naming the gridhub role ("role")
	FenceClaim  string         // optional claim naming the caller's grid code ("grid")
	Leeway      time.Duration
}

// LoadRS256Key reads a PEM public key file.
func LoadRS256Key(path string) (*rsa.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return jwt.ParseRSAPublicKeyFromPEM(b)
}

// Enabled reports whether tokens are accepted at all.
func (c *JWTConfig) Enabled() bool { return c != nil && (c.HS256Secret != nil || c.RS256Key != nil) }

// Claims are what gridhub takes from a verified token.
type Claims struct {
	Subject string
	Role    string
	Fence   string
}

// Verify checks signature, algorithm, issuer, audience and expiry, and reads the role.
func (c *JWTConfig) Verify(token string) (*Claims, error) {
	if !c.Enabled() {
		return nil, errors.New("tokens are not accepted")
	}
	var alg string
	var key any
	if c.RS256Key != nil {
		alg, key = "RS256", c.RS256Key
	} else {
		alg, key = "HS256", c.HS256Secret
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{alg}), jwt.WithExpirationRequired(), jwt.WithLeeway(c.Leeway)}
	if c.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(c.Issuer))
	}
	if c.Audience != "" {
		opts = append(opts, jwt.WithAudience(c.Audience))
	}
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return key, nil }, opts...); err != nil {
		return nil, err
	}
	roleClaim := c.RoleClaim
	if roleClaim == "" {
		roleClaim = "role"
	}
	role, _ := claims[roleClaim].(string)
	if role == "" {
		return nil, fmt.Errorf("the token has no %q claim", roleClaim)
	}
	sub, _ := claims["sub"].(string)
	out := &Claims{Subject: sub, Role: role}
	if c.FenceClaim != "" {
		out.Fence, _ = claims[c.FenceClaim].(string)
	}
	return out, nil
}
