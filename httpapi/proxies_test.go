package httpapi

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddrBehindALoadBalancer(t *testing.T) {
	lb := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24")}
	for _, c := range []struct {
		name, remote, forwarded string
		proxies                 []netip.Prefix
		want                    string
	}{
		{"a direct caller is its own address", "203.0.113.7:5000", "", lb, "203.0.113.7"},
		{"a direct caller cannot claim another address", "203.0.113.7:5000", "198.51.100.1", lb, "203.0.113.7"},
		{"through the load balancer, the address it saw", "10.0.0.5:5000", "198.51.100.1", lb, "198.51.100.1"},
		{"an address the caller wrote itself is passed over", "10.0.0.5:5000", "192.0.2.99, 198.51.100.1", lb, "198.51.100.1"},
		{"behind two of ours, the first outside them", "10.0.0.5:5000", "198.51.100.1, 10.0.0.6", lb, "198.51.100.1"},
		{"without trusted proxies the header is ignored", "10.0.0.5:5000", "198.51.100.1", nil, "10.0.0.5"},
		{"a load balancer that names no one is the caller", "10.0.0.5:5000", "", lb, "10.0.0.5"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/graphql", nil)
			r.RemoteAddr = c.remote
			if c.forwarded != "" {
				r.Header.Set("X-Forwarded-For", c.forwarded)
			}
			if got := clientAddr(r, c.proxies); got != c.want {
				t.Errorf("clientAddr = %s, want %s", got, c.want)
			}
		})
	}
}
