# vitess-chaos: chaos experiments against a real Vitess cluster in Docker.
# `make chaos` runs the chaos suite; `make test` runs unit tests and the chaos suite.
SHELL := /bin/bash
JEST := npx jest
export TESTCONTAINERS_RYUK_DISABLED := true

.PHONY: test unit chaos experiment images docker bench bench-engine compat clean clean-images deps

# Installs node modules when package-lock.json changed (or on a fresh clone). `npm install`
# against the committed lock, not `npm ci`: npm 11.19 rejects its own lock in `npm ci` over
# optional platform packages it did not record.
node_modules/.installed: package.json package-lock.json
	npm install --no-audit --no-fund
	touch $@

deps: node_modules/.installed

docker:
	@./docker/ensure-engine.sh

images: deps docker
	npx ts-node --transpile-only harness/cli/main.ts images build

unit: deps
	$(JEST) --selectProjects unit

chaos: deps docker
	$(JEST) --selectProjects chaos --runInBand

test: unit chaos

# One experiment: make experiment E=smoke
experiment: deps docker
	@test -n "$(E)" || { echo "usage: make experiment E=<name>   (experiments/<name>.chaos.ts)"; exit 2; }
	$(JEST) --selectProjects chaos --runInBand experiments/$(E).chaos.ts

bench: deps docker
	npx ts-node --transpile-only bench/cluster.bench.ts
	npx ts-node --transpile-only bench/engine.bench.ts

# Only the engine figures (sustained rate with/without probes, calibration error).
bench-engine: deps docker
	npx ts-node --transpile-only bench/engine.bench.ts

# Removes every container and network any run left (images stay; `make clean-images` drops them).
clean: deps
	npx ts-node --transpile-only harness/cli/main.ts cleanup

clean-images: deps
	npx ts-node --transpile-only harness/cli/main.ts cleanup --images

# One row of the compatibility matrix (docker/README.md) for the selected version:
#   make compat VITESS_CHAOS_VITESS=23.0.3
compat: deps docker
	npx ts-node --transpile-only bench/compat.ts
