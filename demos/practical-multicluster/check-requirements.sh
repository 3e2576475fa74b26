# SPDX-License-Identifier: Apache-2.0
#
# Imported by README.md before anything runs. demosh opens imports relative
# to the directory it starts in: run `demosh README.md` from this directory.
#
# From here on, demosh stops at the first command that fails.
set -e

command -v localcluster >/dev/null || { echo "localcluster is not on PATH: run 'go install ./localcluster' in the repository" >&2; exit 1; }
command -v kubectl >/dev/null || { echo "kubectl is not on PATH" >&2; exit 1; }
command -v helm >/dev/null || { echo "helm is not on PATH" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "Docker is not reachable: start it first" >&2; exit 1; }
localcluster status --wait 2m ../../clusters/workshop cdn faces color color-b faces-dr smiley-dr >/dev/null || { echo "the lab is not ready: run ./setup.sh first" >&2; exit 1; }
