# Two commands do everything on a fresh clone: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
MOTO := $(VENV)/bin/moto_server
NODE_STAMP := node_modules/.install-stamp
# The functions run on Lambda's Node.js 22; the local tools also run on Node.js 20, where the AWS
# SDK prints a notice about its future minimum on every start.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED := true

.PHONY: run demo test lint typecheck unit infra sim integration permissions bench load synth cli clean deps browser

deps: $(NODE_STAMP) $(MOTO)

# A first start spends minutes here: each step says what it does, and pip names each package it
# fetches as it goes (unbuffered; its other chatter filtered out; pipefail keeps its failure a failure).
$(NODE_STAMP): package.json package-lock.json
	@echo "make: installing node modules (npm ci; on the first run or after a dependency change, about a minute)"
	npm ci --no-audit --no-fund
	@touch $@

$(MOTO): requirements-emulator.txt requirements-dev-python.txt
	@echo "make: installing the AWS emulator (moto, pinned in requirements-emulator.txt) and ruff into $(VENV)/ with pip; on the first run, a few minutes"
	$(PYTHON) -m venv $(VENV)
	@set -o pipefail; PYTHONUNBUFFERED=1 $(VENV)/bin/pip install --disable-pip-version-check -r requirements-emulator.txt -r requirements-dev-python.txt | sed -n -E 's/^(Collecting|Installing collected|Successfully installed)/  pip: \1/p'
	@touch $@
	@echo "make: emulator installed ($(MOTO))"

## Start Spillway locally on the embedded emulator; Ctrl-C stops everything it started.
run: deps
	npx tsx src/local/main.ts

## Play the scripted burst-and-drain scenario against the local runtime (starts it if needed).
demo: deps
	npx tsx scripts/demo.ts

## Lint, type-check and every test suite (unit, CDK assertions, simulation, integration against the
## emulator), then the permission proof over the AWS calls the integration suite recorded.
test: deps lint typecheck unit infra sim integration permissions

## Biome for TypeScript and JSON; ruff (ruff.toml) for the Python: the emulator's patches, their race test, scripts.
lint: $(NODE_STAMP) $(MOTO)
	npx biome check .
	$(VENV)/bin/ruff check --no-cache src scripts test
	$(VENV)/bin/ruff format --check --no-cache src scripts test

typecheck: $(NODE_STAMP)
	npx tsc --noEmit -p tsconfig.json

unit: $(NODE_STAMP)
	npx vitest run --project unit

infra: $(NODE_STAMP)
	npx vitest run --project infra

## The deterministic simulation of the control loop: SEEDS=N runs to explore (make test runs a
## fixed budget); SEED=<seed> SIM_PATH=<path> replays a failure it printed.
SEEDS ?= 150
sim: $(NODE_STAMP)
	SIM_SEEDS=$(SEEDS) $(if $(SEED),SIM_SEED=$(SEED)) $(if $(SIM_PATH),SIM_PATH=$(SIM_PATH)) npx vitest run --project sim

integration: deps browser
	npx vitest run --project integration

## Debian's Chromium (the status page test drives it with playwright-core, which downloads no
## browser) and promtool (from the prometheus package; checks /metrics), installed when missing.
## CHROMIUM_PATH names another Chromium; without root or apt-get, this says what to install.
browser:
	@if { [ -n "$$CHROMIUM_PATH" ] || command -v chromium >/dev/null; } && command -v promtool >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
	  echo "make browser: needs Debian's chromium (and prometheus for promtool): sudo apt-get install chromium prometheus" >&2; \
	  { [ -n "$$CHROMIUM_PATH" ] || command -v chromium >/dev/null; } || exit 1; exit 0; \
	fi; \
	echo "installing chromium and prometheus (promtool) with apt-get"; \
	apt-get update -qq; \
	{ [ -n "$$CHROMIUM_PATH" ] || command -v chromium >/dev/null; } || \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null || exit 1; \
	command -v promtool >/dev/null || \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null || \
	  echo "promtool not installed: the /metrics test skips its promtool check" 

## Every AWS call the functions made in the last integration run, and every call of the drain
## workflow, evaluated against the roles synthesised for dev, staging and prod.
permissions: $(NODE_STAMP)
	npx vitest run --project permissions

## Throughput, latency, bundle sizes and cold import times, printed as figures.
bench: deps
	npx tsx scripts/bench.ts

## 10,000 signals for 200 workloads through the local runtime; checks the end state.
load: deps
	npx tsx scripts/load.ts

## The operator CLI as one file (dist/spillway.mjs) that runs on Node.js alone; bin/spillway.mjs uses it.
cli: $(NODE_STAMP)
	npx tsx scripts/build-cli.ts

synth: $(NODE_STAMP)
	for env in dev staging prod; do npx cdk synth -q -c env=$$env -o cdk.out/$$env >/dev/null || exit 1; echo "synth $$env ok"; done

clean:
	rm -rf cdk.out .local dist
