# Fault injection, exhaustively: TestKillConvergence kills create, linkerd,
# group and link (one lab) and up (a second lab) with SIGKILL at every step
# of their plans in turn, then runs each to the end and checks that it
# converged. `make test` runs a sample of kill points (seed in the log).
# The last line of the log gives the figures.

.PHONY: faults
faults: testbin testimage
	LOCALCLUSTER_FAULTS=all $(GO) test -count=1 -timeout 90m -run '^TestKillConvergence$$' -v ./internal/app
