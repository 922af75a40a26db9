/*
 * cmd_decode.c - `portctl decode`: show every field of PCP and NAT-PMP
 * datagrams given in hex on the command line or stdin, or found in a pcap
 * file (UDP to or from ports 5350/5351), as text or as JSON lines.
 *
 * Dispatch is on octet 0, as a dual server does (6887 App. A, N-21, N-23):
 * 0 is NAT-PMP (request or response by the top bit of OP), anything else
 * goes to the PCP decoder, which says why a version it does not speak is
 * refused.  The decoders apply no server or client policy: decode what the
 * bytes say.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <portctl/wire.h>

#include "commands.h"
#include "hex.h"
#include "print.h"

/* Largest UDP payload (65535 - 8 octet UDP header); the PCP decoder itself
 * reports datagrams above PCTL_MAX_MSG (S-5). */
#define DECODE_MAX_DATAGRAM 65527

struct decode_state {
	struct printer pr;
	unsigned long count; /* datagrams decoded so far */
	bool refused;        /* some datagram was undecodable */
	uint8_t buf[DECODE_MAX_DATAGRAM];
	struct pctl_msg msg;
};

/* Where a datagram was found in a capture. */
struct frame_info {
	unsigned long frame; /* 1-based, as Wireshark numbers them */
	char src[INET6_ADDRSTRLEN];
	char dst[INET6_ADDRSTRLEN];
	uint16_t src_port;
	uint16_t dst_port;
	bool fragment; /* the first fragment of a fragmented IP datagram */
};

static void usage(FILE *out)
{
	fputs("usage: portctl decode [--json] HEX...\n"
	      "       portctl decode [--json] -\n"
	      "       portctl decode [--json] --pcap FILE\n\n"
	      "Decodes PCP (RFC 6887) and NAT-PMP (RFC 6886) datagrams and "
	      "prints every field.\n\n"
	      "  HEX          one datagram in hex; spaces, tabs, ':', '-' and "
	      "'.' may\n"
	      "               separate octets (quote the argument)\n"
	      "  -            read datagrams from stdin, one per line (blank "
	      "lines and\n"
	      "               lines starting with '#' are skipped)\n"
	      "  --pcap FILE  decode every UDP datagram to or from port 5350 "
	      "or 5351\n"
	      "  --json       one JSON object per datagram, one per line\n"
	      "  -h, --help   show this help\n\n"
	      "Exit status: 0 all decoded, 1 some datagram is malformed, 2 "
	      "bad arguments,\n"
	      "4 a file could not be read.  See portctl-decode(1).\n",
	      out);
}

/* pctl_decode() is policy-free and reports every structural fault as
 * PCTL_V_ERROR; one with no result code to answer (S-3, S-6) is one a
 * receiver drops. */
static const char *verdict_name(const struct pctl_error *err)
{
	return err->verdict == PCTL_V_DROP || err->result == 0 ? "drop"
	                                                       : "error";
}

/* An undecodable datagram: the one-line diagnostic on stderr (the format
 * scripts rely on) and the same facts in the record on stdout. */
static void report_error(struct decode_state *st, bool natpmp,
                         const struct pctl_error *err)
{
	const char *rule = err->rule ? err->rule : "undecodable datagram";
	fflush(stdout); /* keep the diagnostic next to its record */
	fprintf(stderr, "datagram %lu: offset %zu: %s\n", st->count,
	        err->offset, rule);
	print_object_begin(&st->pr, "error", "error");
	print_uint(&st->pr, "offset", "offset", err->offset);
	print_string(&st->pr, "rule", "rule", rule);
	print_string(&st->pr, "verdict", "verdict", verdict_name(err));
	if (err->verdict == PCTL_V_ERROR && err->result != 0)
		print_named(&st->pr, "result", "result a server answers",
		            err->result,
		            natpmp ? pctl_natpmp_result_name(err->result)
		                   : pctl_result_name(err->result));
	print_object_end(&st->pr);
	st->refused = true;
}

static void decode_natpmp(struct decode_state *st, const uint8_t *buf,
                          size_t len)
{
	struct pctl_natpmp m;
	struct pctl_error err;
	enum pctl_verdict v;
	memset(&m, 0, sizeof(m));
	memset(&err, 0, sizeof(err));
	/* The top bit of OP tells a response from a request (6886 3.2). */
	if (buf[1] & 0x80)
		v = pctl_natpmp_response_decode(buf, len, &m, &err);
	else
		v = pctl_natpmp_request_decode(buf, len, &m, &err);
	if (v == PCTL_V_OK)
		print_natpmp_msg(&st->pr, &m, buf, len);
	else
		report_error(st, true, &err);
}

/* The rule an option's data breaks when its typed parser refuses it. */
static const char *malformed_option_rule(uint8_t code)
{
	switch (code) {
	case PCTL_OPT_THIRD_PARTY:
		return "W-8: THIRD_PARTY data is not a 16-octet address";
	case PCTL_OPT_FILTER:
		return "S-81: FILTER data is not 20 octets with a valid prefix "
		       "length";
	case PCTL_OPT_PREFIX64:
		return "X-2.2: PREFIX64 prefix length or layout invalid";
	case PCTL_OPT_PORT_SET:
		return "X-3.2: PORT_SET data is not 5 octets with a non-zero "
		       "size";
	default:
		return "W-8: option data malformed";
	}
}

static void decode_pcp(struct decode_state *st, const uint8_t *buf, size_t len)
{
	struct pctl_error err;
	memset(&err, 0, sizeof(err));
	if (pctl_decode(buf, len, &st->msg, &err) != PCTL_V_OK) {
		report_error(st, false, &err);
		return;
	}
	const struct pctl_option *bad = print_pcp_msg(&st->pr, &st->msg);
	if (bad) {
		fflush(stdout);
		/* Well-formed as a message, but an option's data cannot be
		 * what its code says (W-8): as undecodable as a bad header,
		 * and shown in the option itself. */
		fprintf(stderr, "datagram %lu: offset %u: %s\n", st->count,
		        bad->offset, malformed_option_rule(bad->code));
		st->refused = true;
	}
}

static void print_frame_info(struct printer *pr, const struct frame_info *fi)
{
	print_uint(pr, "frame", "frame", fi->frame);
	print_string(pr, "src", "source", fi->src);
	print_uint(pr, "src_port", "source port", fi->src_port);
	print_string(pr, "dst", "destination", fi->dst);
	print_uint(pr, "dst_port", "destination port", fi->dst_port);
}

/* Opens the record of the next datagram: its number, where it was found
 * (fi is NULL for hex input) and its length. */
static void begin_datagram(struct decode_state *st, size_t len,
                           const struct frame_info *fi)
{
	char title[64];
	st->count++;
	snprintf(title, sizeof(title), "datagram %lu", st->count);
	print_record_begin(&st->pr, title);
	if (st->pr.format == PRINT_JSON) /* text: the title says it */
		print_uint(&st->pr, "datagram", "datagram", st->count);
	if (fi)
		print_frame_info(&st->pr, fi);
	print_uint(&st->pr, "length", "length", len);
}

/* Decodes and prints one datagram. */
static void decode_datagram(struct decode_state *st, const uint8_t *buf,
                            size_t len, const struct frame_info *fi)
{
	enum pctl_kind kind = pctl_classify(buf, len);
	begin_datagram(st, len, fi);
	if (kind == PCTL_KIND_NATPMP) {
		print_string(&st->pr, "kind", "kind", "natpmp");
		decode_natpmp(st, buf, len);
	} else {
		/* Runts and unknown versions too: the PCP decoder names the
		 * rule (S-3, S-4) that refuses them. */
		print_string(&st->pr, "kind", "kind",
		             kind == PCTL_KIND_PCP    ? "pcp"
		             : kind == PCTL_KIND_RUNT ? "runt"
		                                      : "unknown");
		decode_pcp(st, buf, len);
	}
	print_record_end(&st->pr);
}

/* ---- hex input ---------------------------------------------------------- */

/* Parses one hex datagram into st->buf; reports a bad one on stderr with
 * where it came from ("argument 2", "stdin line 5").  Returns the length or
 * -1. */
static long parse_hex(struct decode_state *st, const char *text,
                      const char *where, unsigned long n)
{
	struct hex_error herr;
	long len = hex_parse(text, st->buf, sizeof(st->buf), &herr);
	if (len < 0)
		fprintf(stderr,
		        "portctl decode: %s %lu: column %zu: %s (\"%.40s\")\n",
		        where, n, herr.column + 1, herr.what, text);
	return len;
}

/* True for lines with nothing to decode: blank, or a '#' comment. */
static bool skip_line(const char *line)
{
	line += strspn(line, " \t\r\n");
	return *line == '\0' || *line == '#';
}

/* `-`: one datagram per line.  Returns PORTCTL_EXIT_OK, or USAGE if a line
 * was not hex (the others are still decoded), or SYSTEM on a read error. */
static int decode_stdin(struct decode_state *st)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	int rc = PORTCTL_EXIT_OK;
	while (getline(&line, &cap, stdin) >= 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (skip_line(line))
			continue;
		long len = parse_hex(st, line, "stdin line", lineno);
		if (len < 0) {
			rc = PORTCTL_EXIT_USAGE;
			continue;
		}
		decode_datagram(st, st->buf, (size_t)len, NULL);
	}
	if (ferror(stdin)) {
		fprintf(stderr, "portctl decode: stdin: %s\n", strerror(errno));
		rc = PORTCTL_EXIT_SYSTEM;
	}
	free(line);
	return rc;
}

/* Every argument is checked before any is decoded, so that a typo gives a
 * usage error and no partial output. */
static int decode_args(struct decode_state *st, int argc, char **argv)
{
	int stdin_args = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-")) {
			stdin_args++;
			continue;
		}
		if (parse_hex(st, argv[i], "argument", (unsigned long)i + 1) <
		    0)
			return PORTCTL_EXIT_USAGE;
	}
	if (stdin_args > 1) {
		fputs("portctl decode: '-' (stdin) given more than once\n",
		      stderr);
		return PORTCTL_EXIT_USAGE;
	}
	int rc = PORTCTL_EXIT_OK;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-")) {
			rc = decode_stdin(st);
			continue;
		}
		long len =
		    parse_hex(st, argv[i], "argument", (unsigned long)i + 1);
		decode_datagram(st, st->buf, (size_t)len, NULL);
	}
	return rc;
}

/* ---- pcap input --------------------------------------------------------- */

#define ETHERTYPE_IPV4  0x0800
#define ETHERTYPE_IPV6  0x86dd
#define IPPROTO_UDP_NUM 17

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The offset of the network header in a frame of link type dlt and its
 * EtherType (0 when the link layer does not say: look at the IP version),
 * or -1 when the frame is too short. */
static long link_header(int dlt, const uint8_t *f, size_t caplen,
                        uint16_t *ethertype)
{
	size_t off;
	*ethertype = 0;
	switch (dlt) {
	case DLT_EN10MB:
		if (caplen < 14)
			return -1;
		off = 12;
		*ethertype = get16(f + off);
		/* 802.1Q / 802.1ad tags, at most two (QinQ). */
		for (int tags = 0;
		     tags < 2 && (*ethertype == 0x8100 || *ethertype == 0x88a8);
		     tags++) {
			off += 4;
			if (caplen < off + 2)
				return -1;
			*ethertype = get16(f + off);
		}
		return (long)off + 2;
	case DLT_LINUX_SLL:
		if (caplen < 16)
			return -1;
		*ethertype = get16(f + 14);
		return 16;
	case DLT_LINUX_SLL2:
		if (caplen < 20)
			return -1;
		*ethertype = get16(f);
		return 20;
	default: /* DLT_RAW, DLT_IPV4, DLT_IPV6 */
		return 0;
	}
}

static bool link_supported(int dlt)
{
	return dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL ||
	       dlt == DLT_LINUX_SLL2 || dlt == DLT_RAW || dlt == DLT_IPV4 ||
	       dlt == DLT_IPV6;
}

/* IPv4: fills the addresses and returns the offset of the UDP header, or
 * -1 when this is not the first fragment of a UDP datagram. */
static long ipv4_udp(const uint8_t *ip, size_t len, struct frame_info *fi)
{
	if (len < 20 || (ip[0] >> 4) != 4)
		return -1;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > len || ip[9] != IPPROTO_UDP_NUM)
		return -1;
	uint16_t frag = get16(ip + 6);
	if (frag & 0x1fff) /* a later fragment: no UDP header */
		return -1;
	fi->fragment = (frag & 0x2000) != 0; /* MF */
	inet_ntop(AF_INET, ip + 12, fi->src, sizeof(fi->src));
	inet_ntop(AF_INET, ip + 16, fi->dst, sizeof(fi->dst));
	return (long)ihl;
}

/* IPv6: follows the extension headers (at most 8) to UDP. */
static long ipv6_udp(const uint8_t *ip, size_t len, struct frame_info *fi)
{
	if (len < 40 || (ip[0] >> 4) != 6)
		return -1;
	uint8_t next = ip[6];
	size_t off = 40;
	fi->fragment = false;
	for (int i = 0; i < 8 && next != IPPROTO_UDP_NUM; i++) {
		size_t hlen;
		if (off + 8 > len)
			return -1;
		uint16_t frag = get16(ip + off + 2);
		if (next == 0 || next == 43 || next == 60) {
			hlen = ((size_t)ip[off + 1] + 1) * 8;
		} else if (next == 51) { /* AH counts 4-octet units */
			hlen = ((size_t)ip[off + 1] + 2) * 4;
		} else if (next == 44 && (frag & 0xfff8) == 0) {
			hlen = 8; /* the first fragment: M tells more follow */
			fi->fragment = (frag & 1) != 0;
		} else {
			return -1;
		}
		next = ip[off];
		off += hlen;
	}
	if (next != IPPROTO_UDP_NUM)
		return -1;
	inet_ntop(AF_INET6, ip + 8, fi->src, sizeof(fi->src));
	inet_ntop(AF_INET6, ip + 24, fi->dst, sizeof(fi->dst));
	return (long)off;
}

static bool pcp_port(uint16_t port)
{
	return port == PCTL_SERVER_PORT || port == PCTL_CLIENT_PORT;
}

/* A datagram the capture cut short (snaplen), or the first fragment of
 * one: reported, not decoded. */
static void report_truncated(struct decode_state *st, size_t len,
                             size_t captured, const struct frame_info *fi)
{
	struct pctl_error err = {
	    .verdict = PCTL_V_DROP,
	    .offset = captured,
	    .rule = fi->fragment ? "IP fragment: fragments are not reassembled"
	                         : "capture truncated: the datagram was not "
	                           "captured whole",
	};
	begin_datagram(st, len, fi);
	report_error(st, false, &err);
	print_record_end(&st->pr);
}

/* One captured frame: decodes its UDP payload if it is to or from a
 * PCP/NAT-PMP port. */
static void decode_frame(struct decode_state *st, int dlt, const uint8_t *f,
                         size_t caplen, struct frame_info *fi)
{
	uint16_t ethertype;
	long off = link_header(dlt, f, caplen, &ethertype);
	if (off < 0)
		return;
	const uint8_t *ip = f + off;
	size_t iplen = caplen - (size_t)off;
	unsigned ipver = iplen > 0 ? ip[0] >> 4 : 0;
	long udp;
	if (ethertype == ETHERTYPE_IPV4 || (ethertype == 0 && ipver == 4))
		udp = ipv4_udp(ip, iplen, fi);
	else if (ethertype == ETHERTYPE_IPV6 || (ethertype == 0 && ipver == 6))
		udp = ipv6_udp(ip, iplen, fi);
	else
		return;
	if (udp < 0 || (size_t)udp + 8 > iplen)
		return;
	const uint8_t *u = ip + udp;
	fi->src_port = get16(u);
	fi->dst_port = get16(u + 2);
	if (!pcp_port(fi->src_port) && !pcp_port(fi->dst_port))
		return;
	size_t avail = iplen - (size_t)udp - 8;
	size_t ulen = get16(u + 4);
	/* The UDP length excludes Ethernet padding; 0 (jumbogram) or a
	 * bogus value below 8 falls back to what was captured. */
	size_t len = ulen >= 8 ? ulen - 8 : avail;
	if (len > avail)
		report_truncated(st, len, avail, fi);
	else
		decode_datagram(st, u + 8, len, fi);
}

static int decode_pcap(struct decode_state *st, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = pcap_open_offline(path, errbuf);
	if (!pc) {
		fprintf(stderr, "portctl decode: %s: %s\n", path, errbuf);
		return PORTCTL_EXIT_SYSTEM;
	}
	int dlt = pcap_datalink(pc);
	if (!link_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);
		fprintf(stderr,
		        "portctl decode: %s: link type %s (%d) not supported "
		        "(Ethernet, Linux cooked SLL/SLL2 and raw IP are)\n",
		        path, name ? name : "unknown", dlt);
		pcap_close(pc);
		return PORTCTL_EXIT_SYSTEM;
	}
	struct pcap_pkthdr *h;
	const u_char *data;
	struct frame_info fi;
	int r;
	int rc = PORTCTL_EXIT_OK;
	memset(&fi, 0, sizeof(fi));
	while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
		fi.frame++;
		decode_frame(st, dlt, data, h->caplen, &fi);
	}
	if (r == PCAP_ERROR) {
		fprintf(stderr, "portctl decode: %s: after frame %lu: %s\n",
		        path, fi.frame, pcap_geterr(pc));
		rc = PORTCTL_EXIT_SYSTEM;
	}
	pcap_close(pc);
	return rc;
}

/* ---- command ------------------------------------------------------------ */

int cmd_decode(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"pcap", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *pcap_path = NULL;
	enum print_format format = PRINT_TEXT;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			format = PRINT_JSON;
			break;
		case 'p':
			if (pcap_path) {
				fputs("portctl decode: --pcap given more than "
				      "once\n",
				      stderr);
				return PORTCTL_EXIT_USAGE;
			}
			pcap_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return PORTCTL_EXIT_OK;
		default:
			if (optopt == 'p')
				fputs("portctl decode: --pcap needs a file\n",
				      stderr);
			else
				fprintf(stderr,
				        "portctl decode: unknown option '%s'\n",
				        argv[optind - 1]);
			usage(stderr);
			return PORTCTL_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (pcap_path ? argc != 0 : argc == 0) {
		fputs(pcap_path ? "portctl decode: --pcap takes no HEX "
		                  "arguments\n"
		                : "portctl decode: nothing to decode\n",
		      stderr);
		usage(stderr);
		return PORTCTL_EXIT_USAGE;
	}
	struct decode_state *st = calloc(1, sizeof(*st));
	if (!st) {
		perror("portctl decode");
		return PORTCTL_EXIT_SYSTEM;
	}
	printer_init(&st->pr, stdout, format);
	int rc = pcap_path ? decode_pcap(st, pcap_path)
	                   : decode_args(st, argc, argv);
	if (rc == PORTCTL_EXIT_OK && st->refused)
		rc = PORTCTL_EXIT_REFUSED;
	free(st);
	if (fflush(stdout) != 0 && rc == PORTCTL_EXIT_OK)
		rc = PORTCTL_EXIT_SYSTEM;
	return rc;
}
