package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"gridhub/auth"
	"gridhub/store"
)

// keysConfig is the keys subcommand and its flags.
type keysConfig struct {
	db                *dbConfig
	cmd               string // create, list or revoke
	policy            *auth.Policy
	role, name, fence string
	worker            string
	expires           time.Duration
	args              []string
}

const keysUsage = "keys: create -role R -name N [-fence CODE | -worker CODE] [-expires DURATION] | list | revoke PREFIX"

func parseKeys(args []string, getenv func(string) string) (keysConfig, error) {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list" && args[0] != "revoke") {
		return keysConfig{}, errors.New(keysUsage)
	}
	fs, db := newFlags("keys "+args[0], getenv)
	c := keysConfig{db: db, cmd: args[0]}
	policy := policyFlag(fs, getenv)
	if c.cmd == "create" {
		fs.StringVar(&c.role, "role", "", "the key's role")
		fs.StringVar(&c.name, "name", "", "who the key is for")
		fs.StringVar(&c.fence, "fence", "", "the grid code a fenced role's key is cut to")
		fs.StringVar(&c.worker, "worker", "", "the grid worker (code) a worker role's key belongs to")
		fs.DurationVar(&c.expires, "expires", 0, "lifetime, e.g. 2160h; 0: no expiry")
	}
	if err := parse(fs, args[1:]); err != nil {
		return c, err
	}
	c.args = fs.Args()
	var err error
	if c.policy, err = auth.LoadPolicy(*policy); err != nil {
		return c, err
	}
	return c, db.check()
}

// runKeys manages API keys: a new key is shown once and only its hash is kept.
func runKeys(ctx context.Context, st *store.Store, cfg keysConfig, out io.Writer) error {
	switch cfg.cmd {
	case "create":
		role, ok := cfg.policy.Roles[cfg.role]
		if !ok {
			return fmt.Errorf("keys create: --role must be one of the policy's roles")
		}
		if cfg.name == "" {
			return fmt.Errorf("keys create: --name is required")
		}
		k := store.APIKey{Name: cfg.name, Role: cfg.role}
		switch {
		case role.Worker && cfg.worker == "":
			return fmt.Errorf("keys create: the %s role needs --worker WORKERCODE", role.Name)
		case role.Worker:
			id, err := st.WorkerIDByCode(ctx, cfg.worker)
			if err != nil {
				return fmt.Errorf("keys create: no worker %s: %w", cfg.worker, err)
			}
			fence, err := st.WorkerFence(ctx, id)
			if err != nil {
				return err
			}
			k.WorkerID, k.FenceCode = &id, &fence
		case cfg.worker != "":
			return fmt.Errorf("keys create: --worker is for a worker role's keys")
		case cfg.fence != "":
			k.FenceCode = &cfg.fence
		case role.FenceFromKey:
			return fmt.Errorf("keys create: the %s role needs --fence GRIDCODE", role.Name)
		}
		if cfg.expires > 0 {
			t := time.Now().Add(cfg.expires)
			k.ExpiresAt = &t
		}
		for {
			key, prefix, hash := auth.NewKey()
			k.Prefix, k.Hash = prefix, hash
			_, err := st.CreateKey(ctx, k)
			if errors.Is(err, store.ErrKeyExists) {
				continue
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%s\n# role %s, prefix %s; shown once: store it now\n", key, k.Role, prefix)
			return nil
		}
	case "list":
		ks, err := st.Keys(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "PREFIX\tROLE\tFENCE\tNAME\tCREATED\tEXPIRES\tSTATE")
		for _, k := range ks {
			state := "active"
			switch {
			case k.RevokedAt != nil:
				state = "revoked"
			case k.ExpiresAt != nil && time.Now().After(*k.ExpiresAt):
				state = "expired"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.Prefix, k.Role, deref(k.FenceCode), k.Name,
				k.CreatedAt.Format(time.DateTime), timeOr(k.ExpiresAt, "never"), state)
		}
		return w.Flush()
	case "revoke":
		if len(cfg.args) != 1 {
			return fmt.Errorf("keys revoke: give the key's prefix")
		}
		if err := st.RevokeKey(ctx, cfg.args[0]); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("keys revoke: no key has the prefix %q", cfg.args[0])
		} else if err != nil {
			return err
		}
		fmt.Fprintf(out, "revoked %s\n", cfg.args[0])
		return nil
	}
	return fmt.Errorf("keys: unknown command %q", cfg.cmd)
}

func deref(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

func timeOr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.Format(time.DateTime)
}
