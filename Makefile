# vitess-chaos: chaos experiments against a real Vitess cluster in Docker or on Kubernetes.
# `make chaos` runs the chaos suite; `make test` runs unit tests, the chaos suite, and the
# experiments that run on Kubernetes on a single-node Kubernetes (`make chaos-k8s`).
SHELL := /bin/bash
JEST := npx jest
export TESTCONTAINERS_RYUK_DISABLED := true

.PHONY: test unit chaos chaos-k8s experiment images docker k8s bench bench-k8s bench-engine soak compat vet-matrix clean clean-images deps

# Installs node modules when package-lock.json changed (or on a fresh clone). `npm install`
# against the committed lock, not `npm ci`: npm 11.19 rejects its own lock in `npm ci` over
# optional platform packages it did not record.
node_modules/.installed: package.json package-lock.json
	npm install --no-audit --no-fund
	touch $@

deps: node_modules/.installed

docker:
	@./docker/ensure-engine.sh

# A single-node Kubernetes on 127.0.0.1 from offline parts (docker/k8s/): built the first time
# (about 12 min of two cores), started when not running; `make clean` removes it.
k8s: docker
	@./docker/k8s/ensure-k8s.sh

images: deps docker
	npx ts-node --transpile-only harness/cli/main.ts images build

unit: deps
	$(JEST) --selectProjects unit

chaos: deps docker
	$(JEST) --selectProjects chaos --runInBand

# The experiments that run on Kubernetes too, with the same checks (--target k8s).
K8S_EXPERIMENTS ?= smoke calibration failover empty-vschema attach bring-up-failure cleanup
chaos-k8s: deps docker k8s
	VITESS_CHAOS_TARGET=k8s JEST_JUNIT_OUTPUT_NAME=junit-k8s.xml $(JEST) --selectProjects chaos --runInBand $(foreach e,$(K8S_EXPERIMENTS),experiments/$(e).chaos.ts)

# Both targets: the chaos suite on Docker, then the experiments that run on Kubernetes.
test: unit chaos chaos-k8s

# One experiment: make experiment E=smoke
experiment: deps docker
	@test -n "$(E)" || { echo "usage: make experiment E=<name>   (experiments/<name>.chaos.ts)"; exit 2; }
	$(JEST) --selectProjects chaos --runInBand experiments/$(E).chaos.ts

bench: deps docker
	npx ts-node --transpile-only bench/cluster.bench.ts
	npx ts-node --transpile-only bench/engine.bench.ts

# Kubernetes figures (make k8s from stopped and running, image moves, bring-up, memory, teardown) into reports/bench.json.
bench-k8s: deps docker k8s
	npx ts-node --transpile-only bench/k8s.bench.ts

# Only the engine figures (sustained rate with/without probes, calibration error).
bench-engine: deps docker
	npx ts-node --transpile-only bench/engine.bench.ts

# The chaos suite SOAK_RUNS times in a row (default 3), SOAK_HOG=1 with a busy loop on one core
# beside it, SOAK_FILES="experiments/a.chaos.ts ..." for some files: reports/soak.{json,md} (soak-hog.* with the hog).
soak: deps docker
	npx ts-node --transpile-only bench/soak.ts

# Every known regression on every release it names, and the default release (outside `make test`:
# it builds the releases it lacks): reports/vet-matrix.json and a table. RELEASES=23.0.0,23.0.2 for some.
vet-matrix: deps docker
	npx ts-node --transpile-only harness/cli/main.ts vet-matrix $(if $(RELEASES),--releases $(RELEASES))

# Removes every container and network any run left, and the single-node Kubernetes (images and
# built binaries stay; `make clean-images` drops the images).
clean: deps
	npx ts-node --transpile-only harness/cli/main.ts cleanup
	./docker/k8s/stop-k8s.sh

clean-images: deps
	npx ts-node --transpile-only harness/cli/main.ts cleanup --images

# One row of the compatibility matrix (docker/README.md) for the selected version:
#   make compat VITESS_CHAOS_VITESS=23.0.3
compat: deps docker
	npx ts-node --transpile-only bench/compat.ts

# --- The command line: run with reports, vet two versions, re-render, look at a report ---
.PHONY: list run vet report report-shot

list: deps
	@npx ts-node --transpile-only harness/cli/main.ts list

# Experiments by name with an HTML report per run: make run E="empty-vschema int-sequence"
run: deps docker
	@test -n "$(E)" || { echo "usage: make run E=\"<experiment> ...\"   (make list shows them)"; exit 2; }
	npx ts-node --transpile-only harness/cli/main.ts run $(E)

# make vet BASELINE=24.0.3 CANDIDATE=23.0.0 [E=empty-vschema] [REPEAT=3]
vet: deps docker
	@test -n "$(BASELINE)" -a -n "$(CANDIDATE)" || { echo "usage: make vet BASELINE=<version> CANDIDATE=<version> [E=\"<experiment> ...\"] [REPEAT=n]"; exit 2; }
	npx ts-node --transpile-only harness/cli/main.ts vet --baseline $(BASELINE) --candidate $(CANDIDATE) --repeat $(or $(REPEAT),3) $(E)

# (Re)writes reports/<run-id>/report.html: make report RUN=reports/<run-id>
report: deps
	@test -n "$(RUN)" || { echo "usage: make report RUN=reports/<run-id>"; exit 2; }
	npx ts-node --transpile-only harness/cli/main.ts report $(RUN)

# Screenshot of a run's report in headless Chromium: make report-shot RUN=reports/<run-id> [SHOT=/tmp/report.png]
report-shot: deps
	@test -n "$(RUN)" || { echo "usage: make report-shot RUN=reports/<run-id> [SHOT=/tmp/report.png]"; exit 2; }
	npx ts-node --transpile-only harness/cli/main.ts report $(RUN)
	bench/screenshot.sh $(RUN) $(or $(SHOT),/tmp/report.png)
