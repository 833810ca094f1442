# pilotbed — see README.md. Every target works on a fresh machine with Go and Docker.
SHELL := /bin/bash
GO    ?= go
BIN   := bin
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
DEMO_IMAGE ?= pilotbed-demo:latest

.PHONY: all build run test test-short lint vet bench demo-image fuzz clean

all: build

build: ## Build bin/pilotbed
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/pilotbed ./cmd/pilotbed

demo-image: ## Build the demo candidate image locally (no registry needed)
	$(GO) run ./internal/testenv/cmd/demo-image -tag $(DEMO_IMAGE)

run: build demo-image ## Start a server with data in ./data and a running example pilot
	./scripts/run.sh

vet:
	$(GO) vet ./...

test: vet ## Vet and run every test with the race detector, Docker and browser tests included, then fuzz briefly
	$(GO) test -race -count=1 -timeout 25m ./...
	GO=$(GO) ./scripts/fuzz.sh 10s

test-short: ## Unit tests only, no Docker
	$(GO) test -short -count=1 ./...

lint: vet ## gofmt, staticcheck and the dependency-direction check
	@test -z "$$(gofmt -l .)" || { echo "not gofmt-clean:"; gofmt -l .; exit 1; }
	$(GO) tool staticcheck ./...
	$(GO) test -count=1 ./internal/arch/

fuzz: ## Run every fuzz target briefly (FUZZTIME=30s by default)
	./scripts/fuzz.sh $${FUZZTIME:-30s}

bench: build demo-image ## Measure the performance targets and write them into README.md
	./scripts/bench.sh

clean:
	rm -rf $(BIN)
