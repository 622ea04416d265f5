package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAbusiveDocumentsAreRefusedQuickly(t *testing.T) {
	a := district(t)
	cases := []struct {
		name  string
		query string
	}{
		{"a query nested a million levels deep", strings.Repeat("{ a ", 1_000_000) + strings.Repeat("}", 1_000_000)},
		{"one field repeated thousands of times", "{ " + strings.Repeat("stats { population } ", 5000) + "}"},
		{"500 aliased featureCollection calls", "{ " + func() string {
			var b strings.Builder
			for i := range 500 {
				fmt.Fprintf(&b, `f%d: featureCollection(area: {gridCode: "150203"}, layers: [INCIDENT]) `, i)
			}
			return b.String()
		}() + "}"},
	}
	for _, c := range cases {
		t.Run(c.name+" is refused before any SQL runs", func(t *testing.T) {
			before := a.queries.Load()
			start := time.Now()
			body, _ := json.Marshal(map[string]any{"query": c.query})
			resp, err := http.Post(a.srv.URL+"/graphql", "application/json", strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Errorf("status %d, want a refusal", resp.StatusCode)
			}
			if n := a.queries.Load() - before; n != 0 {
				t.Errorf("%d SQL statements ran", n)
			}
			t.Logf("refused with %d in %s", resp.StatusCode, time.Since(start))
			var health struct{ Stats struct{ Population int } }
			a.data(`{ stats { population } }`, nil, &health)
			if health.Stats.Population == 0 {
				t.Error("the server did not answer a normal query afterwards")
			}
		})
	}
}

func TestRequestLimits(t *testing.T) {
	a := district(t)
	t.Run("a body over the limit is 413", func(t *testing.T) {
		body := `{"query":"{ stats { population } }","variables":{"pad":"` + strings.Repeat("x", 600<<10) + `"}}`
		resp, err := http.Post(a.srv.URL+"/graphql", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", resp.StatusCode)
		}
	})
	t.Run("a polygon of more than 10,000 vertices is TOO_COMPLEX", func(t *testing.T) {
		ring := make([][]float64, 0, 10002)
		for i := range 10001 {
			// A circle-ish ring: valid, just too detailed.
			ang := float64(i) / 10001 * 2 * 3.141592653589793
			ring = append(ring, []float64{109.83 + 0.01*math.Cos(ang), 40.64 + 0.01*math.Sin(ang)})
		}
		ring = append(ring, ring[0])
		r := a.do(`query($p: GeoJSON) { cameras(area: {polygon: $p}) { totalCount } }`,
			map[string]any{"p": map[string]any{"type": "Polygon", "coordinates": [][][]float64{ring}}})
		if len(r.Errors) == 0 || r.Errors[0].code() != "TOO_COMPLEX" {
			t.Errorf("got %.300s, want TOO_COMPLEX", r.raw)
		}
	})
	t.Run("form posts are not served (no CSRF without a preflight)", func(t *testing.T) {
		resp, err := http.Post(a.srv.URL+"/graphql", "application/x-www-form-urlencoded", strings.NewReader("query=%7Bstats%7Bpopulation%7D%7D"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("a form post was answered with 200")
		}
	})
	t.Run("GET serves queries", func(t *testing.T) {
		resp, err := http.Get(a.srv.URL + "/graphql?query=" + url.QueryEscape("{ stats { cameras } }"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"cameras":3611`) {
			t.Errorf("GET: status %d body %.200s", resp.StatusCode, b)
		}
	})
}
