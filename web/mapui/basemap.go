package mapui

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// hostRange is a numeric or letter range in a basemap host, as in t{0-7}.tianditu.gov.cn.
var hostRange = regexp.MustCompile(`\{([0-9a-z])-([0-9a-z])\}`)

// CheckBasemap reports why tmpl is not an XYZ tile URL template the page can draw: it
// must be http(s), hold {z}, {x} and {y} (or {-y}), and have a plain host or one range.
func CheckBasemap(tmpl string) error {
	if tmpl == "" {
		return nil
	}
	if !strings.Contains(tmpl, "{z}") || !strings.Contains(tmpl, "{x}") ||
		!(strings.Contains(tmpl, "{y}") || strings.Contains(tmpl, "{-y}")) {
		return errors.New("an XYZ template needs {z}, {x} and {y} (or {-y})")
	}
	if len(basemapOrigins(tmpl)) == 0 {
		return errors.New("not an http(s) URL with a host, or more than one range in its host")
	}
	return nil
}

// basemapOrigins lists the origins the basemap's tiles come from, each host range
// spelled out, so that the page's CSP lets those images in and nothing else; nil when
// tmpl is not an http(s) template with a plain host.
func basemapOrigins(tmpl string) []string {
	scheme, rest, ok := strings.Cut(tmpl, "://")
	if !ok || (scheme != "http" && scheme != "https") {
		return nil
	}
	host := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		host = rest[:i]
	}
	ranges := hostRange.FindAllStringSubmatchIndex(host, -1)
	hosts := []string{host}
	switch len(ranges) {
	case 0:
	case 1:
		m := ranges[0]
		from, to := host[m[2]], host[m[4]]
		if from > to || to-from > 25 {
			return nil
		}
		hosts = nil
		for c := from; c <= to; c++ {
			hosts = append(hosts, host[:m[0]]+string(c)+host[m[1]:])
		}
	default:
		return nil
	}
	var out []string
	for _, h := range hosts {
		// What url.Parse takes as a plain host with an optional port, and nothing that
		// could end the CSP directive it goes into.
		u, err := url.Parse(scheme + "://" + h + "/")
		if err != nil || u.Host != h || u.User != nil || h == "" || strings.ContainsAny(h, "{}; ,'\"") {
			return nil
		}
		out = append(out, scheme+"://"+h)
	}
	return out
}
