# shellcheck shell=bash
# Image assembly for hack/nodeimage/build.sh, which sources this file after
# defining log, die, WORK, the cache helpers and the versions.

# import_image makes image $1 from the folder $2 with the Dockerfile-style
# changes that follow (docker import, as there is no registry to build from).
import_image() {
  local name="$1" dir="$2" args=() c
  shift 2
  for c in "$@"; do args+=(--change "${c}"); done
  tar -C "${dir}" --numeric-owner --owner=0 --group=0 -cf - . |
    docker import "${args[@]}" --message "localcluster e2e (hack/nodeimage)" - "${name}" >/dev/null ||
    die "docker import of ${name} failed"
}

# stop_signal sets the signal `docker stop` sends to the containers of image
# $1 to $2. docker import refuses STOPSIGNAL, so the classic builder adds
# it (a metadata-only layer on the local image; nothing is pulled). kind's
# base image stops systemd with SIGRTMIN+3, its orderly shutdown; without
# it, systemd ignores docker stop's SIGTERM and is killed ten seconds later.
stop_signal() {
  printf 'FROM %s\nSTOPSIGNAL %s\n' "$1" "$2" |
    DOCKER_BUILDKIT=0 docker build --quiet --tag "$1" - >/dev/null 2>"${WORK}/stop-signal.log" ||
    { cat "${WORK}/stop-signal.log" >&2; die "cannot set the stop signal of $1"; }
}

# skeleton makes a minimal root file system in folder $1.
skeleton() {
  mkdir -p "$1"/{etc,tmp,usr/local/bin,dev,proc,sys}
  chmod 1777 "$1/tmp"
  echo 'root:x:0:0:root:/:/bin/sh' >"$1/etc/passwd"
  echo 'root:x:0:' >"$1/etc/group"
  echo 'hosts: files dns' >"$1/etc/nsswitch.conf"
}

# copy_with_libs copies the files $2... of the root file system $1 into the
# folder held in OUT, with the shared libraries they load (ldd, run in $1).
copy_with_libs() {
  local root="$1" f lib
  shift
  local files=("$@")
  for f in "$@"; do
    while read -r lib; do files+=("${lib}"); done < <(
      chroot "${root}" ldd "${f}" 2>/dev/null | grep -o '/[^ ]*' | sort -u)
  done
  tar -C "${root}" -chf - "${files[@]#/}" | tar -C "${OUT}" -xf - || die "copying ${*} failed"
}

# kube_proxy_root makes in $2 kube-proxy's root file system: the binary and
# the iptables (nf_tables) and conntrack commands it runs, from the node's
# Debian root $1.
kube_proxy_root() {
  local node="$1" OUT="$2" x
  skeleton "${OUT}"
  local xt=(/usr/sbin/xtables-nft-multi /usr/sbin/conntrack)
  for x in "${node}"/usr/lib/x86_64-linux-gnu/xtables/*.so; do xt+=("${x#"${node}"}"); done
  copy_with_libs "${node}" "${xt[@]}"
  for x in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    ln -sf xtables-nft-multi "${OUT}/usr/sbin/${x}"
  done
  install -m 0755 "${BIN[kube-proxy]}" "${OUT}/usr/local/bin/kube-proxy"
}

# component_images makes the images kubeadm and the node run and saves them,
# under the names kubeadm v${K8S_VERSION} asks for, into the archive $2.
# $1 is the node's root file system (for kube-proxy's iptables).
component_images() {
  local node="$1" archive="$2" ref names=() dir
  local path='ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin'
  while read -r ref; do
    [[ -n "${ref}" ]] || continue
    dir="${WORK}/images/${#names[@]}"
    case "${ref}" in
      */kube-apiserver:* | */kube-controller-manager:* | */kube-scheduler:* | */etcd:*)
        local cmd="${ref##*/}"
        cmd="${cmd%%:*}"
        skeleton "${dir}"
        install -m 0755 "${BIN[${cmd}]}" "${dir}/usr/local/bin/${cmd}"
        import_image "${ref}" "${dir}" "${path}"
        ;;
      */kube-proxy:*)
        kube_proxy_root "${node}" "${dir}"
        import_image "${ref}" "${dir}" "${path}"
        ;;
      */coredns:*)
        skeleton "${dir}"
        install -m 0755 "$(coredns "${ref##*:}")" "${dir}/coredns"
        import_image "${ref}" "${dir}" 'ENTRYPOINT ["/coredns"]'
        ;;
      */pause:*)
        skeleton "${dir}"
        install -m 0755 "$(pause "${ref##*:}")" "${dir}/pause"
        grep -qF "sandbox_image = \"${ref}\"" "${HERE}/files/etc/containerd/config.toml" ||
          die "files/etc/containerd/config.toml must name ${ref} as sandbox_image"
        import_image "${ref}" "${dir}" 'ENTRYPOINT ["/pause"]'
        ;;
      *) die "kubeadm asks for ${ref}, which this script does not know how to make" ;;
    esac
    names+=("${ref}")
  done < <("${BIN[kubeadm]}" config images list --kubernetes-version "${K8S_VERSION}")
  ((${#names[@]} >= 6)) || die "kubeadm listed only ${names[*]}"

  dir="${WORK}/images/busybox"
  mkdir -p "${dir}/bin"
  skeleton "${dir}"
  install -m 0755 "$(busybox)" "${dir}/bin/busybox"
  local applet
  for applet in $("${dir}/bin/busybox" --list); do
    [[ -e "${dir}/bin/${applet}" ]] || ln -s busybox "${dir}/bin/${applet}"
  done
  import_image "${POD_IMAGE}" "${dir}" 'ENV PATH=/bin' 'CMD ["/bin/sh"]'
  names+=("${POD_IMAGE}")

  log "made images ${names[*]}"
  docker save -o "${archive}" "${names[@]}" || die "docker save failed"
  docker image rm "${names[@]}" >/dev/null || log "warning: could not remove the component images from Docker"
}

# preload imports the image archive $2 into the containerd store of the root
# file system $1, for the node's containerd (the same Debian containerd) to
# find. A containerd of our own runs on the host for this, on its own socket
# and folders, and is stopped again. Layers are left packed; the node's
# containerd unpacks an image the first time a container needs it.
preload() {
  local root="$1" archive="$2" dir="${WORK}/containerd"
  need containerd
  mkdir -p "${dir}/state" "${dir}/opt" "${root}/var/lib/containerd"
  cat >"${dir}/config.toml" <<EOF
version = 2
root = "${root}/var/lib/containerd"
state = "${dir}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "${dir}/containerd.sock"
[ttrpc]
  address = "${dir}/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "${dir}/opt"
EOF
  containerd --config "${dir}/config.toml" >"${dir}/log" 2>&1 &
  local pid=$!
  local _
  for _ in $(seq 50); do
    [[ -S "${dir}/containerd.sock" ]] && break
    sleep 0.2
  done
  local ok=0
  ctr --address "${dir}/containerd.sock" -n k8s.io images import --no-unpack "${archive}" >&2 &&
    ctr --address "${dir}/containerd.sock" -n k8s.io images ls -q >"${dir}/images" && ok=1
  kill "${pid}"
  wait "${pid}" || true
  ((ok)) || { tail -20 "${dir}/log" >&2; die "importing the images into the node's containerd store failed"; }
  log "preloaded $(wc -l <"${dir}/images") images"
  # Only the store goes into the image; the host-side state does not.
  rm -rf "${root}/var/lib/containerd/io.containerd.snapshotter.v1."* "${root}/var/lib/containerd/tmpmounts"
}

# node_root lays the node's file system out in $1.
node_root() {
  local root="$1"
  mkdir -p "${root}"
  tar -C "${root}" --numeric-owner -xpf "$(rootfs)"
  cp -a "${HERE}/files/." "${root}/"
  local c
  for c in kubelet kubeadm kubectl; do install -m 0755 "${BIN[${c}]}" "${root}/usr/bin/${c}"; done
  printf '%s\n' "${K8S_VERSION}" >"${root}/kind/version"
  # /lib/modules: kube-proxy's pod mounts it from the node, which may have
  # none from the host (see the e2e test's docker shim).
  mkdir -p "${root}/etc/kubernetes/manifests" "${root}/etc/cni/net.d" "${root}/opt/cni" "${root}/usr/lib/modules"
  ln -sfn /usr/lib/cni "${root}/opt/cni/bin"
  # Units a container has no use for; the rest as kind's base image leaves
  # them. systemd-sysctl would write machine-wide kernel parameters.
  rm -f "${root}"/etc/systemd/system/*.wants/getty* "${root}"/etc/systemd/system/getty.target.wants/*
  systemctl --root="${root}" mask systemd-binfmt.service systemd-modules-load.service \
    systemd-udevd.service systemd-udev-trigger.service getty.target \
    systemd-sysctl.service >/dev/null 2>&1 || true
  systemctl --root="${root}" enable containerd.service kubelet.service >/dev/null 2>&1 ||
    die "cannot enable containerd and kubelet in the node"
  : >"${root}/etc/machine-id"
}

# build_node_image builds the node image $1.
build_node_image() {
  local image="$1" start="${SECONDS}"
  declare -gA BIN=()
  local kube c apiserver etcd
  kube="$(kube_binaries)"
  for c in "${KUBE_COMMANDS[@]}"; do BIN[${c}]="${kube}/${c}"; done
  { read -r apiserver; read -r etcd; } < <("${HERE}/../testbin/build.sh")
  BIN[kube-apiserver]="${apiserver}"
  BIN[etcd]="${etcd}"

  local root="${WORK}/node"
  node_root "${root}"
  component_images "${root}" "${WORK}/images.tar"
  preload "${root}" "${WORK}/images.tar"

  log "importing ${image}"
  import_image "${image}" "${root}" \
    'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' \
    'ENV container=docker'
  stop_signal "${image}" SIGRTMIN+3
  log "built ${image} in $((SECONDS - start))s"
  remove_old_images "${image}"
}

# remove_old_images removes the node images this script built before $1;
# those still in use by a container stay.
remove_old_images() {
  local ref
  while read -r ref; do
    [[ "${ref}" == "$1" ]] && continue
    docker image rm "${ref}" >/dev/null 2>&1 && log "removed the older ${ref}"
  done < <(docker image ls --format '{{.Repository}}:{{.Tag}}' "${1%:*}")
  return 0
}
