/*
 * The parent's copy of the network process's mappings (privilege
 * separation, docs/design.md), so that a network process that died can be
 * replaced by one that knows every mapping the data plane still holds.
 *
 * Two numberings meet here.  The data plane and the journal know each
 * mapping by the parent's id, which never changes while the parent runs;
 * the engine of the network process numbers its mappings itself, and a new
 * network process renumbers them all as it restores them.  The mirror maps
 * the network process's id to the mapping, held as the journal's UPSERT
 * record (journal_record.h; absolute expiry, id field = the parent's id),
 * and translates every operation the network process sends.
 *
 * Operations are queued as the backend queues them, and take effect at
 * commit (or are dropped at abort): the mirror holds what the data plane
 * holds.  At a hand-over the live set becomes a list sorted by the parent's
 * id, which the next network process (a fork of the parent: it finds the
 * list in its memory) restores and answers with BIND pairs; what it could
 * not restore is left unbound, and the parent removes it.
 */
#ifndef PORTCTLD_PRIVSEP_MIRROR_H
#define PORTCTLD_PRIVSEP_MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../server/backend.h"
#include "journal_map.h"

struct pctld_mirror_pend {
	uint8_t op; /* PCTLD_IPC_CREATE, _REFRESH or _REMOVE */
	uint64_t net_id;
	uint8_t *rec; /* the record after the operation; NULL for REMOVE */
	size_t len;
};

struct pctld_mirror_handed {
	uint64_t parent_id;
	uint8_t *rec; /* NULL once bound (the live set has it) */
	size_t len;
};

struct pctld_mirror {
	struct pctld_jmap live; /* network process's id -> record */
	struct pctld_mirror_pend *pend;
	size_t n_pend, cap_pend;
	uint64_t next_id;                   /* the parent's next id */
	struct pctld_mirror_handed *handed; /* sorted by parent_id */
	size_t n_handed;
};

/* Start: a mapping the data plane holds (dp->id is the parent's id), to be
 * handed to the first network process.  0 or -ENOMEM. */
int pctld_mirror_add(struct pctld_mirror *mi, const struct pctl_dp_mapping *dp,
                     int64_t now_rt);

/* An operation of the network process: dp->id (its id) becomes the
 * parent's id, new for a CREATE, and the operation is queued.  0, -EPROTO
 * when the id is unknown (or, for a CREATE, already used), -EINVAL when the
 * mapping does not fit a record, or -ENOMEM. */
int pctld_mirror_queue(struct pctld_mirror *mi, uint8_t op,
                       struct pctl_dp_mapping *dp, int64_t now_rt);
/* Drops the operation queued last (the data plane refused it). */
void pctld_mirror_unqueue(struct pctld_mirror *mi);
/* The parent's id of a live mapping: 0, or -EPROTO. */
int pctld_mirror_parent_id(const struct pctld_mirror *mi, uint64_t net_id,
                           uint64_t *parent_id);
void pctld_mirror_commit(struct pctld_mirror *mi);
void pctld_mirror_abort(struct pctld_mirror *mi);

/* Before a new network process starts: every live mapping joins the
 * hand-over list, which is then sorted.  0 or -ENOMEM. */
int pctld_mirror_handover(struct pctld_mirror *mi);
/* The network process restored the handed mapping parent_id as net_id.
 * 0, or -EPROTO (not handed, bound twice, or net_id taken). */
int pctld_mirror_bind(struct pctld_mirror *mi, uint64_t parent_id,
                      uint64_t net_id);
/* Calls cb for every handed mapping that was not bound (its lifetime is
 * what is left of it), then empties the list. */
void pctld_mirror_drop_unbound(struct pctld_mirror *mi, int64_t now_rt,
                               void (*cb)(void *arg,
                                          const struct pctl_dp_mapping *dp),
                               void *arg);

/* The lifetime left of an UPSERT record's mapping at now_rt: 0 when it
 * has expired, PCTL_LIFETIME_STATIC for a static one. */
uint32_t pctld_mirror_lifetime_left(int64_t expiry, int64_t now_rt);

void pctld_mirror_free(struct pctld_mirror *mi);

#endif
