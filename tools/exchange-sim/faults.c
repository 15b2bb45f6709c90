/* faults: the table of injected faults (see faults.h). Small and scanned linearly: at most SIM_FAULTS_MAX
 * entries, and an empty table costs one comparison per request. */
#include "faults.h"

#include "base/mem.h"

#include <assert.h>
#include <string.h>

struct _sim_faults_t {
    sim_fault_t items[SIM_FAULTS_MAX]; /* active faults in insertion order */
    size_t count;                      /* active faults */
    uint64_t rnd;                      /* splitmix64 state for probability draws */
};

static const char *s_kind_names[] = {"none", "latency", "http5xx", "ratelimit", "drop", "timeout", "lose_reply"};

const char *sim_fault_kind_name(sim_fault_kind_t kind)
{
    if ((size_t)kind >= sizeof s_kind_names / sizeof s_kind_names[0])
        return "none";
    return s_kind_names[kind];
}

int sim_fault_kind_parse(const char *name, sim_fault_kind_t *out)
{
    for (size_t i = 1; i < sizeof s_kind_names / sizeof s_kind_names[0]; i++)
        if (strcmp(name, s_kind_names[i]) == 0) {
            *out = (sim_fault_kind_t)i;
            return 0;
        }
    return -1;
}

sim_faults_t *sim_faults_new(uint64_t rnd_seed)
{
    sim_faults_t *self = mem_calloc(1, sizeof *self);
    self->rnd = rnd_seed ^ 0x5eedfa17u;
    return self;
}

void sim_faults_destroy(sim_faults_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mem_free(*self_p);
    *self_p = NULL;
}

static uint64_t s_next(sim_faults_t *self)
{
    uint64_t z = (self->rnd += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int sim_faults_add(sim_faults_t *self, const sim_fault_t *fault, err_t *err)
{
    assert(self && fault);
    if (self->count >= SIM_FAULTS_MAX)
        return err_set(err, XR_INVALID_REQUEST, "fault table full (%d)", SIM_FAULTS_MAX);
    if (fault->prefix[0] == '\0' || memchr(fault->prefix, '\0', sizeof fault->prefix) == NULL)
        return err_set(err, XR_INVALID_REQUEST, "fault path must be a prefix or \"*\"");
    if (fault->kind == SIM_FAULT_NONE || (size_t)fault->kind >= sizeof s_kind_names / sizeof s_kind_names[0])
        return err_set(err, XR_INVALID_REQUEST, "bad fault kind");
    if (fault->count == 0 || fault->count < -1)
        return err_set(err, XR_INVALID_REQUEST, "fault count must be > 0 or -1");
    if (fault->per_mille < 0 || fault->per_mille > 1000)
        return err_set(err, XR_INVALID_REQUEST, "fault probability must be within 0..1");
    if (fault->ms < 0 || fault->ms > 3600 * 1000)
        return err_set(err, XR_INVALID_REQUEST, "fault ms must be within 0..3600000");
    self->items[self->count++] = *fault;
    return 0;
}

size_t sim_faults_clear(sim_faults_t *self, int venue)
{
    assert(self);
    size_t kept = 0, removed = 0;
    for (size_t i = 0; i < self->count; i++) {
        if (venue < 0 || self->items[i].venue == venue)
            removed++;
        else
            self->items[kept++] = self->items[i];
    }
    self->count = kept;
    return removed;
}

static bool s_matches(const sim_fault_t *f, const char *path, size_t path_len)
{
    if (f->prefix[0] == '*' && f->prefix[1] == '\0')
        return true;
    size_t n = strlen(f->prefix);
    return n <= path_len && memcmp(f->prefix, path, n) == 0;
}

sim_fault_kind_t sim_faults_match(sim_faults_t *self, int venue, const char *path, size_t path_len, int64_t *ms)
{
    assert(self);
    *ms = 0;
    for (size_t i = 0; i < self->count; i++) {
        sim_fault_t *f = &self->items[i];
        if (f->venue != venue || !s_matches(f, path, path_len))
            continue;
        if (f->per_mille < 1000 && (int)(s_next(self) % 1000) >= f->per_mille)
            continue;
        sim_fault_kind_t kind = f->kind;
        *ms = f->ms;
        if (f->count > 0 && --f->count == 0) {
            memmove(&self->items[i], &self->items[i + 1], (self->count - i - 1) * sizeof self->items[0]);
            self->count--;
        }
        return kind;
    }
    return SIM_FAULT_NONE;
}

size_t sim_faults_count(const sim_faults_t *self)
{
    return self->count;
}

int sim_faults_get(const sim_faults_t *self, size_t i, sim_fault_t *out)
{
    if (i >= self->count)
        return -1;
    *out = self->items[i];
    return 0;
}
