#!/usr/bin/env bash
# Installs the Debian packages listed in scripts/test-deps.txt that are not installed yet.
# Idempotent and quiet when everything is present; run by `npm test` (pretest) and by .ci/run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
missing=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < "$here/test-deps.txt"
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ "$(id -u)" != 0 ]]; then
  echo "install-test-deps: missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})" >&2
  exit 0
fi
echo "install-test-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Serialise with any concurrent installer (the litecoind test harness uses the same lock).
exec 9>/tmp/peerbook-apt.lock
flock 9
apt-get update -qq >&2
apt-get install -y -qq "${missing[@]}" >&2
