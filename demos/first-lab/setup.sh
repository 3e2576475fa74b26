#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Run this before presenting the workshop, from its directory: ./setup.sh
# It builds the two-cluster lab of clusters/east-west (clusters, routes,
# certificates, Linkerd, pod-to-pod links) and waits until it is healthy.
# Run it again at any time: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")"

localcluster up ../../clusters/east-west
localcluster status --wait 5m ../../clusters/east-west
