package geo

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestScannerMembers(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // name=value pairs in order, joined by ";"
	}{
		{"an empty object has no members", `{}`, ""},
		{"members come in order with their raw values", `{"a":1,"b":[1,2],"c":{"d":null}}`, `a=1;b=[1,2];c={"d":null}`},
		{"whitespace around tokens is skipped", " {\n\t\"a\" :  true ,\r\n \"b\":\"x\" } ", `a=true;b="x"`},
		{"brackets inside strings do not end a value", `{"a":"]}[{","b":["}",{"c":"]"}]}`, `a="]}[{";b=["}",{"c":"]"}]`},
		{"escaped quotes inside strings do not end them", `{"a":"say \"hi\"","b":2}`, `a="say \"hi\"";b=2`},
		{"escaped member names are decoded", `{"\u0063rs":1,"t\"y":2}`, `crs=1;t"y=2`},
		{"numbers keep their exponent form", `{"a":-1.5e+3,"b":0}`, `a=-1.5e+3;b=0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !json.Valid([]byte(tt.in)) {
				t.Fatalf("test input is not JSON: %s", tt.in)
			}
			var got []string
			s := &scanner{b: []byte(tt.in)}
			if !s.members(func(name string, value []byte) { got = append(got, name+"="+string(value)) }) {
				t.Fatal("not seen as an object")
			}
			if g := strings.Join(got, ";"); g != tt.want {
				t.Errorf("got %s, want %s", g, tt.want)
			}
		})
	}
	for _, in := range []string{`[]`, `null`, `"x"`, `12`} {
		t.Run(in+" is not an object", func(t *testing.T) {
			s := &scanner{b: []byte(in)}
			if s.members(func(string, []byte) {}) {
				t.Error("seen as an object")
			}
		})
	}
}

func TestScannerNumber(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want float64
		ok   bool
		err  bool
	}{
		{"a plain number is read", "109.8325]", 109.8325, true, false},
		{"a negative exponent number is read", "-4e-2,", -0.04, true, false},
		{"negative zero is read", "-0 ]", 0, true, false},
		{"a number too big for a float64 is an error", "1e400]", 0, true, true},
		{"a string is not a number", `"1"]`, 0, false, false},
		{"null is not a number", "null]", 0, false, false},
		{"an array is not a number", "[1]]", 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scanner{b: []byte(tt.in)}
			v, ok, err := s.number()
			if ok != tt.ok || (err != nil) != tt.err || (ok && !tt.err && v != tt.want) {
				t.Errorf("got %v, %v, %v; want %v, %v, error %v", v, ok, err, tt.want, tt.ok, tt.err)
			}
		})
	}
}
