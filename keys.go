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

// runKeys manages API keys: a new key is shown once and only its hash is kept.
func runKeys(ctx context.Context, st *store.Store, cfg config, cmd string, out io.Writer) error {
	switch cmd {
	case "create":
		role, ok := cfg.Policy.Roles[cfg.KeyRole]
		if !ok {
			return fmt.Errorf("keys create: --role must be one of the policy's roles")
		}
		if cfg.KeyName == "" {
			return fmt.Errorf("keys create: --name is required")
		}
		k := store.APIKey{Name: cfg.KeyName, Role: cfg.KeyRole}
		switch {
		case cfg.KeyFence != "":
			k.FenceCode = &cfg.KeyFence
		case role.FenceFromKey:
			return fmt.Errorf("keys create: the %s role needs --fence GRIDCODE", role.Name)
		}
		if cfg.KeyExpires > 0 {
			t := time.Now().Add(cfg.KeyExpires)
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
		if len(cfg.KeyArgs) != 1 {
			return fmt.Errorf("keys revoke: give the key's prefix")
		}
		if err := st.RevokeKey(ctx, cfg.KeyArgs[0]); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("keys revoke: no key has the prefix %q", cfg.KeyArgs[0])
		} else if err != nil {
			return err
		}
		fmt.Fprintf(out, "revoked %s\n", cfg.KeyArgs[0])
		return nil
	}
	return fmt.Errorf("keys: unknown command %q", cmd)
}

// putDemoKeys writes the published demo keys, one per built-in role.
func putDemoKeys(ctx context.Context, st *store.Store, out io.Writer) error {
	fmt.Fprintln(out, "gridhub: demo keys (published: for this local demo only):")
	for _, d := range auth.DemoKeys {
		prefix, _ := auth.KeyPrefix(d.Key)
		k := store.APIKey{Prefix: prefix, Hash: auth.HashKey(d.Key), Name: d.Name, Role: d.Role}
		if d.Fence != "" {
			k.FenceCode = &d.Fence
		}
		if err := st.PutKey(ctx, k); err != nil {
			return err
		}
		fmt.Fprintf(out, "  %-16s %s\n", d.Role, d.Key)
	}
	return nil
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
