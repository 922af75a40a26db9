/*
 * The UPnP front end's indexes (upnp_index.h): its
 * IPv4 port mappings in creation order for GetGenericPortMappingEntry, and
 * its pinholes by UniqueID.  Kept by pctl_engine_install and the engine's
 * unwind for every UPnP record, whoever makes it (a request, the journal's
 * restore), so that they always hold exactly the live ones.
 */
#include <errno.h>
#include <stdlib.h>

#include "engine_state.h"
#include "upnp_index.h"

enum { UID_SLOTS = 65536 };

static bool listed(const struct pctl_upnp_index *u,
                   const struct pctl_mapping *m)
{
	return u->head == m->idx || m->eim_prev != 0;
}

/* A free UniqueID: the wanted one when free, else the next free after the
 * last given (0 is never one); 0 when all 65535 are taken. */
static uint16_t free_uid(struct pctl_upnp_index *u, uint16_t want)
{
	if (want && !u->by_uid[want])
		return want;
	if (u->n_pinholes >= UID_SLOTS - 1)
		return 0;
	/* Fewer than 65535 are taken: a free one is found within that many
	 * steps (in practice the first: ids are handed out in turn). */
	for (uint32_t i = 0; i < UID_SLOTS; i++) {
		uint16_t c = (uint16_t)(u->next_uid + 1 + i);
		if (c && !u->by_uid[c])
			return c;
	}
	return 0;
}

static int track_pinhole(struct pctl_upnp_index *u, struct pctl_mapping *m)
{
	if (!u->by_uid && !(u->by_uid = calloc(UID_SLOTS, sizeof(uint32_t))))
		return -ENOMEM;
	uint16_t uid = free_uid(u, m->client_port);
	if (!uid)
		return -ENOSPC;
	u->by_uid[uid] = m->idx;
	u->next_uid = uid;
	u->n_pinholes++;
	m->client_port = uid;
	return 0;
}

int pctl_upnp_track(struct pctl_engine *e, struct pctl_mapping *m)
{
	struct pctl_upnp_index *u = &e->upnp;

	if (m->kind != PCTL_MK_UPNP)
		return 0;
	if (pctl_upnp_is_pinhole(m))
		return track_pinhole(u, m);
	/* Appended: the positions of the others stay, and so does the
	 * cursor. */
	m->eim_next = 0;
	m->eim_prev = u->tail;
	if (u->tail)
		pctl_table_at(&e->table, u->tail)->eim_next = m->idx;
	else
		u->head = m->idx;
	u->tail = m->idx;
	u->count++;
	return 0;
}

void pctl_upnp_untrack(struct pctl_engine *e, struct pctl_mapping *m)
{
	struct pctl_upnp_index *u = &e->upnp;

	if (m->kind != PCTL_MK_UPNP)
		return;
	if (pctl_upnp_is_pinhole(m)) {
		if (u->by_uid && m->client_port &&
		    u->by_uid[m->client_port] == m->idx) {
			u->by_uid[m->client_port] = 0;
			u->n_pinholes--;
		}
		return;
	}
	if (!listed(u, m))
		return;
	if (m->eim_prev)
		pctl_table_at(&e->table, m->eim_prev)->eim_next = m->eim_next;
	else
		u->head = m->eim_next;
	if (m->eim_next)
		pctl_table_at(&e->table, m->eim_next)->eim_prev = m->eim_prev;
	else
		u->tail = m->eim_prev;
	m->eim_prev = m->eim_next = 0;
	u->count--;
	/* The positions after m moved down by one. */
	u->cursor_valid = false;
}

struct pctl_mapping *pctl_upnp_next(const struct pctl_engine *e,
                                    const struct pctl_mapping *m)
{
	uint32_t i = m ? m->eim_next : e->upnp.head;

	return i ? pctl_table_at(&e->table, i) : NULL;
}

/* Guarantee (GetGenericPortMappingEntry, server/upnp.h): reading position
 * p right after p - 1 or p follows at most one link; any other position,
 * or the first read after a removal, walks from the head (or forward from
 * the cursor) once. */
struct pctl_mapping *pctl_upnp_at(struct pctl_engine *e, uint32_t pos)
{
	struct pctl_upnp_index *u = &e->upnp;

	if (pos >= u->count)
		return NULL;
	uint32_t at = 0, i = u->head;
	if (u->cursor_valid && u->cursor_pos <= pos) {
		at = u->cursor_pos;
		i = u->cursor_idx;
	}
	for (; at < pos; at++) {
		i = pctl_table_at(&e->table, i)->eim_next;
		u->steps++;
	}
	u->cursor_valid = true;
	u->cursor_pos = pos;
	u->cursor_idx = i;
	return pctl_table_at(&e->table, i);
}

struct pctl_mapping *pctl_upnp_pinhole_of(const struct pctl_engine *e,
                                          uint16_t uid)
{
	uint32_t i = e->upnp.by_uid && uid ? e->upnp.by_uid[uid] : 0;

	return i ? pctl_table_at(&e->table, i) : NULL;
}
