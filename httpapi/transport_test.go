package httpapi

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestMalformedBodiesAreNotEchoed(t *testing.T) {
	a := district(t)
	const secret = `{"query": "{ stats { population } }", "variables": {"key": "SECRET-VALUE"` // unterminated
	resp, err := http.Post(a.srv.URL+"/graphql", "application/json", strings.NewReader(secret))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || strings.Contains(string(b), "SECRET-VALUE") || !strings.Contains(string(b), "BAD_INPUT") {
		t.Errorf("status %d body %s: want 400, BAD_INPUT, and the body not echoed", resp.StatusCode, b)
	}
}

func TestLargeResponsesAreGzippedForClientsThatAcceptIt(t *testing.T) {
	a := district(t)
	body := `{"query":"{ featureCollection(area: {gridCode: \"150203\"}, layers: [INCIDENT], limit: 2000) }"}`
	get := func(enc string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Encoding", enc) // set by hand: the client then leaves the body compressed
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, b
	}
	plainResp, plain := get("identity")
	gzResp, gz := get("gzip, deflate")
	if plainResp.Header.Get("Content-Encoding") != "" || gzResp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q and %q", plainResp.Header.Get("Content-Encoding"), gzResp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, plain) {
		t.Error("the gzipped body differs from the plain one")
	}
	t.Logf("%d bytes plain, %d gzipped", len(plain), len(gz))
}
