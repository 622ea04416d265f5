package main

import (
	"strings"
	"testing"
	"time"

	"gridhub/store"
)

func TestServeFlags(t *testing.T) {
	env := func(kv map[string]string) func(string) string {
		return func(k string) string {
			if k == "DATABASE_URL" {
				return "postgres://x/y"
			}
			return kv[k]
		}
	}
	t.Run("the cluster zoom defaults to 14 and comes from the environment or a flag", func(t *testing.T) {
		for _, tc := range []struct {
			env  map[string]string
			args []string
			want int
		}{
			{nil, nil, 14},
			{map[string]string{"GRIDHUB_TILE_CLUSTER_BELOW": "12"}, nil, 12},
			{map[string]string{"GRIDHUB_TILE_CLUSTER_BELOW": "12"}, []string{"-tile-cluster-below", "0"}, 0},
		} {
			c, err := parseServe(tc.args, env(tc.env))
			if err != nil || c.http.TileClusterBelow != tc.want {
				t.Errorf("env %v, args %v: %d, %v; want %d", tc.env, tc.args, c.http.TileClusterBelow, err, tc.want)
			}
		}
	})
	t.Run("the density cut defaults to store.DefaultClusterAbove and comes from the environment or a flag", func(t *testing.T) {
		for _, tc := range []struct {
			env  map[string]string
			args []string
			want int
		}{
			{nil, nil, store.DefaultClusterAbove},
			{map[string]string{"GRIDHUB_TILE_CLUSTER_ABOVE": "2000"}, nil, 2000},
			{map[string]string{"GRIDHUB_TILE_CLUSTER_ABOVE": "2000"}, []string{"-tile-cluster-above", "0"}, 0},
		} {
			c, err := parseServe(tc.args, env(tc.env))
			if err != nil || c.http.TileClusterAbove != tc.want {
				t.Errorf("env %v, args %v: %d, %v; want %d", tc.env, tc.args, c.http.TileClusterAbove, err, tc.want)
			}
		}
	})
	t.Run("bad values are refused at start", func(t *testing.T) {
		for _, kv := range []map[string]string{
			{"GRIDHUB_TILE_CLUSTER_BELOW": "24"},
			{"GRIDHUB_TILE_CLUSTER_ABOVE": "-1"},
			{"GRIDHUB_BASEMAP": "https://tiles.example/{z}/{x}.png"},
			{"GRIDHUB_BASEMAP": "javascript:alert(1)//{z}/{x}/{y}"},
			{"GRIDHUB_TRUSTED_PROXIES": "haproxy.local"},
			{"GRIDHUB_DB_EXEC_MODE": "prepared"},
		} {
			if _, err := parseServe(nil, env(kv)); err == nil {
				t.Errorf("%v: accepted", kv)
			}
		}
	})
	t.Run("a basemap template is kept as given", func(t *testing.T) {
		const tmpl = "https://t{0-7}.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=k"
		c, err := parseServe(nil, env(map[string]string{"GRIDHUB_BASEMAP": tmpl, "GRIDHUB_BASEMAP_ATTRIBUTION": "© 天地图"}))
		if err != nil || c.http.Basemap != tmpl || !strings.Contains(c.http.BasemapAttribution, "天地图") {
			t.Errorf("%q %q %v", c.http.Basemap, c.http.BasemapAttribution, err)
		}
	})
	t.Run("a fleet's settings", func(t *testing.T) {
		c, err := parseServe([]string{"-max-replica-lag", "5s"}, env(map[string]string{
			"GRIDHUB_REPLICA_URLS":    "postgres://r1/gridhub, postgres://r2/gridhub",
			"GRIDHUB_TRUSTED_PROXIES": "10.0.0.0/24,192.0.2.7",
			"GRIDHUB_DB_EXEC_MODE":    "exec",
		}))
		if err != nil || len(c.db.replicas) != 2 || c.db.maxReplicaLag != 5*time.Second || len(c.http.TrustedProxies) != 2 ||
			c.http.TrustedProxies[1].String() != "192.0.2.7/32" || c.db.execMode != "exec" {
			t.Errorf("replicas %v lag %s proxies %v mode %q: %v", c.db.replicas, c.db.maxReplicaLag, c.http.TrustedProxies, c.db.execMode, err)
		}
	})
	t.Run("without DATABASE_URL the local cluster is the database", func(t *testing.T) {
		c, err := parseServe(nil, func(k string) string { return map[string]string{"GRIDHUB_PGPORT": "54400"}[k] })
		if err != nil || c.db.url != "postgres://gridhub:gridhub@127.0.0.1:54400/gridhub?sslmode=disable" {
			t.Errorf("got %q, %v", c.db.url, err)
		}
	})
}
