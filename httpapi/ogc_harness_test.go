package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
)

// ogcResponse is an answer of the OGC API.
type ogcResponse struct {
	status int
	header http.Header
	body   []byte
}

// ogcGet sends GET path (under the server, e.g. /ogc/collections) with a credential in
// the Authorization header ("" for none).
func ogcGet(t testing.TB, a *api, path, cred string) ogcResponse {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return ogcResponse{status: resp.StatusCode, header: resp.Header, body: b}
}

// ogcJSON GETs a JSON document that must come with 200 and decodes it into v.
func ogcJSON(t testing.TB, a *api, path, cred string, v any) ogcResponse {
	t.Helper()
	r := ogcGet(t, a, path, cred)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: %d %.400s", path, r.status, r.body)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("GET %s: not JSON: %v (%.200s)", path, err, r.body)
	}
	return r
}

// exceptionCode is an OGC exception's code, or "" when the body is not one.
func (r ogcResponse) exceptionCode() string {
	var e struct{ Code string }
	_ = json.Unmarshal(r.body, &e)
	return e.Code
}

// ogcFeatures is a FeatureCollection as the OGC API writes it.
type ogcFeatures struct {
	NumberMatched  int
	NumberReturned int
	Links          []struct{ Href, Rel, Type string }
	Features       []ogcFeature
}

type ogcFeature struct {
	ID       string
	Geometry struct {
		Type        string
		Coordinates json.RawMessage
	}
	Properties map[string]any
}

// link is the href of the link with rel, "" when there is none.
func (f ogcFeatures) link(rel string) string {
	for _, l := range f.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

// gdalTool finds one of GDAL's programs; without it the test fails (make test installs
// gdal-bin through scripts/gdal.sh).
func gdalTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is missing: run 'make test', which installs gdal-bin (scripts/gdal.sh)", name)
	}
	return p
}

// run runs a program and returns its standard output; failing is fatal.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}
