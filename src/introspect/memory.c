/* memory.c — :erlang.memory() for a C runtime: the same categories, with
 * meanings that hold for otter (docs/memory.md says exactly what each one
 * counts). Everything here reads counters the lower layers keep as they
 * allocate; nothing walks the processes, so reading every 200 ms costs a
 * few microseconds whatever the number of processes. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/alloc.h"
#include "core/core_internal.h"
#include "otter/introspect.h"
#include "term/term_internal.h"

/* Bytes of executable code mapped from files (the program and its
 * libraries): read from /proc/self/maps once; code does not move. */
static _Atomic int64_t code_bytes = -1;

static int64_t read_code_bytes(void)
{
    int64_t have = atomic_load_explicit(&code_bytes, memory_order_relaxed);
    if (have >= 0)
        return have;
    FILE *f = fopen("/proc/self/maps", "re");
    int64_t total = 0;
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            unsigned long lo, hi;
            char perms[8];
            int path_at = 0;
            if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, perms, &path_at) < 3)
                continue;
            if (perms[2] == 'x' && path_at > 0 && line[path_at] == '/')
                total += (int64_t)(hi - lo);
        }
        fclose(f);
    }
    atomic_store_explicit(&code_bytes, total, memory_order_relaxed);
    return total;
}

/* Resident bytes of the schedulers' execution stacks (where running and
 * recently run processes keep their frames), by asking the kernel which of
 * their pages are in memory. */
static int64_t stack_resident_bytes(void)
{
    ot__runtime *rt = ot__rt;
    if (!rt)
        return 0;
    long page = sysconf(_SC_PAGESIZE);
    int64_t total = 0;
    unsigned char vec[512];
    for (unsigned i = 0; i < rt->nscheds; i++) {
        for (unsigned k = 0; k < OT__SLOTS_PER_SCHED; k++) {
            const ot__slot *sl = &rt->scheds[i].slots[k];
            if (!sl->map)
                continue;
            char *lo = (char *)((uintptr_t)sl->base & ~(uintptr_t)(page - 1));
            for (char *at = lo; at < sl->top;) {
                size_t len = (size_t)(sl->top - at);
                if (len > sizeof vec * (size_t)page)
                    len = sizeof vec * (size_t)page;
                if (mincore(at, len, vec) != 0)
                    break;
                size_t pages = (len + (size_t)page - 1) / (size_t)page;
                for (size_t j = 0; j < pages; j++)
                    total += (vec[j] & 1) ? page : 0;
                at += len;
            }
        }
    }
    return total;
}

static size_t nonneg(int64_t v)
{
    return v > 0 ? (size_t)v : 0;
}

int ot_memory_read(ot_memory_info *m)
{
    if (!m)
        return -EINVAL;
    int64_t procs = ot__mem_get(OT__MEM_PROCESSES) + stack_resident_bytes();
    m->processes = nonneg(procs);
    size_t unused = ot__pcb_unused_bytes();
    m->processes_used = m->processes > unused ? m->processes - unused : 0;
    m->atom = nonneg(ot__mem_get(OT__MEM_ATOM));
    m->atom_used = nonneg(ot__mem_get(OT__MEM_ATOM_USED));
    m->binary = nonneg(ot__mem_get(OT__MEM_BINARY));
    m->ets = nonneg(ot__mem_get(OT__MEM_ETS));
    m->code = nonneg(read_code_bytes());
    m->system = m->atom + m->binary + m->ets + m->code + nonneg(ot__mem_get(OT__MEM_SYSTEM_OTHER));
    m->total = m->processes + m->system;
    return 0;
}

/* The categories in :erlang.memory()'s order. */
static const struct {
    int atom_index;
    size_t offset;
} cats[] = {
    {OT_ATOM_INDEX_TOTAL, offsetof(ot_memory_info, total)},
    {OT_ATOM_INDEX_PROCESSES, offsetof(ot_memory_info, processes)},
    {OT_ATOM_INDEX_PROCESSES_USED, offsetof(ot_memory_info, processes_used)},
    {OT_ATOM_INDEX_SYSTEM, offsetof(ot_memory_info, system)},
    {OT_ATOM_INDEX_ATOM, offsetof(ot_memory_info, atom)},
    {OT_ATOM_INDEX_ATOM_USED, offsetof(ot_memory_info, atom_used)},
    {OT_ATOM_INDEX_BINARY, offsetof(ot_memory_info, binary)},
    {OT_ATOM_INDEX_CODE, offsetof(ot_memory_info, code)},
    {OT_ATOM_INDEX_ETS, offsetof(ot_memory_info, ets)},
};
#define NCATS (sizeof cats / sizeof cats[0])

static size_t field(const ot_memory_info *m, size_t i)
{
    return *(const size_t *)((const char *)m + cats[i].offset);
}

static ot_term cat_atom(size_t i)
{
    return (ot_term)(((uint64_t)cats[i].atom_index << 3) | 0x2);
}

ot_term ot_memory(ot_heap *h)
{
    ot_memory_info m;
    if (!h || ot_memory_read(&m) != 0)
        return OT_NONE;
    ot_term items[NCATS];
    for (size_t i = 0; i < NCATS; i++) {
        items[i] = ot_tuple(h, 2, cat_atom(i), ot_uint(h, field(&m, i)));
        if (items[i] == OT_NONE)
            return OT_NONE;
    }
    return ot_listv(h, NCATS, items);
}

int64_t ot_memory_of(ot_term category)
{
    for (size_t i = 0; i < NCATS; i++) {
        if (cat_atom(i) == category) {
            ot_memory_info m;
            ot_memory_read(&m);
            return (int64_t)field(&m, i);
        }
    }
    return -EINVAL;
}
