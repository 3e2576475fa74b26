#!/usr/bin/env bash
# Builds the kind node image that the local end-to-end tests (make e2e-local)
# create real clusters from, on a machine with no container registry: only
# Debian's packages and the Go module proxy are needed.
#
#   - the node's root file system: Debian (debootstrap) with systemd,
#     containerd, runc, the CNI plugins and iptables, laid out as kind's own
#     base image is (systemd units, /kind/version, /kind/manifests), with
#     this folder's files/ on top;
#   - kubelet, kubeadm and kubectl, and the control-plane commands, built
#     from the k8s.io/kubernetes module (kube-apiserver and etcd come from
#     hack/testbin/build.sh, which the other tests use too);
#   - the images kubeadm runs (control plane, etcd, kube-proxy, pause,
#     CoreDNS) and the busybox image the tests and the node's CNI installer
#     run, each made from one binary (plus iptables for kube-proxy) and
#     imported into the node's containerd under the names kubeadm asks for.
#
# Everything is cached under ${LOCALCLUSTER_NODEIMAGE_CACHE:-~/.cache/localcluster/nodeimage};
# the image is tagged with a hash of this folder, so a second run only checks
# that it exists. On success the image name is printed on stdout; progress
# goes to stderr. Needs root (debootstrap, image assembly), Docker, go, gcc.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
# shellcheck source=../lib/kubemodule.sh
source "${HERE}/../lib/kubemodule.sh"

# Keep K8S_VERSION in step with hack/testbin/build.sh, whose kube-apiserver
# and etcd the node runs.
readonly K8S_VERSION=v1.36.3
readonly SUITE=bookworm
readonly MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
readonly PACKAGES=(systemd systemd-sysv dbus containerd runc containernetworking-plugins
  iptables iproute2 conntrack ethtool socat kmod procps util-linux mount
  ca-certificates libseccomp2)
# The image the tests run in pods; the node's CNI installer runs it too
# (files/kind/manifests/default-cni.yaml names it).
readonly POD_IMAGE=localcluster.test/busybox:e2e
readonly KUBE_COMMANDS=(kubelet kubeadm kubectl kube-controller-manager kube-scheduler kube-proxy)

readonly CACHE="${LOCALCLUSTER_NODEIMAGE_CACHE:-${HOME}/.cache/localcluster/nodeimage}"

export GOTOOLCHAIN=local
export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0

log() { printf 'nodeimage: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# recipe_hash names the image after everything that goes into it.
recipe_hash() {
  (cd "${HERE}" && find . ../lib -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
    sha256sum | cut -c1-12
}

need() {
  local tool="$1" pkg="${2:-$1}"
  command -v "${tool}" >/dev/null && return 0
  [[ ${EUID} -eq 0 ]] || die "${tool} is missing; install Debian's ${pkg} (needs root)"
  log "installing Debian's ${pkg}"
  apt-get install -y -qq "${pkg}" >/dev/null 2>&1 || {
    apt-get update -qq && apt-get install -y -qq "${pkg}" >/dev/null
  } || die "cannot install ${pkg}"
}

# rootfs prints the path of the cached Debian root file system tarball,
# making it first if needed.
rootfs() {
  local key out
  key="$(printf '%s\n' "${SUITE}" "${PACKAGES[@]}" | sha256sum | cut -c1-12)"
  out="${CACHE}/rootfs/${SUITE}-${key}.tar"
  if [[ ! -f "${out}" ]]; then
    need debootstrap
    local dir="${WORK}/debootstrap" start="${SECONDS}"
    log "debootstrap ${SUITE} with ${PACKAGES[*]} (takes a few minutes)"
    debootstrap --variant=minbase --include="$(IFS=,; echo "${PACKAGES[*]}")" \
      "${SUITE}" "${dir}" "${MIRROR}" >"${WORK}/debootstrap.log" 2>&1 ||
      { tail -20 "${WORK}/debootstrap.log" >&2; die "debootstrap failed"; }
    rm -rf "${dir}"/var/cache/apt/archives/*.deb "${dir}"/var/lib/apt/lists/* \
      "${dir}"/usr/share/{doc,man,locale,info}/*
    mkdir -p "$(dirname "${out}")"
    tar -C "${dir}" --numeric-owner -cf "${out}.tmp" .
    mv -f "${out}.tmp" "${out}"
    rm -rf "${dir}"
    log "made the Debian root file system in $((SECONDS - start))s"
  fi
  printf '%s\n' "${out}"
}

# kube_binaries prints the folder holding the Kubernetes commands the node
# needs, building them first in one go build (they share most packages).
kube_binaries() {
  local dir="${CACHE}/kube/${K8S_VERSION}" missing=() c
  for c in "${KUBE_COMMANDS[@]}"; do
    [[ -x "${dir}/${c}" ]] || missing+=("k8s.io/kubernetes/cmd/${c}")
  done
  if ((${#missing[@]})); then
    local mod="${WORK}/kube" start="${SECONDS}"
    kube_module "${mod}" localcluster.test/nodeimage/kube "${K8S_VERSION}" || die "cannot write the module that builds Kubernetes"
    log "building ${missing[*]##*/} ${K8S_VERSION} (takes several minutes)"
    mkdir -p "${mod}/out" "${dir}"
    (cd "${mod}" && go build -trimpath -ldflags "$(kube_ldflags "${K8S_VERSION}")" -o out/ "${missing[@]}") ||
      die "building Kubernetes ${K8S_VERSION} failed (see above)"
    for c in "${missing[@]##*/}"; do mv -f "${mod}/out/${c}" "${dir}/${c}"; done
    log "built them in $((SECONDS - start))s"
  fi
  printf '%s\n' "${dir}"
}

# coredns prints the path of a CoreDNS binary with the plugins kubeadm's
# Corefile uses, built from CoreDNS's module at version $1.
coredns() {
  local version="$1" out="${CACHE}/coredns/$1/coredns"
  if [[ ! -x "${out}" ]]; then
    local mod="${WORK}/coredns" start="${SECONDS}" p
    mkdir -p "${mod}" "$(dirname "${out}")"
    printf 'module localcluster.test/nodeimage/coredns\n\ngo 1.26\n\nrequire github.com/coredns/coredns %s\n' \
      "${version}" >"${mod}/go.mod"
    {
      printf '// Command coredns is CoreDNS with the plugins of kubeadm'"'"'s Corefile.\npackage main\n\nimport (\n'
      for p in cache errors forward health kubernetes loadbalance loop metrics ready reload; do
        printf '\t_ "github.com/coredns/coredns/plugin/%s"\n' "${p}"
      done
      printf '\n\t"github.com/coredns/coredns/coremain"\n)\n\nfunc main() { coremain.Run() }\n'
    } >"${mod}/main.go"
    log "building CoreDNS ${version}"
    (cd "${mod}" && go build -trimpath -ldflags "-s -w" -o "${out}.tmp" .) || die "building CoreDNS ${version} failed (see above)"
    mv -f "${out}.tmp" "${out}"
    log "built CoreDNS in $((SECONDS - start))s"
  fi
  printf '%s\n' "${out}"
}

# pause prints the path of the pause binary, compiled from the C source in
# the k8s.io/kubernetes module.
pause() {
  local version="$1" out="${CACHE}/pause/$1/pause"
  if [[ ! -x "${out}" ]]; then
    need gcc
    local src
    src="$(go mod download -json "k8s.io/kubernetes@${K8S_VERSION}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')/build/pause/linux/pause.c"
    [[ -f "${src}" ]] || die "no pause source at ${src}"
    mkdir -p "$(dirname "${out}")"
    gcc -Os -Wall -static -DVERSION="v${version}" -o "${out}.tmp" "${src}" || die "compiling pause failed"
    strip "${out}.tmp"
    mv -f "${out}.tmp" "${out}"
  fi
  printf '%s\n' "${out}"
}

# busybox prints the path of Debian's statically linked busybox.
busybox() {
  local out="${CACHE}/busybox/busybox"
  if [[ ! -x "${out}" ]]; then
    local dir="${WORK}/busybox"
    mkdir -p "${dir}" "$(dirname "${out}")"
    (cd "${dir}" && { apt-get download busybox-static >/dev/null 2>&1 ||
      { apt-get update -qq && apt-get download busybox-static >/dev/null; }; }) || die "cannot download busybox-static"
    dpkg-deb -x "${dir}"/busybox-static_*.deb "${dir}/pkg"
    cp "${dir}/pkg/bin/busybox" "${out}"
  fi
  printf '%s\n' "${out}"
}

# shellcheck source=images.sh
. "${HERE}/images.sh"

main() {
  command -v go >/dev/null || die "go is not on PATH"
  command -v docker >/dev/null || die "docker is not on PATH"
  need flock util-linux
  mkdir -p "${CACHE}"
  local image
  image="localcluster.test/kind-node:${K8S_VERSION}-$(recipe_hash)"
  if ! docker image inspect "${image}" >/dev/null 2>&1; then
    exec 9>"${CACHE}/build.lock"
    flock -n 9 || { log "another build holds ${CACHE}/build.lock; waiting"; flock 9; }
    if ! docker image inspect "${image}" >/dev/null 2>&1; then
      WORK="$(mktemp -d "${TMPDIR:-/tmp}/localcluster-nodeimage.XXXXXX")"
      # shellcheck disable=SC2064 # expand WORK now
      trap "rm -rf '${WORK}'" EXIT
      build_node_image "${image}"
    fi
  fi
  printf '%s\n' "${image}"
}

main "$@"
