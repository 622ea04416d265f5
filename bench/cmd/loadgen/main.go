// Command loadgen measures gridhub's map hot paths beside the bare SQL that gives the same
// answer (run through pgx in the same process) and beside PostGraphile, in interleaved
// rounds, and writes the table bench/README.md explains. bench/run.sh starts the servers
// and calls it:
//
//	loadgen run -gridhub http://127.0.0.1:PORT -gridhub-pid PID -db URL -scale N -out FILE.md
//	loadgen freeport      print a free loopback TCP port
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: loadgen run [flags] | loadgen freeport")
	}
	switch args[0] {
	case "freeport":
		p, err := freePort()
		if err != nil {
			return err
		}
		fmt.Println(p)
		return nil
	case "run":
		o, err := parseOptions(args[1:])
		if err != nil {
			return err
		}
		return measureAll(ctx, o)
	}
	return fmt.Errorf("unknown command %q (run, freeport)", args[0])
}

// options are the run's flags.
type options struct {
	Gridhub     string // base URL
	GridhubPID  int
	GridhubBin  string // started once more behind the counting proxy for W6
	DB          string
	Peer        string // PostGraphile's /graphql URL; empty: no peer
	PeerPID     int
	PeerQueries string
	// Peer5 is PostGraphile v5's /graphql URL (the nested workloads); empty: no peer.
	Peer5        string
	Peer5PID     int
	Peer5Queries string
	// Tileserv is pg_tileserv's base URL, serving the same database (T1); empty: not measured.
	Tileserv    string
	TileservPID int
	// Featureserv is pg_featureserv's base URL, serving the same database (O1-O3); empty:
	// not measured.
	Featureserv    string
	FeatureservPID int
	Key            string // gridhub API key (Authorization: Bearer)
	Scale          int
	Duration       time.Duration
	Rounds         int
	Out            string
	Baseline       string // results JSON of scale 1 from the same run, for the scale comparison
	Commit         string // the commit gridhub was built from ("": HEAD now)
	Dirty          bool   // gridhub was built with uncommitted changes outside bench/
	Only           map[string]bool
}

func parseOptions(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadgen run", flag.ContinueOnError)
	fs.StringVar(&o.Gridhub, "gridhub", "", "gridhub base URL, e.g. http://127.0.0.1:18080")
	fs.IntVar(&o.GridhubPID, "gridhub-pid", 0, "gridhub's process id, for CPU and peak RSS")
	fs.StringVar(&o.GridhubBin, "gridhub-bin", "bin/gridhub", "gridhub binary, started behind a statement-counting proxy for W6")
	fs.StringVar(&o.DB, "db", "", "the benchmark database's URL")
	fs.StringVar(&o.Peer, "postgraphile", "", "PostGraphile's GraphQL URL (empty: leave the peer out)")
	fs.IntVar(&o.PeerPID, "postgraphile-pid", 0, "PostGraphile's process id, for its CPU")
	fs.StringVar(&o.Peer5, "postgraphile5", "", "PostGraphile v5's GraphQL URL (empty: leave it out)")
	fs.IntVar(&o.Peer5PID, "postgraphile5-pid", 0, "PostGraphile v5's process id, for its CPU")
	fs.StringVar(&o.Peer5Queries, "queries5", "bench/peers/postgraphile5/queries", "PostGraphile v5's query per workload")
	fs.StringVar(&o.Tileserv, "tileserv", "", "pg_tileserv's base URL (empty: leave it out of T1)")
	fs.IntVar(&o.TileservPID, "tileserv-pid", 0, "pg_tileserv's process id, for its CPU")
	fs.StringVar(&o.Featureserv, "featureserv", "", "pg_featureserv's base URL (empty: leave it out of O1-O3)")
	fs.IntVar(&o.FeatureservPID, "featureserv-pid", 0, "pg_featureserv's process id, for its CPU")
	fs.StringVar(&o.PeerQueries, "queries", "bench/peers/postgraphile/queries", "PostGraphile's query per workload")
	fs.StringVar(&o.Key, "key", "gh_dec0de01_demo-command-center-00000000000000000000000",
		"gridhub API key to call with (default: the published demo key of the command_center role, which `gridhub seed` writes)")
	fs.IntVar(&o.Scale, "scale", 1, "the scale the database was seeded at (for the report)")
	fs.DurationVar(&o.Duration, "duration", 2*time.Second, "length of each timed run within a round")
	fs.IntVar(&o.Rounds, "rounds", 3, "interleaved rounds of gridhub, bare SQL and the peer")
	fs.StringVar(&o.Out, "out", "", "markdown file to write (a .json with the figures goes beside it)")
	fs.StringVar(&o.Baseline, "baseline", "", "scale-1 results JSON to compare W1/W2 against")
	fs.StringVar(&o.Commit, "commit", "", "the commit gridhub was built from (default: HEAD when the run starts)")
	fs.BoolVar(&o.Dirty, "dirty", false, "with -commit: gridhub was built with uncommitted changes")
	only := fs.String("only", "", "comma-separated workloads to run (default: all)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.Gridhub == "" || o.DB == "" || o.GridhubPID == 0 {
		return o, errors.New("-gridhub, -gridhub-pid and -db are required")
	}
	if o.Rounds < 1 || o.Duration <= 0 {
		return o, errors.New("-rounds and -duration must be positive")
	}
	if *only != "" {
		o.Only = map[string]bool{}
		for _, w := range strings.Split(*only, ",") {
			o.Only[strings.ToUpper(strings.TrimSpace(w))] = true
		}
	}
	return o, nil
}

// freePort asks the kernel for a free loopback port; the caller binds it soon after.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
