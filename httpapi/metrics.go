package httpapi

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"gridhub/store"
)

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	// cancelled counts operations whose client went away before the answer.
	cancelled prometheus.Counter
}

func newMetrics(reg *prometheus.Registry, st *store.Store) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gridhub_graphql_requests_total", Help: "GraphQL operations by operation name.",
		}, []string{"operation"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gridhub_graphql_duration_seconds", Help: "GraphQL operation latency by operation name.",
			Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gridhub_graphql_errors_total", Help: "GraphQL errors by extensions.code.",
		}, []string{"code"}),
		cancelled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gridhub_graphql_cancelled_total", Help: "GraphQL operations whose client went away before the answer.",
		}),
	}
	reg.MustRegister(m.requests, m.latency, m.errors, m.cancelled,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		poolCollector{st})
	if st.Routing() != nil {
		reg.MustRegister(routingCollector{st})
	}
	return m
}

var (
	poolTotal    = prometheus.NewDesc("gridhub_db_pool_connections", "Database pool connections by state.", []string{"state"}, nil)
	poolAcquires = prometheus.NewDesc("gridhub_db_pool_acquires_total", "Connections acquired from the pool.", nil, nil)
	poolWait     = prometheus.NewDesc("gridhub_db_pool_acquire_wait_seconds_total", "Time spent waiting for a pool connection.", nil, nil)
	poolEmpty    = prometheus.NewDesc("gridhub_db_pool_empty_acquires_total", "Acquires that had to wait for a connection.", nil, nil)
)

// poolCollector reads pgxpool's statistics at scrape time.
type poolCollector struct{ st *store.Store }

func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolTotal
	ch <- poolAcquires
	ch <- poolWait
	ch <- poolEmpty
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.st.Pool().Stat()
	ch <- prometheus.MustNewConstMetric(poolTotal, prometheus.GaugeValue, float64(s.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(poolTotal, prometheus.GaugeValue, float64(s.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(poolTotal, prometheus.GaugeValue, float64(s.MaxConns()), "max")
	ch <- prometheus.MustNewConstMetric(poolAcquires, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolWait, prometheus.CounterValue, s.AcquireDuration().Seconds())
	ch <- prometheus.MustNewConstMetric(poolEmpty, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
}

var (
	replicaLag      = prometheus.NewDesc("gridhub_db_replica_lag_seconds", "Age of the oldest write a replica has not replayed.", []string{"replica"}, nil)
	replicaLagBytes = prometheus.NewDesc("gridhub_db_replica_lag_bytes", "WAL a replica has not replayed.", []string{"replica"}, nil)
	replicaServing  = prometheus.NewDesc("gridhub_db_replica_in_rotation", "1 while reads go to the replica: it answers and lags within the bound.", []string{"replica"}, nil)
	reads           = prometheus.NewDesc("gridhub_db_reads_total", "Reads by where they went: a replica, or the primary and why.", []string{"target", "reason"}, nil)
)

// routingCollector reads the replicas' state and where reads went at scrape time.
type routingCollector struct{ st *store.Store }

func (routingCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- replicaLag
	ch <- replicaLagBytes
	ch <- replicaServing
	ch <- reads
}

func (c routingCollector) Collect(ch chan<- prometheus.Metric) {
	rs := c.st.Routing()
	for _, r := range rs.Replicas {
		serving := 0.0
		if r.Serving {
			serving = 1
		}
		ch <- prometheus.MustNewConstMetric(replicaLag, prometheus.GaugeValue, r.Lag.Seconds(), r.Name)
		ch <- prometheus.MustNewConstMetric(replicaLagBytes, prometheus.GaugeValue, float64(r.LagBytes), r.Name)
		ch <- prometheus.MustNewConstMetric(replicaServing, prometheus.GaugeValue, serving, r.Name)
		ch <- prometheus.MustNewConstMetric(reads, prometheus.CounterValue, float64(r.Reads), r.Name, "replica")
	}
	ch <- prometheus.MustNewConstMetric(reads, prometheus.CounterValue, float64(rs.PrimaryForced), "primary", "asked")
	ch <- prometheus.MustNewConstMetric(reads, prometheus.CounterValue, float64(rs.PrimaryBehind), "primary", "replicas_behind")
	ch <- prometheus.MustNewConstMetric(reads, prometheus.CounterValue, float64(rs.PrimaryNoReplica), "primary", "no_replica")
}
