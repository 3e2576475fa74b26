#!/usr/bin/env bash
# Builds localcluster-testnode:busybox, a tiny local image that stands in for a
# kind/k3d node in integration tests. There is no registry to pull from, so the
# image is imported from a tarball holding Debian's statically linked busybox.
# Idempotent: does nothing when the image already exists (FORCE=1 rebuilds).
set -euo pipefail

IMAGE="${IMAGE:-localcluster-testnode:busybox}"
APPLETS=(sh ash ip ping ping6 sleep cat echo ls grep sed awk true false
	ifconfig route sysctl hostname ps kill mkdir rm wc head tail env id uname
	nc wget printf test tr cut sort)

old_id="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
if [[ -n "$old_id" && "${FORCE:-0}" != 1 ]]; then
	echo "image $IMAGE already present"
	exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(
	cd "$work"
	# apt-get download needs package lists; refresh them only when it fails.
	if ! apt-get download busybox-static >/dev/null 2>&1; then
		[[ $EUID -eq 0 ]] || { echo "apt-get update needs root: run this as root" >&2; exit 1; }
		apt-get update -qq
		apt-get download busybox-static
	fi
)

deb="$(ls "$work"/busybox-static_*.deb)"
dpkg-deb -x "$deb" "$work/pkg"

root="$work/rootfs"
mkdir -p "$root/bin" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/etc"
cp "$work/pkg/bin/busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"
for applet in "${APPLETS[@]}"; do
	ln -sf busybox "$root/bin/$applet"
done
chmod 1777 "$root/tmp"
echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"

# Fail here rather than in a test if this busybox lacks something the tests use.
usage="$("$root/bin/busybox" ip 2>&1 || true)"
grep -q 'route .*replace' <<<"$usage" || { echo "busybox ip lacks 'route replace'" >&2; exit 1; }
grep -q 'addr add' <<<"$usage" || { echo "busybox ip lacks 'addr add'" >&2; exit 1; }
"$root/bin/busybox" ip -6 route show >/dev/null || { echo "busybox ip lacks '-6'" >&2; exit 1; }

tar -C "$root" --numeric-owner --owner=0 --group=0 -cf "$work/rootfs.tar" .
docker import \
	--change 'CMD ["/bin/sh"]' \
	--change 'ENV PATH=/bin' \
	--message "localcluster test node (busybox-static)" \
	"$work/rootfs.tar" "$IMAGE" >/dev/null
# A rebuild leaves the previous image untagged; drop it unless still in use.
if [[ -n "$old_id" && "$old_id" != "$(docker image inspect --format '{{.Id}}' "$IMAGE")" ]]; then
	docker image rm "$old_id" >/dev/null 2>&1 || true
fi
echo "built $IMAGE"
