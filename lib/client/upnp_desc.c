/*
 * The device description of a UPnP IGD (upnp.h): which version the root
 * device is, and which service maps ports, at which control URL.
 *
 * The walk follows the UDA tree root/device/(serviceList/service |
 * deviceList/device)*, matching elements by local name.  A device's type
 * may come after its services in the document, so the services of each
 * device are kept on a stack until the device closes and its type is
 * known.
 */
#include "upnp.h"
#include "upnp_xml.h"

#include <errno.h>
#include <string.h>

#define URN_DEV "urn:schemas-upnp-org:device:"
#define URN_SVC "urn:schemas-upnp-org:service:"

/* The connection services in order of preference (upnp.h), then the IPv6
 * firewall control. */
enum svc_rank { SVC_IP2, SVC_IP1, SVC_PPP1, SVC_V6FC, SVC_N };
static const char *const svc_types[SVC_N] = {
    URN_SVC "WANIPConnection:2",
    URN_SVC "WANIPConnection:1",
    URN_SVC "WANPPPConnection:1",
    URN_SVC "WANIPv6FirewallControl:1",
};

/* What an open element is, from its name and its parent's kind. */
enum kind {
	K_OTHER,
	K_ROOT,
	K_URLBASE,
	K_DEVICE,
	K_DEVICETYPE,
	K_SERVICELIST,
	K_SERVICE,
	K_SERVICETYPE,
	K_CONTROLURL,
	K_DEVICELIST,
};

struct svc {
	char type[PCTL_UPNP_TYPE_MAX];
	char control[PCTL_UPNP_URL_MAX];
};

/* Devices nest as device/deviceList/device: at most one per two levels. */
#define DEVICES_MAX (PCTL_UPNP_DEPTH_MAX / 2)

struct device {
	char type[PCTL_UPNP_TYPE_MAX];
	size_t type_len;
	struct svc found[SVC_N]; /* the first of each rank, type "" if none */
};

struct walk {
	struct pctl_upnp_xml x; /* first: the callbacks get &walk.x */
	enum kind kinds[PCTL_UPNP_DEPTH_MAX + 1];
	struct device dev[DEVICES_MAX];
	unsigned n_dev;  /* devices open */
	unsigned n_root; /* root devices seen */
	uint8_t igd;     /* the root device's version, once it closed */
	char url_base[PCTL_UPNP_URL_MAX];
	size_t url_base_len;
	struct svc cur; /* the service being read */
	size_t cur_type_len, cur_control_len;
	struct svc chosen[SVC_N];
};

static enum kind kind_of(enum kind parent, const char *local, unsigned depth)
{
	if (depth == 1)
		return strcmp(local, "root") == 0 ? K_ROOT : K_OTHER;
	switch (parent) {
	case K_ROOT:
		if (strcmp(local, "URLBase") == 0)
			return K_URLBASE;
		return strcmp(local, "device") == 0 ? K_DEVICE : K_OTHER;
	case K_DEVICE:
		if (strcmp(local, "deviceType") == 0)
			return K_DEVICETYPE;
		if (strcmp(local, "serviceList") == 0)
			return K_SERVICELIST;
		return strcmp(local, "deviceList") == 0 ? K_DEVICELIST
		                                        : K_OTHER;
	case K_SERVICELIST:
		return strcmp(local, "service") == 0 ? K_SERVICE : K_OTHER;
	case K_SERVICE:
		if (strcmp(local, "serviceType") == 0)
			return K_SERVICETYPE;
		return strcmp(local, "controlURL") == 0 ? K_CONTROLURL
		                                        : K_OTHER;
	case K_DEVICELIST:
		return strcmp(local, "device") == 0 ? K_DEVICE : K_OTHER;
	default:
		return K_OTHER;
	}
}

static void on_start(struct pctl_upnp_xml *x, const char *local)
{
	struct walk *w = (struct walk *)x;
	enum kind k = kind_of(w->kinds[x->depth - 1], local, x->depth);

	if (x->depth == 1 && k != K_ROOT)
		return pctl_upnp_xml_fail(x); /* not a device description */
	w->kinds[x->depth] = k;
	if (k == K_DEVICE) {
		if ((x->depth == 2 && w->n_root++) || w->n_dev == DEVICES_MAX)
			return pctl_upnp_xml_fail(x);
		memset(&w->dev[w->n_dev++], 0, sizeof(w->dev[0]));
	} else if (k == K_SERVICE) {
		memset(&w->cur, 0, sizeof(w->cur));
		w->cur_type_len = w->cur_control_len = 0;
	}
}

static bool is_conn_device(const char *type)
{
	size_t n = strlen(URN_DEV "WANConnectionDevice:");

	return strncmp(type, URN_DEV "WANConnectionDevice:", n) == 0 &&
	       type[n] >= '1' && type[n] <= '9' && type[n + 1] == '\0';
}

static void device_end(struct walk *w)
{
	struct device *d = &w->dev[--w->n_dev];

	pctl_upnp_xml_trim(d->type);
	if (w->n_dev == 0) {
		/* The root device: an IGD, or not a description for us. */
		if (strcmp(d->type, URN_DEV "InternetGatewayDevice:1") == 0)
			w->igd = 1;
		else if (strcmp(d->type, URN_DEV "InternetGatewayDevice:2") ==
		         0)
			w->igd = 2;
		else
			pctl_upnp_xml_fail(&w->x);
	}
	if (!is_conn_device(d->type))
		return;
	for (int r = 0; r < SVC_N; r++)
		if (d->found[r].type[0] && !w->chosen[r].type[0])
			w->chosen[r] = d->found[r];
}

static void service_end(struct walk *w)
{
	struct device *d = &w->dev[w->n_dev - 1];

	pctl_upnp_xml_trim(w->cur.type);
	pctl_upnp_xml_trim(w->cur.control);
	if (!w->cur.control[0])
		return; /* no way to control it */
	for (int r = 0; r < SVC_N; r++)
		if (strcmp(w->cur.type, svc_types[r]) == 0 &&
		    !d->found[r].type[0])
			d->found[r] = w->cur;
}

static void on_end(struct pctl_upnp_xml *x)
{
	struct walk *w = (struct walk *)x;

	if (w->kinds[x->depth] == K_DEVICE)
		device_end(w);
	else if (w->kinds[x->depth] == K_SERVICE)
		service_end(w);
}

static void on_text(struct pctl_upnp_xml *x, const char *s, size_t n)
{
	struct walk *w = (struct walk *)x;
	bool ok = true;

	switch (w->kinds[x->depth]) {
	case K_URLBASE:
		ok = pctl_upnp_xml_append(w->url_base, sizeof(w->url_base),
		                          &w->url_base_len, s, n);
		break;
	case K_DEVICETYPE: {
		struct device *d = &w->dev[w->n_dev - 1];
		ok = pctl_upnp_xml_append(d->type, sizeof(d->type),
		                          &d->type_len, s, n);
		break;
	}
	case K_SERVICETYPE:
		ok = pctl_upnp_xml_append(w->cur.type, sizeof(w->cur.type),
		                          &w->cur_type_len, s, n);
		break;
	case K_CONTROLURL:
		ok =
		    pctl_upnp_xml_append(w->cur.control, sizeof(w->cur.control),
		                         &w->cur_control_len, s, n);
		break;
	default:
		break; /* names, icons, presentation: not ours */
	}
	if (!ok)
		pctl_upnp_xml_fail(x); /* over-long: refused, not truncated */
}

/* Copies a chosen service into out, its control URL made absolute. */
static int take(const struct svc *s, const char *base, char *type,
                char *control)
{
	strcpy(type, s->type);
	return pctl_url_resolve(base, s->control, control, PCTL_UPNP_URL_MAX);
}

int pctl_igd_desc_parse(const char *xml, size_t len, const char *location,
                        struct pctl_igd_desc *out)
{
	struct walk wbuf, *w = &wbuf;
	const struct svc *conn = NULL;
	const char *base;
	struct pctl_url u;

	memset(out, 0, sizeof(*out));
	memset(w, 0, sizeof(*w));
	w->x.start = on_start;
	w->x.end = on_end;
	w->x.text = on_text;
	if (!location || pctl_url_parse(location, &u) < 0)
		goto bad;
	if (pctl_upnp_xml_parse(&w->x, xml, len, PCTL_UPNP_DESC_MAX) < 0 ||
	    !w->igd)
		goto bad;
	pctl_upnp_xml_trim(w->url_base);
	base = w->url_base[0] ? w->url_base : location;
	if (pctl_url_parse(base, &u) < 0)
		goto bad;
	for (int r = SVC_IP2; r <= SVC_PPP1 && !conn; r++)
		if (w->chosen[r].type[0])
			conn = &w->chosen[r];
	if (!conn) {
		errno = ENOENT;
		return -1;
	}
	out->igd_version = w->igd;
	if (take(conn, base, out->conn_type, out->conn_control) < 0 ||
	    (w->chosen[SVC_V6FC].type[0] &&
	     take(&w->chosen[SVC_V6FC], base, out->v6fc_type,
	          out->v6fc_control) < 0))
		goto bad;
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	errno = EINVAL;
	return -1;
}
