# shellcheck shell=bash
# Shared by the build scripts under hack/ that build Kubernetes commands from
# the k8s.io/kubernetes Go module. Source it; it defines functions only.
#
# k8s.io/kubernetes cannot be required as is: its go.mod replaces every
# staging module (k8s.io/api, k8s.io/apiserver, ...) with a ./staging/src
# directory that a module download does not have. A throwaway module that
# requires it and replaces each staging module with its published release
# (v0.<minor>.<patch> for Kubernetes v1.<minor>.<patch>) builds the commands.

# kube_staging_version prints the staging modules' version for Kubernetes $1.
kube_staging_version() { printf 'v0.%s\n' "${1#v1.}"; }

# kube_staging_modules prints the k8s.io modules that the go.mod of
# k8s.io/kubernetes@$1 replaces with a ./staging/src directory.
kube_staging_modules() {
  local gomod
  gomod="$(go mod download -json "k8s.io/kubernetes@$1" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
  if [[ -z "${gomod}" || ! -f "${gomod}" ]]; then
    printf 'cannot download the go.mod of k8s.io/kubernetes@%s (is the Go module proxy reachable?)\n' "$1" >&2
    return 1
  fi
  awk '$2 == "=>" && $3 ~ /^\.\/staging\/src\// { print $1 }' "${gomod}"
}

# kube_module writes into directory $1 a throwaway module named $2 that
# requires k8s.io/kubernetes at version $3 with every staging module
# replaced by its published release.
kube_module() {
  local dir="$1" name="$2" version="$3" mods m staging
  mods="$(kube_staging_modules "${version}")" || return 1
  if [[ -z "${mods}" ]]; then
    printf 'found no staging modules in the go.mod of k8s.io/kubernetes@%s\n' "${version}" >&2
    return 1
  fi
  staging="$(kube_staging_version "${version}")"
  mkdir -p "${dir}"
  {
    printf 'module %s\n\ngo 1.26\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "${name}" "${version}"
    for m in ${mods}; do
      printf '\t%s => %s %s\n' "${m}" "${m}" "${staging}"
    done
    printf ')\n'
  } >"${dir}/go.mod"
}

# kube_ldflags prints the -ldflags that stamp Kubernetes version $1 into a
# command, as the release build does; kubeadm and kubelet read it back.
kube_ldflags() {
  local pkg=k8s.io/component-base/version
  printf '%s' "-s -w -X ${pkg}.gitVersion=$1 -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=$(cut -d. -f2 <<<"$1")"
  printf '%s' " -X ${pkg}.gitCommit= -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}
