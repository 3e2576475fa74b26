# localcluster. `make test` builds everything the tests need from nothing:
# the real kube-apiserver and etcd the Kubernetes tests run against, the
# tiny local image that stands in for kind/k3d nodes in the Docker tests, and
# headless Chromium for the status picture test.

GO       ?= go
BIN      := bin
LINT     := $(BIN)/golangci-lint
LINT_VERSION := v2.15.0
TEST_TIMEOUT ?= 40m

.PHONY: all build install test unit vet lint fmt-check bench fmt clean

all: build

# Static builds: the image cache runs the binary itself in a one-file image.
build:
	CGO_ENABLED=0 $(GO) build -o $(BIN)/localcluster ./localcluster

install:
	CGO_ENABLED=0 $(GO) install ./localcluster

include mk/testbin.mk
include mk/testimage.mk
include mk/e2e.mk
include mk/fuzz.mk
include mk/chromium.mk
include mk/faults.mk

# The whole suite: formatting, vet (also the e2e files, which need real node
# images and only compile here) and lint, a short run of every fuzz target,
# then every test against the real engines.
test: testbin testimage chromium fmt-check vet lint fuzz-short
	$(GO) test -timeout $(TEST_TIMEOUT) ./...

# Unit tests only: no Docker, no API servers.
unit:
	$(GO) test -short ./...

vet:
	$(GO) vet ./...
	$(GO) vet -tags e2e ./...
	$(GO) vet -tags e2elocal ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Several worktrees (or a test run beside an editor's) may lint at once;
# golangci-lint would otherwise refuse the second run.
lint: $(LINT)
	$(LINT) run --allow-parallel-runners --build-tags e2elocal ./...

$(LINT):
	GOBIN=$(abspath $(BIN)) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(LINT_VERSION)

# Benchmarks print figures (wall time, memory); they assert nothing about
# speed.
bench: testbin testimage
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf $(BIN)
