/* tree.c — storage of ordered_set tables: an AVL tree whose nodes carry
 * their object inline (one arena block per object), ordered by Erlang's
 * term order of the keys (ot_compare, so 1 and 1.0 are one key). A stored
 * key is rebuilt as a term to be compared: immediates (small integers,
 * atoms, local pids) cost nothing, other keys are built in a buffer on the
 * stack. Depth is at most 1.44 log2(n): recursion is shallow. */
#include <string.h>

#include "ets/ets_internal.h"

int ot__ets_key_cmp(const ets_table *t, const ets_key *k, const uint8_t *o)
{
    size_t len;
    const uint8_t *kp = ot__ets_obj_elem(o, t->keypos, &len);
    uint64_t mem[128];
    ot_heap h;
    ot__heap_init_fixed(&h, mem, sizeof mem / sizeof mem[0]);
    const uint8_t *p = kp;
    ot_term st = ot__ets_decode(&h, &p);
    int c;
    if (st != OT_NONE) {
        c = ot_compare(k->term, st);
    } else {
        /* A key too big for the buffer. */
        ot_heap *big = ot_heap_new();
        p = kp;
        st = big ? ot__ets_decode(big, &p) : OT_NONE;
        /* Out of memory for a key over ~1 KB: nothing sensible is left
         * to compare; such a lookup answers "equal" (documented). */
        c = st != OT_NONE ? ot_compare(k->term, st) : 0;
        ot_heap_free(big);
    }
    ot__heap_release_fixed(&h);
    return c;
}

static inline int32_t ht(const ets_node *n) { return n ? n->height : 0; }

static inline void fix(ets_node *n)
{
    int32_t a = ht(n->l), b = ht(n->r);
    n->height = 1 + (a > b ? a : b);
}

static ets_node *rot_right(ets_node *n)
{
    ets_node *l = n->l;
    n->l = l->r;
    l->r = n;
    fix(n);
    fix(l);
    return l;
}

static ets_node *rot_left(ets_node *n)
{
    ets_node *r = n->r;
    n->r = r->l;
    r->l = n;
    fix(n);
    fix(r);
    return r;
}

static ets_node *balance(ets_node *n)
{
    fix(n);
    int32_t b = ht(n->l) - ht(n->r);
    if (b > 1) {
        if (ht(n->l->l) < ht(n->l->r))
            n->l = rot_left(n->l);
        return rot_right(n);
    }
    if (b < -1) {
        if (ht(n->r->r) < ht(n->r->l))
            n->r = rot_right(n->r);
        return rot_left(n);
    }
    return n;
}

ets_node *ot__ets_tree_find(ets_table *t, const ets_key *k)
{
    ets_node *n = t->tree.root;
    while (n) {
        int c = ot__ets_key_cmp(t, k, n->obj);
        if (c == 0)
            return n;
        n = c < 0 ? n->l : n->r;
    }
    return NULL;
}

static ets_node *insert(ets_table *t, ets_node *n, const ets_key *k, ets_node *nn, ets_node **old)
{
    if (!n) {
        nn->l = nn->r = NULL;
        nn->height = 1;
        return nn;
    }
    int c = ot__ets_key_cmp(t, k, n->obj);
    if (c == 0) {
        nn->l = n->l;
        nn->r = n->r;
        nn->height = n->height;
        *old = n;
        return nn;
    }
    if (c < 0)
        n->l = insert(t, n->l, k, nn, old);
    else
        n->r = insert(t, n->r, k, nn, old);
    return *old ? n : balance(n);
}

void ot__ets_tree_put(ets_table *t, const ets_key *k, ets_node *n, ets_node **old)
{
    *old = NULL;
    t->tree.root = insert(t, t->tree.root, k, n, old);
}

static ets_node *remove_min(ets_node *n, ets_node **min)
{
    if (!n->l) {
        *min = n;
        return n->r;
    }
    n->l = remove_min(n->l, min);
    return balance(n);
}

static ets_node *remove_key(ets_table *t, ets_node *n, const ets_key *k, ets_node **gone)
{
    if (!n)
        return NULL;
    int c = ot__ets_key_cmp(t, k, n->obj);
    if (c < 0) {
        n->l = remove_key(t, n->l, k, gone);
    } else if (c > 0) {
        n->r = remove_key(t, n->r, k, gone);
    } else {
        *gone = n;
        if (!n->l)
            return n->r;
        if (!n->r)
            return n->l;
        ets_node *m;
        ets_node *r = remove_min(n->r, &m);
        m->l = n->l;
        m->r = r;
        return balance(m);
    }
    return *gone ? balance(n) : n;
}

ets_node *ot__ets_tree_remove(ets_table *t, const ets_key *k)
{
    ets_node *gone = NULL;
    t->tree.root = remove_key(t, t->tree.root, k, &gone);
    return gone;
}

ets_node *ot__ets_tree_first(ets_table *t)
{
    ets_node *n = t->tree.root;
    while (n && n->l)
        n = n->l;
    return n;
}

ets_node *ot__ets_tree_last(ets_table *t)
{
    ets_node *n = t->tree.root;
    while (n && n->r)
        n = n->r;
    return n;
}

ets_node *ot__ets_tree_next(ets_table *t, const ets_key *k)
{
    ets_node *n = t->tree.root, *best = NULL;
    while (n) {
        if (ot__ets_key_cmp(t, k, n->obj) < 0) {
            best = n;
            n = n->l;
        } else {
            n = n->r;
        }
    }
    return best;
}

ets_node *ot__ets_tree_prev(ets_table *t, const ets_key *k)
{
    ets_node *n = t->tree.root, *best = NULL;
    while (n) {
        if (ot__ets_key_cmp(t, k, n->obj) > 0) {
            best = n;
            n = n->r;
        } else {
            n = n->l;
        }
    }
    return best;
}

int ot__ets_tree_walk(ets_table *t, int (*each)(uint8_t *, void *), void *arg)
{
    ets_node *stack[96];
    size_t sp = 0;
    ets_node *n = t->tree.root;
    while (n || sp) {
        while (n) {
            stack[sp++] = n;
            n = n->l;
        }
        n = stack[--sp];
        ets_node *r = n->r; /* each may free n */
        int rc = each(n->obj, arg);
        if (rc)
            return rc;
        n = r;
    }
    return 0;
}

/* The height of the subtree at n, checked; -1 if it breaks a rule. */
static int32_t check_height(const ets_node *n, size_t depth)
{
    if (!n)
        return 0;
    if (depth > 96)
        return -1; /* deeper than an AVL tree of 2^64 nodes: a cycle */
    int32_t a = check_height(n->l, depth + 1), b = check_height(n->r, depth + 1);
    if (a < 0 || b < 0 || a - b > 1 || b - a > 1 || n->height != 1 + (a > b ? a : b))
        return -1;
    return n->height;
}

typedef struct order_ctx {
    ets_table *t;
    ot_heap *h[2];
    ot_term prev;
    size_t n;
    int which;
} order_ctx;

static int check_order(uint8_t *o, void *arg)
{
    order_ctx *c = arg;
    ot_heap *h = c->h[c->which];
    ot_heap_reset(h);
    size_t len;
    const uint8_t *kp = ot__ets_obj_elem(o, c->t->keypos, &len);
    ot_term key = kp ? ot__ets_decode(h, &kp) : OT_NONE;
    if (key == OT_NONE)
        return -1;
    if (c->n++ && ot_compare(c->prev, key) >= 0)
        return 1;
    c->prev = key;
    c->which ^= 1;
    return 0;
}

const char *ot__ets_tree_check(ets_table *t)
{
    if (check_height(t->tree.root, 0) < 0)
        return ot__ets_check_fail(t, "the tree is not a balanced tree of correct heights");
    order_ctx c = {.t = t, .h = {ot_heap_new(), ot_heap_new()}, .prev = OT_NONE};
    int rc = c.h[0] && c.h[1] ? ot__ets_tree_walk(t, check_order, &c) : -1;
    ot_heap_free(c.h[0]);
    ot_heap_free(c.h[1]);
    if (rc < 0)
        return ot__ets_check_fail(t, "no memory to check the tree's order");
    if (rc > 0)
        return ot__ets_check_fail(t, "the tree's key %zu is not above the one before it", c.n);
    return NULL;
}
