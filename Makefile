# gridhub: `make run` and `make test` do all set-up on a fresh Debian/Ubuntu machine.
SHELL := /bin/bash
PGPORT ?= 54329
LOCAL_DB = postgres://gridhub:gridhub@127.0.0.1:$(PGPORT)
# With DATABASE_URL set, that server is used; otherwise the project-local cluster.
ifeq ($(origin DATABASE_URL),undefined)
export DATABASE_URL := $(LOCAL_DB)/gridhub?sslmode=disable
export TEST_DATABASE_URL ?= $(LOCAL_DB)/gridhub_test?sslmode=disable
USE_LOCAL := 1
else
export TEST_DATABASE_URL ?= $(DATABASE_URL)
endif
export GRIDHUB_PGPORT := $(PGPORT)
GO ?= go
SCALE ?= 1

.PHONY: run test faults bench bench-import db chromium gdal fleet-deps fleet fleet-down fleet-test build seed migrate generate vet check clean-db

db:
ifdef USE_LOCAL
	@env -u DATABASE_URL -u TEST_DATABASE_URL bash scripts/postgis.sh
else
	@bash scripts/postgis.sh
endif

# The browser test drives Debian's chromium.
chromium:
	@bash scripts/chromium.sh

# Redis and PgBouncer, which the fleet tests run as processes of their own.
fleet-deps:
	@bash scripts/fleet-deps.sh

# GDAL's ogrinfo/ogr2ogr: the GIS clients tests read gridhub's output with.
gdal:
	@bash scripts/gdal.sh

build:
	$(GO) build -o bin/gridhub .

run: db gdal build
	@./bin/gridhub seed -if-empty -scale $(SCALE)
	./bin/gridhub serve

seed: db build
	./bin/gridhub seed -scale $(SCALE)

migrate: db build
	./bin/gridhub migrate

test: db chromium gdal fleet-deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

# Not part of make test (which runs the short cases): a minute's database outage, a
# hub killed five times, a very slow database, a thousand subscribers and a half-hour
# soak (GRIDHUB_SOAK=10m make faults for a shorter one), each audited afterwards.
faults: db
	set -o pipefail; $(GO) test -tags faults -count=1 -timeout 90m -v ./faults/ 2>&1 | tee faults.log | grep -E '^(=== RUN|--- |\s+\S+_test.go|ok|FAIL|PASS)'

# Not part of make test: benchmark databases per scale, gridhub and PostGraphile under
# load beside the bare SQL; tables in bench/results/ (see bench/README.md).
bench: db
	SCALES="$(or $(SCALES),1 10)" bash bench/run.sh

# A fleet on this machine: etcd, three PostgreSQL members under Patroni, HAProxy, Redis
# and three hubs, all from Debian packages, as processes of this project (see README).
fleet: build
	@bash scripts/fleet.sh up

fleet-down:
	@bash scripts/fleet.sh down

# The fleet tests in full: what make test runs, and the failover of a Patroni fleet.
fleet-test: db fleet-deps
	bash scripts/fleet-deps.sh full
	$(GO) test -count=1 -timeout 20m -v ./fleet/
	$(GO) test -tags fleet -count=1 -timeout 20m -v -run TestFleetFailover ./faults/

# Not part of make test: 1,000,000 generated buildings loaded by gridhub import beside
# ogr2ogr -f PostgreSQL on the same file (BENCH_IMPORT_ROWS=200000 for fewer).
bench-import: db gdal
	bash bench/import.sh

generate:
	$(GO) generate ./...

clean-db:
	@if [ -f .data/pg/postmaster.pid ]; then \
	  if [ "$$(id -u)" = 0 ]; then runuser -u postgres -- /usr/lib/postgresql/*/bin/pg_ctl -D .data/pg stop; \
	  else pg_ctl -D .data/pg stop; fi; fi
	rm -rf .data
