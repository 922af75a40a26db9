#!/bin/bash
# A UPnP IGD that grants only permanent leases (U-5.8): it answers 725
# OnlyPermanentLeasesSupported to an AddPortMapping with a lease.  No router
# here does (neither Debian's miniupnpd nor portctld), so
# fake_igd_permanent.py plays one, on loopback.  libportctl must ask again
# with lease 0, report the mapping granted, and on delete remove it with
# DeletePortMapping (a permanent mapping is the program's to delete).
. "$(dirname "$0")/lib.sh"
[ -x "$UPNP_DRIVE" ] || fail "upnp_drive is not built"
PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no $PY"; exit 77; }
A=127.31.0.14
H=$((20000 + ($$ + 71) % 20000))
$PY "$(dirname "$0")/fake_igd_permanent.py" $A $H "$TMP/igd.log" 30 &
PIDS+=($!)
for _ in $(seq 50); do
	ss -Htln "sport = :$H" | grep -q . && ss -Hunl "sport = :1900" |
		grep -qF "$A:1900" && break
	sleep 0.1
done
out=$("$UPNP_DRIVE" -s $A -P upnp -t 8 map tcp 8080 3600 delete 2>"$TMP/err") ||
	fail "upnp_drive failed: $out $(cat "$TMP/err")"
echo "$out"
grep -q "^map event=granted proto=upnp ext=198.51.100.7 port=8080 .* upnp=1 server=$A:$H" <<<"$out" ||
	fail "not granted through the IGD: $out"
grep -q "^delete event=deleted proto=upnp" <<<"$out" || fail "not deleted: $out"
# What the IGD was asked, in order: a lease, refused; lease 0; the delete.
got=$(grep -oE "^(AddPortMapping|DeletePortMapping)|NewLeaseDuration=[0-9]+" "$TMP/igd.log" | tr '\n' ' ')
[ "$got" = "AddPortMapping NewLeaseDuration=3600 AddPortMapping NewLeaseDuration=0 DeletePortMapping " ] ||
	fail "the IGD was asked: $got"
echo "ok: 725 -> lease 0 -> DeletePortMapping on delete"
