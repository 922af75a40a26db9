/*
 * WANIPConnection:1/:2 actions (upnp_act_run.h).  Semantics are the
 * engine's (server/upnp.h); this file turns argument text into values and
 * values into output elements.
 */
#include <stdio.h>
#include <string.h>

#include "upnp_act_run.h"
#include "upnp_args.h"

/* The most entries one GetListOfPortMappings answer holds, whatever
 * NewNumberOfPorts asks (0 asks for all): bounds the answer's size. */
#define LIST_MAX 1000

#define ARG(name) pctld_soap_arg(sr, name)
#define BAD       PCTL_UPNP_E_INVALID_ARGS

static const char *proto_name(uint8_t p)
{
	return p == 17 ? "UDP" : "TCP";
}

/* An address element: the wildcard is the empty string. */
static void put_addr(struct pctld_xbuf *out, const char *name,
                     const pctl_addr *a)
{
	char s[PCTL_ADDRSTRLEN];

	pctld_xbuf_elem(
	    out, name,
	    pctl_addr_is_any(a) ? "" : pctl_addr_to_str(a, s, sizeof(s)));
}

/* NewRemoteHost, NewExternalPort, NewProtocol */
static int parse_key(const struct pctld_soap_req *sr, pctl_addr *remote,
                     uint16_t *port, uint8_t *proto)
{
	if (pctld_arg_ipv4(ARG("NewRemoteHost"), true, remote) ||
	    pctld_arg_ui2(ARG("NewExternalPort"), port) ||
	    pctld_arg_proto(ARG("NewProtocol"), proto))
		return BAD;
	return 0;
}

static void put_entry(struct pctld_xbuf *out, const struct pctl_upnp_map *m)
{
	pctld_xbuf_uelem(out, "NewInternalPort", m->int_port);
	put_addr(out, "NewInternalClient", &m->int_addr);
	pctld_xbuf_uelem(out, "NewEnabled", m->enabled);
	pctld_xbuf_elem(out, "NewPortMappingDescription", m->desc);
	pctld_xbuf_uelem(out, "NewLeaseDuration", m->lease_left);
}

ACTION_HANDLER(pctld_act_get_external_ip)
{
	pctl_addr a;
	int rc;

	(void)sr;
	(void)uptime_s;
	rc = pctl_upnp_external_ip(e, rq, &a);
	if (rc)
		return rc;
	put_addr(out, "NewExternalIPAddress", &a);
	return 0;
}

ACTION_HANDLER(pctld_act_get_status_info)
{
	pctl_addr a;
	bool up = pctl_upnp_external_ip(e, rq, &a) == 0;

	(void)sr;
	/* Connected while there is an external address to map onto. */
	pctld_xbuf_elem(out, "NewConnectionStatus",
	                up ? "Connected" : "Disconnected");
	pctld_xbuf_elem(out, "NewLastConnectionError", "ERROR_NONE");
	pctld_xbuf_uelem(out, "NewUptime", (unsigned long)uptime_s);
	return 0;
}

ACTION_HANDLER(pctld_act_get_connection_type)
{
	(void)e;
	(void)rq;
	(void)sr;
	(void)uptime_s;
	pctld_xbuf_elem(out, "NewConnectionType", "IP_Routed");
	pctld_xbuf_elem(out, "NewPossibleConnectionTypes", "IP_Routed");
	return 0;
}

ACTION_HANDLER(pctld_act_get_nat_rsip)
{
	(void)e;
	(void)rq;
	(void)sr;
	(void)uptime_s;
	pctld_xbuf_uelem(out, "NewRSIPAvailable", 0);
	pctld_xbuf_uelem(out, "NewNATEnabled", 1);
	return 0;
}

static int add(struct pctl_engine *e, const struct pctl_upnp_req *rq,
               const struct pctld_soap_req *sr, struct pctld_xbuf *out,
               bool any)
{
	struct pctl_upnp_map m;
	int rc;

	memset(&m, 0, sizeof(m));
	if (parse_key(sr, &m.remote, &m.ext_port, &m.protocol) ||
	    pctld_arg_ui2(ARG("NewInternalPort"), &m.int_port) ||
	    pctld_arg_ipv4(ARG("NewInternalClient"), false, &m.int_addr) ||
	    pctld_arg_bool(ARG("NewEnabled"), &m.enabled) ||
	    pctld_arg_ui4(ARG("NewLeaseDuration"), &m.lease))
		return BAD;
	pctld_arg_text(ARG("NewPortMappingDescription"), m.desc,
	               PCTL_UPNP_DESC_MAX);
	rc = pctl_upnp_add(e, rq, &m, any);
	if (rc == 0 && any)
		pctld_xbuf_uelem(out, "NewReservedPort", m.ext_port);
	return rc;
}

ACTION_HANDLER(pctld_act_add_port_mapping)
{
	(void)uptime_s;
	return add(e, rq, sr, out, false);
}

ACTION_HANDLER(pctld_act_add_any_port_mapping)
{
	(void)uptime_s;
	return add(e, rq, sr, out, true);
}

ACTION_HANDLER(pctld_act_delete_port_mapping)
{
	pctl_addr remote;
	uint16_t port;
	uint8_t proto;

	(void)out;
	(void)uptime_s;
	if (parse_key(sr, &remote, &port, &proto))
		return BAD;
	return pctl_upnp_delete(e, rq, &remote, port, proto);
}

/* NewStartPort, NewEndPort, NewProtocol, NewManage */
static int parse_range(const struct pctld_soap_req *sr, uint16_t *start,
                       uint16_t *end, uint8_t *proto, bool *manage)
{
	if (pctld_arg_ui2(ARG("NewStartPort"), start) ||
	    pctld_arg_ui2(ARG("NewEndPort"), end) ||
	    pctld_arg_proto(ARG("NewProtocol"), proto) ||
	    pctld_arg_bool(ARG("NewManage"), manage))
		return BAD;
	return 0;
}

ACTION_HANDLER(pctld_act_delete_port_mapping_range)
{
	uint16_t start, end;
	uint8_t proto;
	bool manage;

	(void)out;
	(void)uptime_s;
	if (parse_range(sr, &start, &end, &proto, &manage))
		return BAD;
	return pctl_upnp_delete_range(e, rq, start, end, proto, manage);
}

ACTION_HANDLER(pctld_act_get_specific_entry)
{
	struct pctl_upnp_map m;
	int rc;

	(void)uptime_s;
	memset(&m, 0, sizeof(m));
	if (parse_key(sr, &m.remote, &m.ext_port, &m.protocol))
		return BAD;
	rc = pctl_upnp_get(e, rq, &m);
	if (rc == 0)
		put_entry(out, &m);
	return rc;
}

ACTION_HANDLER(pctld_act_get_generic_entry)
{
	struct pctl_upnp_map m;
	uint32_t index;
	int rc;

	(void)uptime_s;
	memset(&m, 0, sizeof(m));
	/* ui2 in the service template; read as ui4 so that an index past
	 * 65535 is "past the end" (713) rather than malformed. */
	if (pctld_arg_ui4(ARG("NewPortMappingIndex"), &index))
		return BAD;
	rc = pctl_upnp_get_index(e, rq, index, &m);
	if (rc)
		return rc;
	put_addr(out, "NewRemoteHost", &m.remote);
	pctld_xbuf_uelem(out, "NewExternalPort", m.ext_port);
	pctld_xbuf_elem(out, "NewProtocol", proto_name(m.protocol));
	put_entry(out, &m);
	return 0;
}

struct listing {
	struct pctld_xbuf doc;
	const pctl_addr *only; /* NewManage 0: the control point's own */
	uint32_t left;
	uint32_t written;
};

static void list_one(void *ctx, const struct pctl_upnp_map *m)
{
	struct listing *l = ctx;
	struct pctld_xbuf *d = &l->doc;

	if (!l->left || (l->only && !pctl_addr_equal(l->only, &m->int_addr)))
		return;
	l->left--;
	l->written++;
	pctld_xbuf_put(d, "<p:PortMappingEntry>");
	put_addr(d, "p:NewRemoteHost", &m->remote);
	pctld_xbuf_uelem(d, "p:NewExternalPort", m->ext_port);
	pctld_xbuf_elem(d, "p:NewProtocol", proto_name(m->protocol));
	pctld_xbuf_uelem(d, "p:NewInternalPort", m->int_port);
	put_addr(d, "p:NewInternalClient", &m->int_addr);
	pctld_xbuf_uelem(d, "p:NewEnabled", m->enabled);
	pctld_xbuf_elem(d, "p:NewDescription", m->desc);
	pctld_xbuf_uelem(d, "p:NewLeaseTime", m->lease_left);
	pctld_xbuf_put(d, "</p:PortMappingEntry>\n");
}

/* NewPortListing: a PortMappingList document (WANIPConnection:2's XML
 * schema), sent as the argument's string value. */
ACTION_HANDLER(pctld_act_get_list)
{
	struct listing l;
	uint16_t start, end;
	uint32_t number;
	uint8_t proto;
	bool manage;
	int rc;

	(void)uptime_s;
	if (parse_range(sr, &start, &end, &proto, &manage) ||
	    pctld_arg_ui4(ARG("NewNumberOfPorts"), &number))
		return BAD;
	memset(&l, 0, sizeof(l));
	l.left = number == 0 || number > LIST_MAX ? LIST_MAX : number;
	l.only = manage ? NULL : &rq->src;
	pctld_xbuf_init(&l.doc, (size_t)LIST_MAX * 1024 + 1024);
	pctld_xbuf_put(
	    &l.doc,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<p:PortMappingList "
	    "xmlns:p=\"urn:schemas-upnp-org:gw:WANIPConnection\" "
	    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	    "xsi:schemaLocation=\"urn:schemas-upnp-org:gw:WANIPConnection "
	    "http://www.upnp.org/schemas/gw/WANIPConnection-v2.xsd\">\n");
	rc = pctl_upnp_list(e, rq, start, end, proto,
	                    manage ? l.left : UINT32_MAX, list_one, &l);
	pctld_xbuf_put(&l.doc, "</p:PortMappingList>\n");
	if (rc == 0 && l.written == 0)
		rc = PCTL_UPNP_E_PORT_MAPPING_NOT_FOUND;
	if (rc == 0 && pctld_xbuf_failed(&l.doc))
		rc = PCTL_UPNP_E_ACTION_FAILED;
	if (rc == 0) {
		/* Escaped as a CDATA section, as miniupnpd does: miniupnpc
		 * decodes no entity references.  The document cannot hold
		 * "]]>": every '>' of a value in it is escaped already. */
		pctld_xbuf_put(out, "<NewPortListing><![CDATA[");
		pctld_xbuf_putn(out, l.doc.p, l.doc.len);
		pctld_xbuf_put(out, "]]></NewPortListing>");
	}
	pctld_xbuf_free(&l.doc);
	return rc;
}
