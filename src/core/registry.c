/* registry.c — registered process names (register/unregister/whereis).
 *
 * A small open hash table from atom to pid under one mutex: names change
 * rarely, and lookups are a handful of instructions under the lock. */
#include <errno.h>
#include <stdlib.h>

#include "core/core_internal.h"

typedef struct entry {
    ot_term name;   /* OT_NONE: empty; tombstones are OT_NIL */
    ot_term pid;
} entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static entry *tab;
static size_t cap, used, count;

static size_t slot_of(ot_term name) { return (size_t)((name >> 3) * 0x9E3779B97F4A7C15ULL); }

void ot__registry_init(void)
{
    pthread_mutex_lock(&lock);
    tab = NULL;
    cap = used = count = 0;
    pthread_mutex_unlock(&lock);
}

void ot__registry_shutdown(void)
{
    pthread_mutex_lock(&lock);
    ot__free(tab);
    tab = NULL;
    cap = used = count = 0;
    pthread_mutex_unlock(&lock);
}

static entry *find(ot_term name)
{
    OT__ASSERT(ot__mutex_held(&lock));
    if (!cap)
        return NULL;
    for (size_t i = slot_of(name) & (cap - 1), n = 0; n < cap; i = (i + 1) & (cap - 1), n++) {
        if (tab[i].name == OT_NONE)
            return NULL;
        if (tab[i].name == name)
            return &tab[i];
    }
    return NULL;
}

static bool grow(void)
{
    OT__ASSERT(ot__mutex_held(&lock));
    size_t ncap = cap ? cap * 2 : 64;
    entry *nt = ot__calloc(ncap, sizeof *nt);
    if (!nt)
        return false;
    for (size_t i = 0; i < cap; i++) {
        if (tab[i].name == OT_NONE || tab[i].name == OT_NIL)
            continue;
        size_t j = slot_of(tab[i].name) & (ncap - 1);
        while (nt[j].name != OT_NONE)
            j = (j + 1) & (ncap - 1);
        nt[j] = tab[i];
    }
    ot__free(tab);
    tab = nt;
    cap = ncap;
    used = count;
    return true;
}

int ot_register(ot_term name, ot_term pid)
{
    if (!ot__is_atom(name) || name == OT_ATOM(UNDEFINED) || !ot__is_lpid(pid))
        return -EINVAL;
    ot__proc *p = ot__proc_lookup(pid);
    if (!p)
        return -ESRCH;
    pthread_mutex_lock(&lock);
    int rc = 0;
    if (atomic_load(&p->state) == OT__P_EXITING || atomic_load(&p->serial) != ot__lpid_serial(pid)) {
        rc = -ESRCH; /* it died meanwhile: its teardown has or will take the lock */
    } else if (find(name) || p->name != OT_NONE) {
        rc = -EEXIST;
    } else if ((used + 1) * 4 >= cap * 3 && !grow()) {
        rc = -ENOMEM;
    } else {
        size_t i = slot_of(name) & (cap - 1);
        while (tab[i].name != OT_NONE && tab[i].name != OT_NIL)
            i = (i + 1) & (cap - 1);
        if (tab[i].name == OT_NONE)
            used++;
        tab[i].name = name;
        tab[i].pid = pid;
        count++;
        p->name = name;
        OT__ASSERT(count <= used && used < cap);
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

static int remove_locked(ot_term name, ot_term pid_or_none)
{
    OT__ASSERT(ot__mutex_held(&lock));
    entry *e = find(name);
    if (!e || (pid_or_none != OT_NONE && e->pid != pid_or_none))
        return -ENOENT;
    ot__proc *p = ot__proc_lookup(e->pid);
    if (p && p->name == name)
        p->name = OT_NONE;
    OT__ASSERT(count > 0);
    e->name = OT_NIL;
    count--;
    return 0;
}

int ot_unregister(ot_term name)
{
    pthread_mutex_lock(&lock);
    int rc = remove_locked(name, OT_NONE);
    pthread_mutex_unlock(&lock);
    return rc;
}

void ot__registry_forget(ot__proc *p)
{
    pthread_mutex_lock(&lock);
    if (p->name != OT_NONE)
        remove_locked(p->name, p->pid);
    p->name = OT_NONE;
    pthread_mutex_unlock(&lock);
}

ot_term ot_whereis(ot_term name)
{
    pthread_mutex_lock(&lock);
    entry *e = find(name);
    ot_term pid = e ? e->pid : OT_NONE;
    pthread_mutex_unlock(&lock);
    return pid;
}

ot_term ot_registered(ot_heap *h)
{
    if (!h)
        return OT_NONE;
    pthread_mutex_lock(&lock);
    ot_term list = OT_NIL;
    for (size_t i = 0; i < cap; i++)
        if (tab[i].name != OT_NONE && tab[i].name != OT_NIL)
            list = ot_cons(h, tab[i].name, list);
    pthread_mutex_unlock(&lock);
    return list;
}

const char *ot__registry_check(void)
{
    const char *bad = NULL;
    pthread_mutex_lock(&lock);
    size_t live = 0, dead = 0;
    if (cap && (cap & (cap - 1)))
        bad = ot__check_fail("registry: capacity %zu is not a power of two", cap);
    for (size_t i = 0; !bad && i < cap; i++) {
        ot_term name = tab[i].name;
        if (name == OT_NONE)
            continue;
        if (name == OT_NIL) {
            dead++;
            continue;
        }
        live++;
        ot__proc *p = ot__proc_lookup(tab[i].pid);
        if (!ot__is_atom(name))
            bad = ot__check_fail("registry: entry %zu's name is not an atom", i);
        else if (find(name) != &tab[i])
            bad = ot__check_fail("registry: entry %zu is not where a lookup of its name ends", i);
        else if (!p || p->name != name)
            bad = ot__check_fail("registry: a name of a process that does not carry it");
    }
    if (!bad && live != count)
        bad = ot__check_fail("registry: %zu names, counted %zu", live, count);
    else if (!bad && live + dead != used)
        bad = ot__check_fail("registry: %zu entries used, counted %zu", live + dead, used);
    else if (!bad && cap && used * 4 >= cap * 3)
        bad = ot__check_fail("registry: %zu of %zu entries used, past the load limit", used, cap);
    pthread_mutex_unlock(&lock);
    return bad;
}
