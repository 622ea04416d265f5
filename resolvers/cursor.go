package resolvers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"

	"gridhub/model"
	"gridhub/store"
)

// Cursors issues and checks opaque page cursors. Each carries an HMAC so that a cursor
// the server did not issue (edited, forged, from another list) is refused as BAD_CURSOR.
type Cursors struct{ key []byte }

// NewCursors uses key to sign cursors; instances behind one load balancer share it.
func NewCursors(key []byte) *Cursors { return &Cursors{key: key} }

const macLen = 12

func (c *Cursors) sign(payload string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(append([]byte(payload), m.Sum(nil)[:macLen]...))
}

func (c *Cursors) open(s string) (string, bool) {
	if len(s) > 200 {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) <= macLen {
		return "", false
	}
	payload, mac := b[:len(b)-macLen], b[len(b)-macLen:]
	m := hmac.New(sha256.New, c.key)
	m.Write(payload)
	if !hmac.Equal(mac, m.Sum(nil)[:macLen]) {
		return "", false
	}
	return string(payload), true
}

var errBadCursor = model.Errorf(model.CodeBadCursor, "the cursor was not issued for this list; start again without 'after'")

// Of is the cursor after the row id of a list of one layer; scope names the list
// (e.g. "grid.buildings") so that cursors cannot be moved between lists.
func (c *Cursors) Of(scope string, id int64) string {
	return c.sign(scope + "|" + strconv.FormatInt(id, 10))
}

// After decodes a cursor made by Of for the same scope; nil means from the start.
func (c *Cursors) After(scope string, after *string) (int64, error) {
	if after == nil {
		return 0, nil
	}
	p, ok := c.open(*after)
	if !ok {
		return 0, errBadCursor
	}
	sc, num, found := strings.Cut(p, "|")
	id, err := strconv.ParseInt(num, 10, 64)
	if !found || sc != scope || err != nil || id < 0 {
		return 0, errBadCursor
	}
	return id, nil
}

// OfFeature is the cursor after a feature in the cross-layer order of Query.features.
func (c *Cursors) OfFeature(k store.FeatureKey) string {
	return c.sign("features|" + string(k.Layer) + "|" + strconv.FormatInt(k.ID, 10))
}

// FeatureAfter decodes a cursor made by OfFeature; nil means from the start.
func (c *Cursors) FeatureAfter(after *string) (*store.FeatureKey, error) {
	if after == nil {
		return nil, nil
	}
	p, ok := c.open(*after)
	if !ok {
		return nil, errBadCursor
	}
	parts := strings.Split(p, "|")
	if len(parts) != 3 || parts[0] != "features" || !model.Layer(parts[1]).IsValid() {
		return nil, errBadCursor
	}
	id, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || id < 0 {
		return nil, errBadCursor
	}
	return &store.FeatureKey{Layer: model.Layer(parts[1]), ID: id}, nil
}
