/* dnode.c — the node's own state (ot__self_node) and the table of remote
 * nodes: one entry per node ever named, made on first use and never freed
 * while the runtime runs, so a pointer to one stays valid (conn.c tells
 * one connection from the next by the entry's generation). */
#include <string.h>

#include "distribution/distribution_internal.h"

ot__node ot__self_node = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .epmd_fd = -1,
    .listen_fd = -1,
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static ot__dnode *table;

bool ot__valid_node_name(ot_term node)
{
    size_t n;
    const char *t = ot_atom_text(node, &n);
    if (!t || n == 0 || n > 255)
        return false;
    const char *at = memchr(t, '@', n);
    return at && at != t && at != t + n - 1;
}

ot__dnode *ot__dnode_get(ot_term node, bool make)
{
    pthread_mutex_lock(&table_lock);
    ot__dnode *d = table;
    while (d && d->node != node)
        d = d->next;
    if (!d && make) {
        d = ot__calloc(1, sizeof *d);
        if (d) {
            ot__mem_add(OT__MEM_SYSTEM_OTHER, (int64_t)sizeof *d);
            d->node = node;
            pthread_mutex_init(&d->lock, NULL);
            d->fd = d->wfd = -1;
            d->owner = d->writer = OT_NONE;
            d->next = table;
            table = d;
        }
    }
    pthread_mutex_unlock(&table_lock);
    return d;
}

void ot__dnode_each(void (*fn)(ot__dnode *d, void *ctx), void *ctx)
{
    pthread_mutex_lock(&table_lock);
    for (ot__dnode *d = table; d; d = d->next)
        fn(d, ctx);
    pthread_mutex_unlock(&table_lock);
}

void ot__dnodes_free(void)
{
    pthread_mutex_lock(&table_lock);
    ot__dnode *d = table;
    table = NULL;
    pthread_mutex_unlock(&table_lock);
    while (d) {
        ot__dnode *n = d->next;
        ot__drel *r = ot__drel_take_all(&d->rels);
        while (r) {
            ot__drel *rn = r->next;
            ot__drel_free(r);
            r = rn;
        }
        ot__mem_add(OT__MEM_SYSTEM_OTHER, -(int64_t)(d->rels.nbuckets * sizeof(ot__drel *)));
        ot__free(d->rels.buckets);
        ot__dist_buf_free(&d->out);
        ot__free(d->cookie);
        ot__free(d->watchers);
        ot__free(d->waiters);
        pthread_mutex_destroy(&d->lock);
        ot__mem_add(OT__MEM_SYSTEM_OTHER, -(int64_t)sizeof *d);
        ot__free(d);
        d = n;
    }
}
