/*
 * The protocol choice of the client subcommands: --protocol's words, and
 * how the output names the protocol that granted (or refused) a request.
 */
#include <stdio.h>
#include <string.h>

#include "client_protocol.h"

static const struct {
	const char *word;
	unsigned bits;
} words[] = {
    {"pcp", PCTL_PROTO_PCP},
    {"natpmp", PCTL_PROTO_NATPMP},
    {"upnp", PCTL_PROTO_UPNP},
    {"auto", PCTL_PROTO_AUTO},
};

int cli_protocol_parse(const char *word, unsigned *protocols)
{
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(word, words[i].word)) {
			*protocols = words[i].bits;
			return 0;
		}
	return -1;
}

/* The snapshot leaves proto unset for an answer that maps nothing (an
 * ANNOUNCE's SUCCESS, a delete's): an IGD's (upnp_version is set for a
 * mapping made through one), else PCP and NAT-PMP told apart by the
 * version that answered. */
enum pctl_client_proto
cli_protocol_answered(const struct pctl_client_map_info *in)
{
	if (in->proto != PCTL_PROTO_NONE)
		return in->proto;
	if (in->upnp_version)
		return PCTL_PROTO_UPNP;
	return in->version == 0 ? PCTL_PROTO_NATPMP : PCTL_PROTO_PCP;
}

const char *cli_protocol_word(const struct pctl_client_map_info *info)
{
	switch (cli_protocol_answered(info)) {
	case PCTL_PROTO_PCP:
		return "pcp";
	case PCTL_PROTO_NATPMP:
		return "natpmp";
	case PCTL_PROTO_UPNP:
		return "upnp";
	case PCTL_PROTO_NONE:
		break;
	}
	return "none";
}

const char *cli_protocol_label(const struct pctl_client_map_info *info,
                               char *buf, size_t len)
{
	switch (cli_protocol_answered(info)) {
	case PCTL_PROTO_PCP:
		return "PCP";
	case PCTL_PROTO_NATPMP:
		return "NAT-PMP";
	case PCTL_PROTO_UPNP:
		if (info->upnp_version)
			snprintf(buf, len, "UPnP IGD:%u", info->upnp_version);
		else
			snprintf(buf, len, "UPnP IGD");
		return buf;
	case PCTL_PROTO_NONE:
		break;
	}
	return "none";
}
