# portctld-uci.awk: translates OpenWrt's UCI file /etc/config/portctld into
# portctld.conf(5).  Run by the init script (portctld.init) at every start
# and reload:
#
#   awk -f portctld-uci.awk -v devices="lan=br-lan wan=eth1" /etc/config/portctld
#
# devices maps the logical networks the UCI file names (external_network,
# internal_network) to their devices; the init script resolves them with
# OpenWrt's network_get_device, so this file needs nothing of OpenWrt and
# the same text runs here (tests/package/test_openwrt_uci.sh, with gawk,
# mawk and busybox awk) and on the router (busybox awk).
#
# It reads the UCI file's syntax itself (config/option/list lines, quoted
# or bare values, comments): uci(1) is not packaged for Debian, and so the
# test exercises exactly what the router runs.  portctld -n judges the
# result; this script only refuses what it cannot translate, on stderr
# with the line number, exiting 1.
#
# Sections:
#   config portctld 'config'   the daemon: `enabled` is the init script's;
#     external_network NET     -> external-interface DEVICE
#     list internal_network N  -> internal-interface DEVICE (each)
#     list listen ADDR         -> listen ADDR (none: 0.0.0.0 and [::], which
#                                 serve the internal interfaces only)
#     any other option or list foo_bar V -> foo-bar V, with 0/1 written
#     no/yes for the directives that take a boolean
#   config rule                allow/deny lines, in file order:
#     action allow|deny, prefix P (default any), proto, port,
#     external_port           -> ACTION P [proto X] [port Y] [external-port Z]

function fail(msg) {
	printf "portctld-uci: %s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
	failed = 1
	exit 1
}

# The value words of a UCI line after its first two words: 'quoted',
# "quoted" or bare; sets nval and val[1..nval].
function values(line,    c, q, cur, i, n, started) {
	nval = 0
	cur = ""
	started = 0
	q = ""
	n = length(line)
	for (i = 1; i <= n; i++) {
		c = substr(line, i, 1)
		if (q != "") {
			if (c == q)
				q = ""
			else if (c == "\\" && q == "\"" && i < n)
				cur = cur substr(line, ++i, 1)
			else
				cur = cur c
		} else if (c == "'" || c == "\"") {
			q = c
			started = 1
		} else if (c == " " || c == "\t") {
			if (started)
				val[++nval] = cur
			cur = ""
			started = 0
		} else if (c == "#" && !started) {
			break
		} else {
			cur = cur c
			started = 1
		}
	}
	if (q != "")
		fail("unterminated quote")
	if (started)
		val[++nval] = cur
}

function device(net) {
	if (!(net in dev))
		fail("network '" net "' has no device (is it up?)")
	return dev[net]
}

function emit(line) {
	out[++nout] = line
}

function flush_rule(    s) {
	if (!in_rule)
		return
	if (rule["action"] != "allow" && rule["action"] != "deny")
		fail("rule at line " rule_line ": action must be allow or deny")
	s = rule["action"] " " (rule["prefix"] != "" ? rule["prefix"] : "any")
	if (rule["proto"] != "")
		s = s " proto " rule["proto"]
	if (rule["port"] != "")
		s = s " port " rule["port"]
	if (rule["external_port"] != "")
		s = s " external-port " rule["external_port"]
	emit(s)
	delete rule
	in_rule = 0
}

BEGIN {
	n = split(devices, pairs, " ")
	for (i = 1; i <= n; i++) {
		eq = index(pairs[i], "=")
		if (eq > 1)
			dev[substr(pairs[i], 1, eq - 1)] = substr(pairs[i], eq + 1)
	}
	split("natpmp map peer hairpin journal filter nat44 prefer-failure " \
	      "allow-self allow-any-interface multicast-announce " \
	      "third-party-id allow-all-protocols allow-all-ports " \
	      "upnp upnp-secure-mode", b, " ")
	for (i in b)
		boolean[b[i]] = 1
	section = ""
}

{
	sub(/^[ \t]+/, "")
	if ($0 == "" || substr($0, 1, 1) == "#")
		next
	kw = $1
	rest = substr($0, length(kw) + 1)
	if (kw == "config") {
		flush_rule()
		values(rest)
		section = val[1]
		if (section == "rule") {
			in_rule = 1
			rule_line = FNR
		} else if (section != "portctld") {
			fail("unknown section type '" section "'")
		}
		next
	}
	if (kw != "option" && kw != "list")
		fail("expected config, option or list, not '" kw "'")
	if (section == "")
		fail(kw " before any config section")
	values(rest)
	if (nval < 2)
		fail(kw " " val[1] ": no value")
	name = val[1]
	value = val[2]
	for (i = 3; i <= nval; i++)
		value = value " " val[i]
	if (section == "rule") {
		if (name !~ /^(action|prefix|proto|port|external_port|name)$/)
			fail("rule option '" name "' unknown")
		rule[name] = value
		next
	}
	if (name == "enabled")
		next
	if (name == "external_network") {
		emit("external-interface " device(value))
		next
	}
	if (name == "internal_network") {
		emit("internal-interface " device(value))
		next
	}
	if (name == "listen")
		listens++
	directive = name
	gsub(/_/, "-", directive)
	if (directive in boolean) {
		if (value == "1" || value == "yes" || value == "on" || value == "true")
			value = "yes"
		else if (value == "0" || value == "no" || value == "off" || value == "false")
			value = "no"
		else
			fail(name ": '" value "' is not a boolean")
	}
	emit(directive " " value)
}

END {
	if (failed)
		exit 1
	flush_rule()
	if (failed)
		exit 1
	print "# Generated from " FILENAME " by portctld-uci.awk at each start of"
	print "# portctld (/etc/init.d/portctld): edit that file, not this one."
	if (!listens) {
		print "listen 0.0.0.0"
		print "listen [::]"
	}
	for (i = 1; i <= nout; i++)
		print out[i]
}
