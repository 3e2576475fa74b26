// Package definition loads and validates lab definitions: one sma.yaml per
// cluster directory (kind SMA-cluster), an optional mc-values.yaml beside it,
// and an optional lab.yaml (kind SMA-lab) at the root of a given directory.
//
// The cluster format is the one the older Python tool reads, so existing
// workshop files load unchanged; localcluster adds a few optional fields
// (image, context, kubeconfig, gatewayLinks) and lab-wide settings.
//
// Parsing is strict and positional: every field is checked against the
// format, unknown or misspelled fields are reported with a suggestion, and
// every problem of every file comes back at once as Problems, each with the
// file, line and column it is about. Checks that need the address plan
// (subnet clashes, network fit) are not made here.
package definition
