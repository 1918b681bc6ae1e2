#!/bin/sh
# Checks the alert rules and runs their tests: `promtool check rules alerts.yml` and
# `promtool test rules alerts.test.yml`. Installs Debian's prometheus package (which carries promtool) as root
# when promtool is missing; the main build (`./mvnw -B verify`) needs only a JDK.
set -eu
cd "$(dirname "$0")"
if ! command -v promtool >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "promtool is missing and installing it needs root: apt-get install prometheus" >&2
    exit 1
  fi
  apt-get update -q && apt-get install -y -q --no-install-recommends prometheus
fi
promtool check rules alerts.yml
promtool test rules alerts.test.yml
