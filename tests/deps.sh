#!/bin/sh
# deps.sh BUILD-PKGS... -- TEST-PKGS...
# Installs the Debian packages otzone needs that are missing (as root,
# with apt-get), or names them and fails when not root.
set -u
missing=""
for p in "$@"; do
	[ "$p" = "--" ] && continue
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "otzone: missing Debian packages:$missing" >&2
	echo "otzone: run as root: apt-get install$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || { echo "otzone: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing </dev/null >/dev/null ||
	{ echo "otzone: apt-get install$missing failed" >&2; exit 1; }
echo "deps: installed$missing"
