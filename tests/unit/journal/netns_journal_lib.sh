# shellcheck shell=bash
# The start the journal's network-namespace tests share, sourced with the
# script's arguments (PORTCTLD PORTCTL UDP_ANSWER): tests/netns/lib.sh, the
# namespaces, a private directory T, and the cleanup of both at exit.
JLIB_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../netns/lib.sh
. "$JLIB_HERE/../../netns/lib.sh"
# shellcheck disable=SC2034 # read by lib.sh (netns_start_portctld)
PORTCTLD="${1:?usage: $0 PORTCTLD PORTCTL UDP_ANSWER}"
# shellcheck disable=SC2034 # read by the tests
PORTCTL="${2:?}"
# shellcheck disable=SC2034 # read by lib.sh (serve_ok)
UDP_ANSWER="${3:?}"
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }

netns_require_root
netns_setup || { echo "setup failed"; exit 1; }
T="$(mktemp -d)"
trap 'netns_cleanup; rm -rf "$T"' EXIT
