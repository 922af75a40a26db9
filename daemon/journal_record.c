/*
 * Encoder and decoder of journal records (the format is described in
 * journal_record.h).  The decoder trusts nothing: every length is checked
 * against the buffer before it is used, so a corrupt or hostile file costs
 * at most a "bad record" verdict (fuzz/fuzz_journal_load.c).
 */
#include "journal_record.h"

#include <string.h>

#include "../lib/wire/bytes.h"
#include "crc32.h"

static void put64(uint8_t *p, uint64_t v)
{
	pctl_put32(p, (uint32_t)(v >> 32));
	pctl_put32(p + 4, (uint32_t)v);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)pctl_get32(p) << 32 | pctl_get32(p + 4);
}

void pctld_jr_file_header(uint8_t out[PCTLD_JR_FILE_HDR_LEN])
{
	memcpy(out, PCTLD_JR_MAGIC, 8);
	pctl_put16(out + 8, PCTLD_JR_VERSION);
	pctl_put16(out + 10, 0);
	pctl_put32(out + 12, pctld_crc32(0, out, 12));
}

int pctld_jr_check_file_header(const uint8_t *buf, size_t len, const char **why)
{
	if (len < PCTLD_JR_FILE_HDR_LEN) {
		*why = "file header truncated";
		return -1;
	}
	if (memcmp(buf, PCTLD_JR_MAGIC, 8)) {
		*why = "not a portctld journal (bad magic)";
		return -1;
	}
	if (pctl_get32(buf + 12) != pctld_crc32(0, buf, 12)) {
		*why = "file header CRC mismatch";
		return -1;
	}
	/* A newer version may mean a format this build cannot read; refusing
	 * it (and reporting state loss) is safer than guessing. */
	if (pctl_get16(buf + 8) != PCTLD_JR_VERSION ||
	    pctl_get16(buf + 10) != 0) {
		*why = "unsupported journal version or flags";
		return -1;
	}
	return 0;
}

/* Fills the record header around a payload already written at out + 12. */
static size_t seal(uint8_t *out, uint8_t type, size_t payload_len)
{
	out[0] = type;
	out[1] = 0;
	pctl_put16(out + 2, 0);
	pctl_put32(out + 4, (uint32_t)payload_len);
	uint32_t crc = pctld_crc32(0, out, 8);
	crc = pctld_crc32(crc, out + PCTLD_JR_HDR_LEN, payload_len);
	pctl_put32(out + 8, crc);
	return PCTLD_JR_HDR_LEN + payload_len;
}

size_t pctld_jr_encode_upsert(const struct pctl_dp_mapping *m, int64_t expiry,
                              uint8_t *out, size_t cap)
{
	if (m->n_filters > PCTLD_JR_MAX_FILTERS ||
	    m->desc_len > PCTLD_JR_MAX_BLOB ||
	    m->tpid_len > PCTLD_JR_MAX_BLOB || (m->n_filters && !m->filters) ||
	    (m->desc_len && !m->desc) || (m->tpid_len && !m->tpid))
		return 0;
	size_t plen = PCTLD_JR_UPSERT_FIXED +
	              m->n_filters * PCTLD_JR_FILTER_LEN + m->desc_len +
	              m->tpid_len;
	if (cap < PCTLD_JR_HDR_LEN + plen)
		return 0;

	uint8_t *p = out + PCTLD_JR_HDR_LEN;
	put64(p, m->id);
	put64(p + 8, (uint64_t)expiry);
	p[16] = m->kind;
	p[17] = m->protocol;
	p[18] = (uint8_t)((m->outbound ? PCTLD_JR_F_OUTBOUND : 0) |
	                  (m->parity ? PCTLD_JR_F_PARITY : 0) |
	                  (m->third_party ? PCTLD_JR_F_THIRD_PARTY : 0) |
	                  (m->prefer_failure ? PCTLD_JR_F_PREFER_FAIL : 0) |
	                  (m->nonce_unknown ? PCTLD_JR_F_NONCE_UNKNOWN : 0));
	p[19] = 0;
	memcpy(p + 20, m->int_addr.b, 16);
	pctl_put16(p + 36, m->int_port);
	memcpy(p + 38, m->ext_addr.b, 16);
	pctl_put16(p + 54, m->ext_port);
	pctl_put16(p + 56, m->port_count);
	memcpy(p + 58, m->remote_addr.b, 16);
	pctl_put16(p + 74, m->remote_port);
	memcpy(p + 76, m->nonce, PCTL_NONCE_LEN);
	memcpy(p + 88, m->client_addr.b, 16);
	pctl_put16(p + 104, m->client_port);
	memcpy(p + 106, m->server_addr.b, 16);
	pctl_put16(p + 122, (uint16_t)m->n_filters);
	pctl_put16(p + 124, (uint16_t)m->desc_len);
	pctl_put16(p + 126, (uint16_t)m->tpid_len);

	uint8_t *q = p + PCTLD_JR_UPSERT_FIXED;
	for (size_t i = 0; i < m->n_filters; i++, q += PCTLD_JR_FILTER_LEN) {
		q[0] = m->filters[i].prefix_len;
		pctl_put16(q + 1, m->filters[i].port);
		memcpy(q + 3, m->filters[i].addr.b, 16);
	}
	if (m->desc_len)
		memcpy(q, m->desc, m->desc_len);
	q += m->desc_len;
	if (m->tpid_len)
		memcpy(q, m->tpid, m->tpid_len);
	return seal(out, PCTLD_JR_UPSERT, plen);
}

size_t
pctld_jr_encode_remove(uint64_t id,
                       uint8_t out[PCTLD_JR_HDR_LEN + PCTLD_JR_REMOVE_LEN])
{
	put64(out + PCTLD_JR_HDR_LEN, id);
	return seal(out, PCTLD_JR_REMOVE, PCTLD_JR_REMOVE_LEN);
}

size_t pctld_jr_encode_epoch(uint32_t epoch, int64_t realtime,
                             uint8_t out[PCTLD_JR_HDR_LEN + PCTLD_JR_EPOCH_LEN])
{
	pctl_put32(out + PCTLD_JR_HDR_LEN, epoch);
	put64(out + PCTLD_JR_HDR_LEN + 4, (uint64_t)realtime);
	return seal(out, PCTLD_JR_EPOCH, PCTLD_JR_EPOCH_LEN);
}

size_t
pctld_jr_encode_boot(const char *id, size_t len,
                     uint8_t out[PCTLD_JR_HDR_LEN + PCTLD_JR_MAX_BOOT_ID])
{
	if (len == 0 || len > PCTLD_JR_MAX_BOOT_ID)
		return 0;
	memcpy(out + PCTLD_JR_HDR_LEN, id, len);
	return seal(out, PCTLD_JR_BOOT, len);
}

size_t pctld_jr_encode_clean(uint8_t out[PCTLD_JR_HDR_LEN])
{
	return seal(out, PCTLD_JR_CLEAN, 0);
}

size_t pctld_jr_next(const uint8_t *buf, size_t len,
                     struct pctld_jr_record *rec, const char **why)
{
	if (len < PCTLD_JR_HDR_LEN) {
		*why = "record header truncated";
		return 0;
	}
	uint32_t plen = pctl_get32(buf + 4);
	if (plen > PCTLD_JR_MAX_PAYLOAD) {
		*why = "record length out of range";
		return 0;
	}
	if (len - PCTLD_JR_HDR_LEN < plen) {
		*why = "record payload truncated";
		return 0;
	}
	uint32_t crc = pctld_crc32(0, buf, 8);
	crc = pctld_crc32(crc, buf + PCTLD_JR_HDR_LEN, plen);
	if (crc != pctl_get32(buf + 8)) {
		*why = "record CRC mismatch";
		return 0;
	}
	if (buf[1] || pctl_get16(buf + 2)) {
		*why = "record reserved bits set";
		return 0;
	}
	switch (buf[0]) {
	case PCTLD_JR_UPSERT:
		if (plen < PCTLD_JR_UPSERT_FIXED) {
			*why = "UPSERT record too short";
			return 0;
		}
		break;
	case PCTLD_JR_REMOVE:
		if (plen != PCTLD_JR_REMOVE_LEN) {
			*why = "REMOVE record of wrong length";
			return 0;
		}
		break;
	case PCTLD_JR_EPOCH:
		if (plen != PCTLD_JR_EPOCH_LEN) {
			*why = "EPOCH record of wrong length";
			return 0;
		}
		break;
	case PCTLD_JR_BOOT:
		if (plen == 0 || plen > PCTLD_JR_MAX_BOOT_ID) {
			*why = "BOOT record of wrong length";
			return 0;
		}
		break;
	case PCTLD_JR_CLEAN:
		if (plen != 0) {
			*why = "CLEAN record of wrong length";
			return 0;
		}
		break;
	default:
		*why = "unknown record type";
		return 0;
	}
	rec->type = buf[0];
	rec->payload = buf + PCTLD_JR_HDR_LEN;
	rec->len = plen;
	return PCTLD_JR_HDR_LEN + plen;
}

/* The payload lengths a record type allows (pctld_jr_next checks the
 * same); false for an unknown type. */
static bool length_allowed(uint8_t type, uint32_t plen)
{
	switch (type) {
	case PCTLD_JR_UPSERT:
		return plen >= PCTLD_JR_UPSERT_FIXED &&
		       plen <= PCTLD_JR_MAX_PAYLOAD;
	case PCTLD_JR_REMOVE:
		return plen == PCTLD_JR_REMOVE_LEN;
	case PCTLD_JR_EPOCH:
		return plen == PCTLD_JR_EPOCH_LEN;
	case PCTLD_JR_BOOT:
		return plen >= 1 && plen <= PCTLD_JR_MAX_BOOT_ID;
	case PCTLD_JR_CLEAN:
		return plen == 0;
	default:
		return false;
	}
}

size_t pctld_jr_resync(const uint8_t *buf, size_t len, size_t from,
                       uint64_t *budget)
{
	for (size_t off = from + 1; off + PCTLD_JR_HDR_LEN <= len; off++) {
		const uint8_t *h = buf + off;
		if (*budget == 0)
			return len;
		(*budget)--;
		/* Cheap tests first: most offsets fail on the type or the
		 * reserved octets, without hashing anything. */
		if (h[1] || h[2] || h[3])
			continue;
		uint32_t plen = pctl_get32(h + 4);
		if (!length_allowed(h[0], plen) ||
		    len - off - PCTLD_JR_HDR_LEN < plen)
			continue;
		uint64_t cost = PCTLD_JR_HDR_LEN + (uint64_t)plen;
		if (*budget < cost) {
			*budget = 0;
			return len;
		}
		*budget -= cost;
		struct pctld_jr_record rec;
		const char *why;
		if (pctld_jr_next(h, len - off, &rec, &why))
			return off;
	}
	return len;
}

int pctld_jr_decode_upsert(const uint8_t *p, size_t len,
                           struct pctld_jr_mapping *out,
                           struct pctl_filter *filters, const char **why)
{
	if (len < PCTLD_JR_UPSERT_FIXED) {
		*why = "UPSERT record too short";
		return -1;
	}
	size_t nf = pctl_get16(p + 122), dl = pctl_get16(p + 124),
	       tl = pctl_get16(p + 126);
	if (nf > PCTLD_JR_MAX_FILTERS || dl > PCTLD_JR_MAX_BLOB ||
	    tl > PCTLD_JR_MAX_BLOB) {
		*why = "UPSERT counts beyond limits";
		return -1;
	}
	if (len != PCTLD_JR_UPSERT_FIXED + nf * PCTLD_JR_FILTER_LEN + dl + tl) {
		*why = "UPSERT length does not match its counts";
		return -1;
	}
	if (p[16] >= PCTL_MK_KINDS) {
		*why = "UPSERT of unknown mapping kind";
		return -1;
	}
	if (p[18] & ~(PCTLD_JR_F_OUTBOUND | PCTLD_JR_F_PARITY |
	              PCTLD_JR_F_THIRD_PARTY | PCTLD_JR_F_PREFER_FAIL |
	              PCTLD_JR_F_NONCE_UNKNOWN) ||
	    p[19]) {
		*why = "UPSERT unknown flag bits";
		return -1;
	}
	if (pctl_get16(p + 56) == 0) {
		*why = "UPSERT port count 0";
		return -1;
	}

	memset(out, 0, sizeof(*out));
	struct pctl_mapping_info *mi = &out->info;
	mi->id = get64(p);
	out->expiry = (int64_t)get64(p + 8);
	mi->kind = (enum pctl_mapping_kind)p[16];
	mi->protocol = p[17];
	out->outbound = p[18] & PCTLD_JR_F_OUTBOUND;
	mi->parity = p[18] & PCTLD_JR_F_PARITY;
	mi->third_party = p[18] & PCTLD_JR_F_THIRD_PARTY;
	mi->prefer_failure = p[18] & PCTLD_JR_F_PREFER_FAIL;
	mi->nonce_unknown = p[18] & PCTLD_JR_F_NONCE_UNKNOWN;
	memcpy(mi->int_addr.b, p + 20, 16);
	mi->int_port = pctl_get16(p + 36);
	memcpy(mi->ext_addr.b, p + 38, 16);
	mi->ext_port = pctl_get16(p + 54);
	mi->port_count = pctl_get16(p + 56);
	memcpy(mi->remote_addr.b, p + 58, 16);
	mi->remote_port = pctl_get16(p + 74);
	memcpy(mi->nonce, p + 76, PCTL_NONCE_LEN);
	memcpy(mi->client_addr.b, p + 88, 16);
	mi->client_port = pctl_get16(p + 104);
	memcpy(mi->server_addr.b, p + 106, 16);

	const uint8_t *q = p + PCTLD_JR_UPSERT_FIXED;
	for (size_t i = 0; i < nf; i++, q += PCTLD_JR_FILTER_LEN) {
		filters[i].prefix_len = q[0];
		filters[i].port = pctl_get16(q + 1);
		memcpy(filters[i].addr.b, q + 3, 16);
	}
	mi->n_filters = nf;
	mi->filters = nf ? filters : NULL;
	mi->desc_len = dl;
	mi->desc = dl ? q : NULL;
	mi->tpid_len = tl;
	mi->tpid = tl ? q + dl : NULL;
	return 0;
}

uint64_t pctld_jr_record_id(const struct pctld_jr_record *rec)
{
	return get64(rec->payload);
}

void pctld_jr_decode_epoch(const struct pctld_jr_record *rec, uint32_t *epoch,
                           int64_t *realtime)
{
	*epoch = pctl_get32(rec->payload);
	*realtime = (int64_t)get64(rec->payload + 4);
}

void pctld_jr_set_id(uint8_t *rec, uint64_t id)
{
	put64(rec + PCTLD_JR_HDR_LEN, id);
	seal(rec, rec[0], pctl_get32(rec + 4));
}
