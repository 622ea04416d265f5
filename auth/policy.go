// Package auth is who is calling and what they may see: API keys and JWTs, roles loaded
// from a policy file, and the rules a role applies to layers, rows, fields and areas.
package auth

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"gopkg.in/yaml.v3"

	"gridhub/geo"
	"gridhub/model"
)

//go:embed policy.yaml
var builtinPolicy []byte

// FieldRule is what a role gets for a restricted field.
type FieldRule string

const (
	Deny FieldRule = "deny" // FORBIDDEN
	Hide FieldRule = "hide" // answered null
	Mask FieldRule = "mask" // digits in the middle hidden: 138****1234
)

// Policy is every role and the role of callers without a credential.
type Policy struct {
	Anonymous string           `yaml:"anonymous"`
	Roles     map[string]*Role `yaml:"roles"`
}

// Role is what one kind of caller may do.
type Role struct {
	Name          string                   `yaml:"-"`
	Layers        []model.Layer            `yaml:"layers"`
	Rows          map[model.Layer][]string `yaml:"rows"`
	Fence         yaml.Node                `yaml:"fence"`
	Fields        map[string]FieldRule     `yaml:"fields"`
	Allow         map[string][]string      `yaml:"allow"`
	Coarsen       map[model.Layer]float64  `yaml:"coarsen"`
	Mutations     []string                 `yaml:"mutations"`
	Rate          Rate                     `yaml:"rate"`
	Complexity    int                      `yaml:"complexity"`
	Introspection bool                     `yaml:"introspection"`
	Audit         bool                     `yaml:"audit"`
	// Import: the role may load files into the layers through POST /import. An import
	// writes the whole district, so the role may have no fence.
	Import bool `yaml:"import"`
	// Worker: each key is a grid worker's own (keys create --worker), fenced to the
	// community of the worker's main grid; the worker mutations act as that worker.
	Worker bool `yaml:"worker"`

	// Unrestricted: every layer and field readable as it is (a field check can be skipped).
	Unrestricted bool
	// rules and allowed index Fields and Allow for the per-field check on the hot path.
	rules   map[fieldKey]FieldRule
	allowed map[string]map[string]bool

	// From Fence: a key must name its own fence, or the role's fixed one.
	FenceFromKey bool
	FenceCode    string
	FencePolygon orb.MultiPolygon
}

var gridCode = regexp.MustCompile(`^[0-9]{6}([0-9]{3}){0,3}$`)

// LoadPolicy reads a policy file, or the built-in one when path is empty.
func LoadPolicy(path string) (*Policy, error) {
	b := builtinPolicy
	if path != "" {
		var err error
		if b, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
	}
	return ParsePolicy(b)
}

// ParsePolicy reads and checks a policy; unknown keys are errors, so a misspelt rule
// cannot silently grant more than meant.
func ParsePolicy(b []byte) (*Policy, error) {
	var p Policy
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if len(p.Roles) == 0 {
		return nil, fmt.Errorf("policy: no roles")
	}
	if _, ok := p.Roles[p.Anonymous]; p.Anonymous != "" && !ok {
		return nil, fmt.Errorf("policy: anonymous role %q is not defined", p.Anonymous)
	}
	for name, r := range p.Roles {
		r.Name = name
		if err := r.check(); err != nil {
			return nil, fmt.Errorf("policy: role %s: %w", name, err)
		}
	}
	return &p, nil
}

var mutations = []string{"reportIncident", "transitionIncident", "reportPositions", "setOnDuty", "recordVisit"}

func (r *Role) check() error {
	if len(r.Layers) == 0 {
		return fmt.Errorf("layers: name at least one")
	}
	for _, l := range r.Layers {
		if !l.IsValid() {
			return fmt.Errorf("layers: unknown layer %q", l)
		}
	}
	for l, kinds := range r.Rows {
		if !r.CanRead(l) {
			return fmt.Errorf("rows: %s is not among its layers", l)
		}
		if len(kinds) == 0 {
			return fmt.Errorf("rows: %s lists no kinds", l)
		}
	}
	for f, rule := range r.Fields {
		if !strings.Contains(f, ".") || (rule != Deny && rule != Hide && rule != Mask) {
			return fmt.Errorf("fields: %q: %q (want Type.field: deny, hide or mask)", f, rule)
		}
	}
	for l, m := range r.Coarsen {
		if !l.IsValid() || l == model.LayerGrid || l == model.LayerBuilding || !(m > 0 && m <= 10000) || math.IsNaN(m) {
			return fmt.Errorf("coarsen: %s: %g (want a point layer and 0 < metres <= 10000)", l, m)
		}
	}
	for _, m := range r.Mutations {
		if !slices.Contains(mutations, m) {
			return fmt.Errorf("mutations: unknown mutation %q", m)
		}
	}
	if r.Rate.PerSecond <= 0 || r.Rate.Burst < 1 {
		return fmt.Errorf("rate: perSecond and burst must be positive")
	}
	if r.Complexity < 10 {
		return fmt.Errorf("complexity: must be at least 10")
	}
	r.rules = map[fieldKey]FieldRule{}
	for f, rule := range r.Fields {
		typ, field, _ := strings.Cut(f, ".")
		r.rules[fieldKey{typ, field}] = rule
	}
	r.allowed = map[string]map[string]bool{}
	for typ, fields := range r.Allow {
		r.allowed[typ] = map[string]bool{"__typename": true}
		for _, f := range fields {
			r.allowed[typ][f] = true
		}
	}
	r.Unrestricted = len(r.Layers) == len(model.Layers) && len(r.Fields) == 0 && len(r.Allow) == 0 && len(r.Coarsen) == 0
	if err := r.readFence(); err != nil {
		return err
	}
	if r.Import && (r.FenceFromKey || r.FencePolygon != nil || r.FenceCode != "") {
		return fmt.Errorf("import: a role that imports writes the whole district: it may have no fence")
	}
	if r.Worker && !r.FenceFromKey {
		return fmt.Errorf("worker: a worker's key is fenced to its community: the fence must be \"key\"")
	}
	return nil
}

func (r *Role) readFence() error {
	switch r.Fence.Kind {
	case 0:
		return nil
	case yaml.ScalarNode:
		switch v := r.Fence.Value; {
		case v == "key":
			r.FenceFromKey = true
		case gridCode.MatchString(v):
			r.FenceCode = v
		default:
			return fmt.Errorf("fence: %q is neither \"key\" nor a grid code", v)
		}
		return nil
	case yaml.MappingNode:
		var m map[string]any
		if err := r.Fence.Decode(&m); err != nil {
			return fmt.Errorf("fence: %w", err)
		}
		js, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("fence: %w", err)
		}
		mp, err := geo.ParsePolygonGeoJSON(js, 10000)
		if err != nil {
			return fmt.Errorf("fence: %w", err)
		}
		r.FencePolygon = mp
		return nil
	}
	return fmt.Errorf("fence: want \"key\", a grid code or a GeoJSON polygon")
}

// Rate is a token bucket: requests a second, and how many may come at once.
type Rate struct {
	PerSecond float64 `yaml:"perSecond"`
	Burst     float64 `yaml:"burst"`
}

// CanRead reports whether the role may read layer l.
func (r *Role) CanRead(l model.Layer) bool { return slices.Contains(r.Layers, l) }

// CanCall reports whether the role may call the mutation.
func (r *Role) CanCall(mutation string) bool { return slices.Contains(r.Mutations, mutation) }

type fieldKey struct{ typ, field string }

// Field is the rule for typ.field: "" when readable as it is.
func (r *Role) Field(typ, field string) FieldRule {
	if rule, ok := r.rules[fieldKey{typ, field}]; ok {
		return rule
	}
	if allow, ok := r.allowed[typ]; ok && !allow[field] {
		return Deny
	}
	return ""
}
