# Fuzzing. Each target is "package:FuzzName"; the seeds are the package's
# testdata (and testdata/fuzz/<FuzzName>, where the inputs that once failed
# are kept, and which plain `go test` runs every time).
#
# `make fuzz-short` (part of `make test`) fuzzes each target for
# FUZZ_SHORT; `make fuzz` for FUZZ_LONG. Minimising each new input is capped
# so that a short run spends its time fuzzing. Go's fuzzer sometimes ends a
# timed run with "context deadline exceeded" and no failing input; that is
# its own hiccup, not a finding, and is reported as such.

FUZZ_TARGETS := \
	./internal/definition:FuzzLoadFile \
	./internal/definition:FuzzParseSubnetID \
	./internal/definition:FuzzCheckImage \
	./internal/addrplan:FuzzCompute \
	./internal/kubeconfig:FuzzTreeEditor
FUZZ_SHORT ?= 10s
FUZZ_LONG  ?= 10m

.PHONY: fuzz fuzz-short

fuzz-short:
	@$(MAKE) --no-print-directory fuzz-run FUZZTIME=$(FUZZ_SHORT)

fuzz:
	@$(MAKE) --no-print-directory fuzz-run FUZZTIME=$(FUZZ_LONG)

.PHONY: fuzz-run
fuzz-run:
	@set -e; log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name ($$pkg) for $(FUZZTIME)"; \
		if ! $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 100x $$pkg >"$$log" 2>&1; then \
			if grep -q 'context deadline exceeded' "$$log" && [ -z "$$(git status --porcelain --untracked-files=all -- $$pkg/testdata/fuzz/$$name)" ]; then \
				echo "fuzz $$name: go's fuzzer reported its own deadline at the end of the run and saved no failing input; not a failure"; \
			else \
				cat "$$log"; echo "fuzz $$name failed: the input is in $$pkg/testdata/fuzz/$$name; fix the code and keep the file as a seed"; exit 1; \
			fi; \
		fi; \
		grep -E '^fuzz: elapsed' "$$log" | tail -n 1; \
	done
