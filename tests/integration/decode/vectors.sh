# Builders of PCP datagrams in hex for the decode tests (sourced), so that a
# vector reads like its layout in CHECKLIST section 2 (W-2..W-8).

# v4 A.B.C.D: an IPv4-mapped address field (W-1.2).
v4() {
	local IFS=.
	# shellcheck disable=SC2086
	printf '00000000000000000000ffff%02x%02x%02x%02x' $1
}

# u8/u16/u32 N: big-endian numbers.
u8() { printf '%02x' "$1"; }
u16() { printf '%04x' "$1"; }
u32() { printf '%08x' "$1"; }

# opt CODE DATAHEX: an option with its header and zero padding (W-7, W-7.1).
opt() {
	local data=$2 len=$((${#2} / 2))
	local pad=$(((4 - len % 4) % 4))
	printf '%02x00%04x%s' "$1" "$len" "$data"
	[ "$pad" -eq 0 ] || printf '00%.0s' $(seq 1 "$pad")
}

# req OPCODE LIFETIME CLIENT: common request header (W-2).
req() { printf '02%02x0000%s%s' "$1" "$(u32 "$2")" "$3"; }
# resp OPCODE RESULT LIFETIME EPOCH: common response header (W-3).
resp() { printf '02%02x00%02x%s%s%s' $((128 + $1)) "$2" "$(u32 "$3")" "$(u32 "$4")" 000000000000000000000000; }
# map NONCE PROTO IPORT EPORT EADDR: MAP opcode data (W-5).
map() { printf '%s%02x000000%s%s%s' "$1" "$2" "$(u16 "$3")" "$(u16 "$4")" "$5"; }
# peer NONCE PROTO IPORT EPORT EADDR RPORT RADDR: PEER opcode data (W-6).
peer() { printf '%s%s0000%s' "$(map "$1" "$2" "$3" "$4" "$5")" "$(u16 "$6")" "$7"; }

NONCE=0102030405060708090a0b0c
V6_CLIENT=20010db8000000000000000000000001 # 2001:db8::1
V6_PEER=20010db8000000010000000000000002   # 2001:db8:0:1::2
