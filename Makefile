# DreamLayer — `make run` sets up and opens the app, `make test` sets up and runs every test.
SHELL := /bin/bash
GO    ?= go
BIN   := build/bin
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X github.com/dreamlayer/dreamlayer/backend/version.Commit=$(COMMIT)
# webkit2_41 selects WebKitGTK 4.1 on Linux; other platforms ignore it.
DESKTOP_TAGS := desktop,production,webkit2_41
DEV_TAGS     := dev,webkit2_41

.PHONY: run test deps deps-test frontend bindings build build-dev engine-cuda ptx check-generated fmt vet clean

## run: install what is missing, build, and open DreamLayer
run: deps build
	./$(BIN)/dreamlayer

## test: install what is missing (test tools too) and run every suite
test: deps-test
	.ci/test-suites

deps:
	.ci/setup-deps

deps-test:
	.ci/setup-deps --test

## frontend: build the React UI into frontend/dist (embedded in the binary)
frontend:
	cd frontend && npm run build

## bindings: regenerate frontend/wailsjs from the bound Go methods
bindings: frontend
	$(GO) run -tags bindings .

## build: the production desktop binary
build: frontend
	CGO_ENABLED=1 $(GO) build -tags $(DESKTOP_TAGS) -ldflags "$(LDFLAGS)" -o $(BIN)/dreamlayer .

## build-dev: the dev binary that also serves the UI to a browser on 127.0.0.1:34115 (end-to-end tests)
build-dev: frontend
	CGO_ENABLED=1 $(GO) build -tags $(DEV_TAGS) -o $(BIN)/dreamlayer-dev .

## engine-cuda: the CUDA worker build/bin/dreamlayer-engine-cuda (the app runs it from its own folder);
## uses the installed CUDA toolkit's cuda.h and libcuda, else headers and stubs fetched by .ci/cuda-sdk
engine-cuda:
	eval "$$(.ci/cuda-sdk --if-needed)" && \
	CGO_ENABLED=1 $(GO) build -tags cuda -ldflags "$(LDFLAGS)" -o $(BIN)/dreamlayer-engine-cuda ./backend/cmd/dreamlayer-engine

## ptx: compile backend/engine/compute/cuda/kernels/*.cu to the committed sm80/sm90 PTX (needs nvcc 11.8:
## Debian 12 non-free nvidia-cuda-toolkit; no GPU needed)
ptx:
	.ci/ptx

fmt:
	gofmt -w $$(git ls-files '*.go')

vet: frontend
	$(GO) vet -tags $(DESKTOP_TAGS) ./...

clean:
	rm -rf $(BIN) frontend/dist
