#!/usr/bin/env bash
# npm for the softphone's JsSIP bundle (mk/web.mk). Debian 12's `npm` package goes
# with Debian's `nodejs`; a nodejs from NodeSource ships npm itself and conflicts with
# Debian's, so the package is installed only when no npm command is there yet.
set -euo pipefail
if ! command -v npm >/dev/null 2>&1; then
    echo "installing Debian packages: npm"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends npm
fi
