package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"gridhub/auth"
	"gridhub/seed"
	"gridhub/store"
)

// seedConfig is seed's flags.
type seedConfig struct {
	db      *dbConfig
	scale   int
	ifEmpty bool
}

func parseSeed(args []string, getenv func(string) string) (seedConfig, error) {
	fs, db := newFlags("seed", getenv)
	c := seedConfig{db: db}
	fs.IntVar(&c.scale, "scale", 1, "multiply buildings and incidents (1..1000)")
	fs.BoolVar(&c.ifEmpty, "if-empty", false, "only when the database holds no district")
	if err := parse(fs, args); err != nil {
		return c, err
	}
	if c.scale < 1 || c.scale > 1000 {
		return c, fmt.Errorf("scale must be between 1 and 1000")
	}
	return c, db.check()
}

// runSeed loads the demo district, as of the current day in Beijing, and its demo keys.
func runSeed(ctx context.Context, st *store.Store, cfg seedConfig, out io.Writer) error {
	if cfg.ifEmpty {
		empty, err := st.IsEmpty(ctx)
		if err != nil {
			return err
		}
		if !empty {
			fmt.Fprintln(out, "gridhub: the database already holds a district; not seeding")
			return putDemoKeys(ctx, st, out)
		}
	}
	start := time.Now()
	sum, err := seed.Run(ctx, st, seed.Options{Scale: cfg.scale, Progress: out})
	if err != nil {
		return err
	}
	if err := putDemoKeys(ctx, st, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "gridhub: demo district loaded at scale %d in %s: %+v\n", cfg.scale, time.Since(start).Round(time.Millisecond), sum)
	return nil
}

// putDemoKeys writes the published demo keys, one per built-in role.
func putDemoKeys(ctx context.Context, st *store.Store, out io.Writer) error {
	fmt.Fprintln(out, "gridhub: demo keys (published: for this local demo only):")
	for _, d := range auth.DemoKeys {
		err := st.PutKey(ctx, d.APIKey())
		if errors.Is(err, store.ErrNotFound) && d.Worker != "" {
			// A district seeded before grid workers existed has none to give a key to.
			fmt.Fprintf(out, "  %-16s (no worker %s in this district: no key)\n", d.Role, d.Worker)
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  %-16s %s\n", d.Role, d.Key)
	}
	return nil
}
