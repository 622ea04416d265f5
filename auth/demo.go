package auth

import "gridhub/store"

// DemoKey is a key with a published value, for trying the roles on a local demo
// district. Never use these on a server others can reach.
type DemoKey struct {
	Key, Name, Role, Fence string
	// Worker is the code of the grid worker a worker's key belongs to.
	Worker string
}

// DemoKeys are the demo seed's keys, one per built-in role; the street office's is fenced
// to 沼潭街道, the street around the district centre.
var DemoKeys = []DemoKey{
	{"gh_dec0de01_demo-command-center-00000000000000000000000", "演示·指挥中心", "command_center", "", ""},
	{"gh_dec0de02_demo-street-office-000000000000000000000000", "演示·沼潭街道办", "street_office", "150203002", ""},
	{"gh_dec0de03_demo-judicial-00000000000000000000000000000", "演示·司法所", "judicial", "", ""},
	{"gh_dec0de04_demo-city-management-0000000000000000000000", "演示·城管局", "city_management", "", ""},
	{"gh_dec0de05_demo-public-0000000000000000000000000000000", "演示·公众", "public", "", ""},
	{"gh_dec0de06_demo-grid-worker-00000000000000000000000000", "演示·网格员", "grid_worker", "", "15020300200100101"},
}

// APIKey is d as the store keeps it: its prefix and hash, never the key.
func (d DemoKey) APIKey() store.APIKey {
	prefix, _ := KeyPrefix(d.Key)
	k := store.APIKey{Prefix: prefix, Hash: HashKey(d.Key), Name: d.Name, Role: d.Role}
	if d.Fence != "" {
		k.FenceCode = &d.Fence
	}
	if d.Worker != "" {
		k.WorkerCode = &d.Worker
	}
	return k
}
