#!/usr/bin/env bash
# MBROLA + the bot's French voice fr1 (espeak-ng's mb-fr1), and the test callers'
# voices, never the bot's: fr4, fr2 (French), us1, en1 (English). Debian contrib/non-free.
# Installed with a private, temporary apt sources list (same mirror as the
# machine's own sources): the machine's apt configuration is left unchanged.
# Idempotent; run as root by scripts/setup-system.sh.
set -euo pipefail

packages=(mbrola mbrola-fr1 mbrola-fr4 mbrola-fr2 mbrola-us1 mbrola-en1)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
for p in "${packages[@]}"; do
    installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    mirror=$(awk '/^URIs:/ {for (i = 2; i <= NF; i++) if ($i !~ /security/) {print $i; exit}}' "$f")
    [ -n "$mirror" ] && break
done
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lists/partial" "$tmp/archives/partial"
echo "deb $mirror $suite main contrib non-free" > "$tmp/sources.list"
apt_opts=(
    -o "Dir::Etc::sourcelist=$tmp/sources.list"
    -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$tmp/lists"
    -o "APT::Get::List-Cleanup=0"
)
export DEBIAN_FRONTEND=noninteractive
echo "installing ${missing[*]} from $mirror $suite contrib/non-free (private sources list)"
apt-get "${apt_opts[@]}" update -qq
apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}"
