#!/usr/bin/env bash
# Builds the kube-apiserver and etcd binaries that internal/testenv runs in
# integration tests. Only the Go module proxy is needed: each binary is built
# from a throwaway module in a temp dir. The result is cached in
#   ${LOCALCLUSTER_TESTBIN:-$HOME/.cache/localcluster/testbin}/<k8s>-<etcd>/
# and a second run does nothing. On success the two binary paths are printed,
# one per line, on stdout; progress goes to stderr.
#
# Keep the versions in step with internal/testenv/binaries.go.
set -euo pipefail

# shellcheck source=../lib/kubemodule.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/kubemodule.sh"

readonly K8S_VERSION=v1.36.3
readonly ETCD_VERSION=v3.6.16

readonly CACHE_ROOT="${LOCALCLUSTER_TESTBIN:-${HOME}/.cache/localcluster/testbin}"
readonly DEST="${CACHE_ROOT}/${K8S_VERSION}-${ETCD_VERSION}"
readonly APISERVER="${DEST}/kube-apiserver"
readonly ETCD="${DEST}/etcd"

# The dependencies' go.mod files name newer toolchains; never download one.
export GOTOOLCHAIN=local
export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0

log() { printf 'testbin: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

done_already() { [[ -x "${APISERVER}" && -x "${ETCD}" ]]; }

# new_module writes a throwaway module named $2 into dir $1 requiring $3.
new_module() {
  local dir="$1" name="$2" require="$3"
  mkdir -p "${dir}"
  printf 'module %s\n\ngo 1.26\n\nrequire %s\n' "${name}" "${require}" >"${dir}/go.mod"
}

build_apiserver() {
  local dir="$1/apiserver"
  kube_module "${dir}" localcluster.test/testbin/apiserver "${K8S_VERSION}" || die "cannot write the module that builds kube-apiserver"
  local ldflags
  ldflags="$(kube_ldflags "${K8S_VERSION}")"

  log "building kube-apiserver ${K8S_VERSION} (staging modules at $(kube_staging_version "${K8S_VERSION}"); takes a few minutes)"
  local start="${SECONDS}"
  (cd "${dir}" && go build -trimpath -ldflags "${ldflags}" -o "${APISERVER}.tmp" \
    k8s.io/kubernetes/cmd/kube-apiserver) || die "building kube-apiserver failed (see above)"
  mv -f "${APISERVER}.tmp" "${APISERVER}"
  log "built kube-apiserver in $((SECONDS - start))s"
}

build_etcd() {
  local dir="$1/etcd"
  new_module "${dir}" localcluster.test/testbin/etcd "go.etcd.io/etcd/server/v3 ${ETCD_VERSION}"
  # etcd's own go.mod replaces its sibling modules with directories; pin them to the same release.
  {
    printf '\nreplace (\n'
    local m
    for m in go.etcd.io/etcd/api/v3 go.etcd.io/etcd/client/pkg/v3 go.etcd.io/etcd/client/v3 go.etcd.io/etcd/pkg/v3; do
      printf '\t%s => %s %s\n' "${m}" "${m}" "${ETCD_VERSION}"
    done
    printf ')\n'
  } >>"${dir}/go.mod"

  log "building etcd ${ETCD_VERSION}"
  local start="${SECONDS}"
  (cd "${dir}" && go build -trimpath -ldflags "-s -w" -o "${ETCD}.tmp" go.etcd.io/etcd/server/v3) ||
    die "building etcd failed (see above)"
  mv -f "${ETCD}.tmp" "${ETCD}"
  log "built etcd in $((SECONDS - start))s"
}

main() {
  command -v go >/dev/null || die "go is not on PATH"
  command -v flock >/dev/null || die "flock is not on PATH (util-linux)"
  mkdir -p "${DEST}" || die "cannot create ${DEST}"

  if ! done_already; then
    # One build at a time; a run that waited finds the binaries and stops.
    exec 9>"${DEST}.lock"
    if ! flock -n 9; then
      log "another build holds ${DEST}.lock; waiting"
      flock 9
    fi
    if ! done_already; then
      local tmp
      tmp="$(mktemp -d "${TMPDIR:-/tmp}/localcluster-testbin.XXXXXX")"
      # shellcheck disable=SC2064 # expand tmp now
      trap "rm -rf '${tmp}'" EXIT
      [[ -x "${ETCD}" ]] || build_etcd "${tmp}"
      [[ -x "${APISERVER}" ]] || build_apiserver "${tmp}"
    fi
  fi
  printf '%s\n%s\n' "${APISERVER}" "${ETCD}"
}

main "$@"
