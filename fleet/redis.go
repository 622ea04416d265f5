// Package fleet holds what the hubs of a fleet share beyond PostgreSQL, in Redis: the
// token buckets of rate limits and failed sign-ins (N hubs must not grant N times a
// key's rate) and the memory of dense tiles. Its tests run hubs as a fleet: on streaming
// replicas, sharing Redis, behind PgBouncer.
package fleet

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"gridhub/auth"
)

// Redis is the fleet's shared state.
type Redis struct {
	rdb    *redis.Client
	log    *slog.Logger
	local  auth.Buckets // while Redis does not answer
	warned atomic.Int64 // unix seconds of the last "Redis unreachable" line
}

// Open connects to Redis at url (redis://host:port/db). A Redis that does not answer
// yet is logged, not fatal: a hub restarted during a Redis outage serves with its own
// limits until Redis is back, as a running hub does.
func Open(ctx context.Context, url string, log *slog.Logger) (*Redis, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = time.Second, 250*time.Millisecond, 250*time.Millisecond
	rdb := redis.NewClient(opt)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	r := &Redis{rdb: rdb, log: log, local: auth.LocalBuckets()}
	if err := rdb.Ping(pctx).Err(); err != nil {
		r.warn("Redis does not answer: rate limits are per hub until it does", err)
	}
	return r, nil
}

// Close closes the connections.
func (r *Redis) Close() error { return r.rdb.Close() }

// gcra is the generic cell rate algorithm on buckets each held in a key as its theoretical
// arrival time (microseconds, Redis's own clock, so that the hubs' clocks do not matter).
// ARGV, per key: the interval between tokens and the burst tolerance (µs), 1 to spend its
// token. A token is spent only when every key has one. It answers {0, 0} when they all
// had one, else {i, µs until key i has one} for the first key i that had none.
var gcra = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local news = {}
for i = 1, #KEYS do
  local tat = tonumber(redis.call('GET', KEYS[i]) or now)
  if tat < now then tat = now end
  local newtat = tat + tonumber(ARGV[3 * i - 2])
  local at = newtat - tonumber(ARGV[3 * i - 1])
  if at > now then return {i, math.ceil(at - now)} end
  news[i] = newtat
end
for i = 1, #KEYS do
  if ARGV[3 * i] == '1' then
    redis.call('SET', KEYS[i], string.format('%d', news[i]), 'PX', math.ceil((news[i] - now) / 1000) + 1000)
  end
end
return {0, 0}`)

// TakeGuarded spends a token of the fleet-wide bucket take while guard has one: one
// round trip for both.
func (r *Redis) TakeGuarded(guard, take auth.Bucket) (bool, bool, time.Duration) {
	if guard.PerSecond <= 0 || guard.Burst <= 0 || take.PerSecond <= 0 || take.Burst <= 0 {
		return r.local.TakeGuarded(guard, take)
	}
	gi, ti := int64(1e6/guard.PerSecond), int64(1e6/take.PerSecond)
	ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel()
	got, err := gcra.Run(ctx, r.rdb, []string{"gridhub:bucket:" + guard.Key, "gridhub:bucket:" + take.Key},
		gi, gi*int64(guard.Burst), 0, ti, ti*int64(take.Burst), 1).Int64Slice()
	if err != nil || len(got) != 2 {
		r.warn("rate limits are per hub while Redis does not answer", err)
		return r.local.TakeGuarded(guard, take)
	}
	if got[0] == 0 {
		return true, false, 0
	}
	return false, got[0] == 1, time.Duration(got[1]) * time.Microsecond
}

// Take spends a token of the fleet-wide bucket key.
func (r *Redis) Take(key string, perSecond float64, burst int) (bool, time.Duration) {
	return r.bucket(key, perSecond, burst, true)
}

// Peek reports whether the fleet-wide bucket key has a token, without spending it.
func (r *Redis) Peek(key string, perSecond float64, burst int) (bool, time.Duration) {
	return r.bucket(key, perSecond, burst, false)
}

func (r *Redis) bucket(key string, perSecond float64, burst int, spend bool) (bool, time.Duration) {
	if perSecond <= 0 || burst <= 0 {
		return r.fallback(key, perSecond, burst, spend)
	}
	interval := int64(1e6 / perSecond)
	take := "0"
	if spend {
		take = "1"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel()
	got, err := gcra.Run(ctx, r.rdb, []string{"gridhub:bucket:" + key}, interval, interval*int64(burst), take).Int64Slice()
	if err != nil || len(got) != 2 {
		// Better each hub's own limit than none, or than refusing every caller.
		r.warn("rate limits are per hub while Redis does not answer", err)
		return r.fallback(key, perSecond, burst, spend)
	}
	if got[0] != 0 {
		return false, time.Duration(got[1]) * time.Microsecond
	}
	return true, 0
}

func (r *Redis) fallback(key string, perSecond float64, burst int, spend bool) (bool, time.Duration) {
	if spend {
		return r.local.Take(key, perSecond, burst)
	}
	return r.local.Peek(key, perSecond, burst)
}

func (r *Redis) warn(msg string, err error) {
	now := time.Now().Unix()
	if last := r.warned.Load(); now-last >= 60 && r.warned.CompareAndSwap(last, now) {
		r.log.Warn(msg, "err", err)
	}
}

const (
	denseSet     = "gridhub:dense-tiles"
	denseChannel = "gridhub:dense-tiles"
	// denseTTL forgets the fleet's dense tiles a day after the last one was found: the
	// data changes, and forgetting costs a tile's first build some time, never its bytes.
	denseTTL = 24 * time.Hour
)

// ShareDense tells every hub that the tile key is dense (store.ShareDense). It does
// not wait for Redis: the tile's own answer does not depend on it.
func (r *Redis) ShareDense(key uint64) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		k := strconv.FormatUint(key, 16)
		_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.SAdd(ctx, denseSet, k)
			p.Expire(ctx, denseSet, denseTTL)
			p.Publish(ctx, denseChannel, k)
			return nil
		})
		if err != nil {
			r.warn("dense tiles are not shared while Redis does not answer", err)
		}
	}()
}

// FollowDense hands mark the tiles the fleet found dense: those known now, then each as
// it is found, until ctx ends (store.MarkDense). A lost subscription is made again, and
// the set read again, by the client.
func (r *Redis) FollowDense(ctx context.Context, mark func(...uint64)) {
	sub := r.rdb.Subscribe(ctx, denseChannel)
	defer sub.Close()
	if _, err := sub.Receive(ctx); err == nil {
		// Subscribed before reading the set: none found meanwhile is missed.
		if ks, err := r.rdb.SMembers(ctx, denseSet).Result(); err == nil {
			mark(parseKeys(ks)...)
		}
	}
	ch := sub.Channel()
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			mark(parseKeys([]string{m.Payload})...)
		}
	}
}

func parseKeys(ks []string) []uint64 {
	out := make([]uint64, 0, len(ks))
	for _, k := range ks {
		if v, err := strconv.ParseUint(k, 16, 64); err == nil {
			out = append(out, v)
		}
	}
	return out
}
