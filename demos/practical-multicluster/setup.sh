#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Run this before presenting the workshop, from its directory: ./setup.sh
# It builds six of the seven clusters of clusters/workshop (smiley is made
# live) and sets up where the workshop starts:
#   faces     the whole of Faces, its GUI exported to cdn through the gateway
#   color     only color, green
#   color-b   only color, blue
#   faces-dr  Faces but smiley, which comes from smiley-dr pod-to-pod
#   smiley-dr only smiley, screaming, exported to its group
#   cdn       the "CDN": nginx in front of faces-gui, routed to faces
# Run it again at any time: what exists is kept.
set -euo pipefail
cd "$(dirname "$0")"

localcluster up ../../clusters/workshop cdn faces color color-b faces-dr smiley-dr
localcluster status --wait 10m ../../clusters/workshop cdn faces color color-b faces-dr smiley-dr

# faces: everything, with the GUI mirrored to cdn through faces's gateway.
kubectl --context faces apply -f k8s/namespace.yaml
helm upgrade --install --kube-context faces -n faces faces ../charts/faces \
  --set-string 'gui.serviceLabels.mirror\.linkerd\.io/exported=true'

# color and color-b: only color, green and blue.
kubectl --context color apply -f k8s/namespace.yaml
helm upgrade --install --kube-context color -n faces faces ../charts/faces \
  --set gui.enabled=false --set face.enabled=false --set smiley.enabled=false \
  --set color.color=green
kubectl --context color-b apply -f k8s/namespace.yaml
helm upgrade --install --kube-context color-b -n faces faces ../charts/faces \
  --set gui.enabled=false --set face.enabled=false --set smiley.enabled=false \
  --set color.color=blue

# smiley-dr: only smiley, screaming, mirrored pod-to-pod to the dr group.
kubectl --context smiley-dr apply -f k8s/namespace.yaml
helm upgrade --install --kube-context smiley-dr -n faces faces ../charts/faces \
  --set gui.enabled=false --set face.enabled=false --set color.enabled=false \
  --set smiley.smiley=Screaming \
  --set-string 'smiley.serviceLabels.mirror\.linkerd\.io/exported=remote-discovery'

# faces-dr: Faces whose face calls smiley-dr's smiley, mirrored pod-to-pod
# as smiley-smiley-dr. Its GUI is exported to cdn live, during the workshop.
kubectl --context faces-dr apply -f k8s/namespace.yaml
kubectl --context faces-dr wait -n faces --for=create svc/smiley-smiley-dr --timeout=5m
helm upgrade --install --kube-context faces-dr -n faces faces ../charts/faces \
  --set smiley.enabled=false --set face.smileyService=smiley-smiley-dr

# cdn: the route that sends Faces to the faces cluster, then the CDN in
# front of it (nginx looks its upstream up when it starts).
kubectl --context cdn apply -f k8s/namespace.yaml
kubectl --context cdn wait -n faces --for=create svc/faces-gui-faces --timeout=5m
kubectl --context cdn apply -f k8s/cdn/faces-gui.yaml
kubectl --context cdn apply -f k8s/cdn/cdn.yaml

kubectl --context faces rollout status -n faces deploy --timeout=5m
kubectl --context color rollout status -n faces deploy --timeout=5m
kubectl --context color-b rollout status -n faces deploy --timeout=5m
kubectl --context smiley-dr rollout status -n faces deploy --timeout=5m
kubectl --context faces-dr rollout status -n faces deploy --timeout=5m
kubectl --context cdn rollout status -n cdn deploy/cdn --timeout=5m
