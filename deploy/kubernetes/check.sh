#!/bin/sh
# Renders every overlay with `kubectl kustomize` and parses each object strictly into fabric8's typed
# Kubernetes model (kubernetes-manifests/KustomizeRenderTest). Installs kubectl from the distribution's
# packages when it is missing (needs root there); the main build (`./mvnw -B verify`) needs only a JDK.
set -eu
cd "$(dirname "$0")/../.."
if ! command -v kubectl >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "kubectl is missing and installing it needs root: apt-get install kubectl" >&2
    exit 1
  fi
  apt-get update -q
  # kubectl where a Kubernetes package source is configured, else Debian's own kubernetes-client
  apt-get install -y -q kubectl || apt-get install -y -q kubernetes-client
fi
kubectl version --client
exec ./mvnw -B verify -f kubernetes-manifests/pom.xml "$@"
