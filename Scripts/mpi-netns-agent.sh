#!/usr/bin/env bash
# Open MPI's launcher for the hosts of Scripts/mpi-hosts.sh, used in place of ssh
# (`--mca plm_rsh_agent`): `mpi-netns-agent.sh HOST COMMAND…` runs COMMAND as ssh would on
# HOST (its words joined and read by a shell), inside HOST's network namespace and with HOST as
# the host name. Only the hosts that mpi-hosts.sh made are accepted.
set -euo pipefail
host=${1:?usage: mpi-netns-agent.sh HOST COMMAND...}
shift
case "$host" in
    heed-[a-z]) ;;
    *) echo "mpi-netns-agent.sh: $host is not one of the hosts made by mpi-hosts.sh (heed-a, heed-b, ...)" >&2; exit 255 ;;
esac
ip netns list | grep -qw "^$host" || { echo "mpi-netns-agent.sh: no network namespace $host (run mpi-hosts.sh up)" >&2; exit 255; }
exec ip netns exec "$host" unshare --uts /bin/sh -c "hostname $host && $*"
