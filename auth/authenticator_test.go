package auth

import (
	"testing"
	"time"
)

func TestBearer(t *testing.T) {
	for in, want := range map[string]string{
		"Bearer gh_abc":      "gh_abc",
		"bearer  gh_abc ":    "gh_abc",
		"gh_abc":             "gh_abc",
		"":                   "",
		"Basic dXNlcjpwdw==": "Basic dXNlcjpwdw==",
	} {
		if got := Bearer(in); got != want {
			t.Errorf("Bearer(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLimiters(t *testing.T) {
	ls := newLimiters()
	t.Run("a key spends its burst, then waits about one token's time", func(t *testing.T) {
		for i := range 3 {
			if ok, _ := ls.Take("k", 1, 3); !ok {
				t.Fatalf("request %d refused within the burst", i+1)
			}
		}
		ok, wait := ls.Take("k", 1, 3)
		if ok || wait <= 0 || wait > time.Second {
			t.Errorf("fourth request: %v, wait %s", ok, wait)
		}
	})
	t.Run("peeking spends nothing, and an unknown key is free", func(t *testing.T) {
		if ok, wait := ls.Peek("k", 1, 3); ok || wait <= 0 {
			t.Errorf("peek of a spent key: %v %s", ok, wait)
		}
		if ok, _ := ls.Peek("other", 1, 1); !ok {
			t.Error("peek of an unknown key refused")
		}
		if ok, _ := ls.Take("other", 1, 1); !ok {
			t.Error("the first request of another key refused")
		}
	})
}
