/* clidset: a ring of ids (insertion order, for eviction) indexed by a chained hash table. */
#include "clidset.h"

#include "base/mem.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#define S_NONE UINT32_MAX

typedef struct {
    char id[VENUE_CLID_MAX]; /* the id */
    uint32_t next;           /* next entry of the same bucket, S_NONE at the end */
} s_entry_t;

struct _clidset_t {
    s_entry_t *ring;   /* cap entries, oldest at head once full */
    uint32_t *bucket;  /* first entry of each bucket */
    size_t cap;        /* ring size */
    size_t nbuckets;   /* power of two, >= 2 * cap */
    size_t count;      /* entries in use */
    size_t head;       /* next slot to write (the oldest when full) */
};

static uint64_t s_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t) *s) * 1099511628211ull;
    return h;
}

clidset_t *clidset_new(size_t cap)
{
    assert(cap >= 1 && cap < S_NONE / 4);
    clidset_t *self = mem_calloc(1, sizeof *self);
    self->cap = cap;
    self->nbuckets = 16;
    while (self->nbuckets < 2 * cap)
        self->nbuckets *= 2;
    self->ring = mem_calloc(cap, sizeof(s_entry_t));
    self->bucket = mem_alloc(self->nbuckets * sizeof(uint32_t));
    for (size_t i = 0; i < self->nbuckets; i++)
        self->bucket[i] = S_NONE;
    return self;
}

void clidset_destroy(clidset_t **self_p)
{
    assert(self_p);
    if (!*self_p)
        return;
    mem_free((*self_p)->ring);
    mem_free((*self_p)->bucket);
    mem_free(*self_p);
    *self_p = NULL;
}

static void s_unlink(clidset_t *self, uint32_t idx)
{
    uint32_t *p = &self->bucket[s_hash(self->ring[idx].id) & (self->nbuckets - 1)];
    while (*p != S_NONE && *p != idx)
        p = &self->ring[*p].next;
    if (*p == idx)
        *p = self->ring[idx].next;
}

bool clidset_has(const clidset_t *self, const char *clid)
{
    for (uint32_t i = self->bucket[s_hash(clid) & (self->nbuckets - 1)]; i != S_NONE; i = self->ring[i].next)
        if (strcmp(self->ring[i].id, clid) == 0)
            return true;
    return false;
}

void clidset_add(clidset_t *self, const char *clid)
{
    size_t len = strlen(clid);
    if (len == 0 || len >= VENUE_CLID_MAX || clidset_has(self, clid))
        return;
    uint32_t idx = (uint32_t) self->head;
    if (self->count == self->cap)
        s_unlink(self, idx);
    else
        self->count++;
    memcpy(self->ring[idx].id, clid, len + 1);
    uint32_t *b = &self->bucket[s_hash(clid) & (self->nbuckets - 1)];
    self->ring[idx].next = *b;
    *b = idx;
    self->head = (self->head + 1) % self->cap;
}

size_t clidset_count(const clidset_t *self)
{
    return self->count;
}
