/* drel.c — the links and monitors that cross a connection, kept per remote
 * node in a hash set (d->lock held) so that a lost connection can fire
 * them with noconnection. */

#include "distribution/distribution_internal.h"

static uint64_t drel_key(int kind, ot_term local, ot_term remote, ot_term ref)
{
    if (kind == OT__DREL_LINK)
        return ot_hash(remote) * 31 + local;
    return ot_hash(ref);
}

static bool drel_match(const ot__drel *r, int kind, ot_term local, ot_term remote, ot_term ref)
{
    if (kind == OT__DREL_LINK)
        return r->kind == OT__DREL_LINK && r->local == local && ot_equal(r->remote, remote);
    if (r->kind == OT__DREL_LINK)
        return false;
    /* monitors and spawn requests: the reference alone; kinds that share
     * one (SPAWN becomes SPAWN_MON) are told apart by the caller */
    return (kind == 0 || r->kind == kind) && ot_equal(r->ref, ref);
}

static bool drel_grow(ot__drelset *s)
{
    size_t n = s->nbuckets ? s->nbuckets * 2 : 16;
    ot__drel **nb = ot__calloc(n, sizeof *nb);
    if (!nb)
        return false;
    for (size_t i = 0; i < s->nbuckets; i++) {
        ot__drel *r = s->buckets[i];
        while (r) {
            ot__drel *next = r->next;
            size_t b = drel_key(r->kind, r->local, r->remote, r->ref) & (n - 1);
            r->next = nb[b];
            nb[b] = r;
            r = next;
        }
    }
    ot__mem_add(OT__MEM_SYSTEM_OTHER, (int64_t)((n - s->nbuckets) * sizeof *nb));
    ot__free(s->buckets);
    s->buckets = nb;
    s->nbuckets = n;
    return true;
}

static size_t term_words(ot_term t)
{
    if (t == OT_NONE || (!ot__is_boxed(t) && !ot__is_cons(t)))
        return 0;
    return ot__copy_words(t);
}

bool ot__drel_add(ot__dnode *d, int kind, ot_term local, ot_term remote, ot_term ref, ot_term name)
{
    OT__ASSERT(ot__mutex_held(&d->lock));
    ot__drelset *s = &d->rels;
    if (s->count >= s->nbuckets && !drel_grow(s) && !s->nbuckets)
        return false;
    size_t wr = term_words(remote), wf = term_words(ref);
    if (wr == SIZE_MAX || wf == SIZE_MAX)
        return false;
    size_t bytes = sizeof(ot__drel) + (wr + wf) * sizeof(uint64_t);
    ot__drel *r = ot__calloc(1, bytes);
    if (!r)
        return false;
    r->kind = (uint8_t)kind;
    r->local = local;
    r->name = name;
    r->nwords = (uint32_t)(wr + wf);
    ot_heap h;
    ot__heap_init_fixed(&h, r->words, wr + wf);
    r->remote = remote == OT_NONE || !wr ? remote : ot_copy(&h, remote);
    r->ref = ref == OT_NONE || !wf ? ref : ot_copy(&h, ref);
    ot__heap_release_fixed(&h); /* pids, refs and {name, node} hold no binaries */
    ot__mem_add(OT__MEM_SYSTEM_OTHER, (int64_t)bytes);
    size_t b = drel_key(kind, local, remote, ref) & (s->nbuckets - 1);
    r->next = s->buckets[b];
    s->buckets[b] = r;
    s->count++;
    return true;
}

static ot__drel *drel_lookup(ot__dnode *d, int kind, ot_term local, ot_term remote, ot_term ref,
                             bool take)
{
    OT__ASSERT(ot__mutex_held(&d->lock));
    ot__drelset *s = &d->rels;
    if (!s->count)
        return NULL;
    size_t b = drel_key(kind ? kind : OT__DREL_MON_OUT, local, remote, ref) & (s->nbuckets - 1);
    for (ot__drel **pp = &s->buckets[b]; *pp; pp = &(*pp)->next) {
        ot__drel *r = *pp;
        if (drel_match(r, kind, local, remote, ref)) {
            if (take) {
                *pp = r->next;
                s->count--;
                r->next = NULL;
            }
            return r;
        }
    }
    return NULL;
}

ot__drel *ot__drel_take(ot__dnode *d, int kind, ot_term local, ot_term remote, ot_term ref)
{
    return drel_lookup(d, kind, local, remote, ref, true);
}

ot__drel *ot__drel_find(ot__dnode *d, int kind, ot_term local, ot_term remote, ot_term ref)
{
    return drel_lookup(d, kind, local, remote, ref, false);
}

void ot__drel_free(ot__drel *r)
{
    if (!r)
        return;
    ot__mem_add(OT__MEM_SYSTEM_OTHER, -(int64_t)(sizeof *r + r->nwords * sizeof(uint64_t)));
    ot__free(r);
}

ot__drel *ot__drel_take_all(ot__drelset *s)
{
    ot__drel *all = NULL;
    for (size_t i = 0; i < s->nbuckets; i++) {
        ot__drel *r = s->buckets[i];
        while (r) {
            ot__drel *n = r->next;
            r->next = all;
            all = r;
            r = n;
        }
        s->buckets[i] = NULL;
    }
    s->count = 0;
    return all;
}
