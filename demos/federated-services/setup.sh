#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Run this before presenting the workshop, from its directory: ./setup.sh
# It builds the three clusters of clusters/ (one group, linked pod-to-pod)
# and installs Faces: all of it in central, with a grinning smiley; only a
# smiley in north (heart eyes) and south (sleeping). No smiley has joined
# the federation yet: the workshop does that live.
# Run it again at any time: what exists is kept.
set -euo pipefail
cd "$(dirname "$0")"

localcluster up clusters
localcluster status --wait 10m clusters

kubectl --context central apply -f k8s/namespace.yaml
helm upgrade --install --kube-context central -n faces faces ../charts/faces \
  --set gui.serviceType=LoadBalancer
kubectl --context north apply -f k8s/namespace.yaml
helm upgrade --install --kube-context north -n faces faces ../charts/faces \
  --set gui.enabled=false --set face.enabled=false --set color.enabled=false \
  --set smiley.smiley=HeartEyes
kubectl --context south apply -f k8s/namespace.yaml
helm upgrade --install --kube-context south -n faces faces ../charts/faces \
  --set gui.enabled=false --set face.enabled=false --set color.enabled=false \
  --set smiley.smiley=Sleeping

kubectl --context central rollout status -n faces deploy --timeout=5m
kubectl --context north rollout status -n faces deploy --timeout=5m
kubectl --context south rollout status -n faces deploy --timeout=5m
