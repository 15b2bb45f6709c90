/* circuit: the breaker's state machine; s_transition is its one door. */
#include "circuit.h"

#include "log.h"
#include "mem.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

struct _circuit_t {
    char name[32];          /* for logs, e.g. the venue */
    circuit_config_t cfg;   /* copied configuration */
    circuit_state_t state;  /* current state */
    int failures;           /* CLOSED: consecutive failures */
    int64_t open_until;     /* OPEN: end of the cool-down */
    int admitted;           /* HALF_OPEN: probes admitted in the current round */
    int successes;          /* HALF_OPEN: probes that succeeded */
    int64_t round_start;    /* HALF_OPEN: when the current round of probes began */
    uint64_t transitions;   /* state changes since creation */
};

circuit_t *circuit_new(const char *name, const circuit_config_t *cfg, err_t *err)
{
    assert(cfg);
    if (cfg->failure_threshold < 1 || cfg->open_ms < 1 || cfg->probes < 1) {
        err_set(err, XR_INVALID_REQUEST, "circuit %s: failure_threshold, open_ms and probes must be >= 1",
                name ? name : "-");
        return NULL;
    }
    circuit_t *self = mem_calloc(1, sizeof *self);
    snprintf(self->name, sizeof self->name, "%s", name ? name : "-");
    self->cfg = *cfg;
    self->state = CIRCUIT_CLOSED;
    return self;
}

void circuit_destroy(circuit_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mem_free(*self_p);
    *self_p = NULL;
}

const char *circuit_state_name(circuit_state_t state)
{
    switch (state) {
    case CIRCUIT_CLOSED:
        return "closed";
    case CIRCUIT_OPEN:
        return "open";
    case CIRCUIT_HALF_OPEN:
        return "half_open";
    }
    return "unknown";
}

/* The only place the state changes: logs old -> new with the reason and sets up the new state. */
static void s_transition(circuit_t *self, circuit_state_t to, int64_t now_ms, const char *reason)
{
    circuit_state_t from = self->state;
    assert(from != to);
    self->state = to;
    self->transitions++;
    switch (to) {
    case CIRCUIT_CLOSED:
        self->failures = 0;
        break;
    case CIRCUIT_OPEN:
        self->open_until = now_ms + self->cfg.open_ms;
        break;
    case CIRCUIT_HALF_OPEN:
        self->admitted = 0;
        self->successes = 0;
        self->round_start = now_ms;
        break;
    }
    if (to == CIRCUIT_OPEN)
        log_warn("circuit name=%s %s -> %s reason=%s open_ms=%" PRId64 ": requests refused until then", self->name,
                 circuit_state_name(from), circuit_state_name(to), reason, self->cfg.open_ms);
    else
        log_info("circuit name=%s %s -> %s reason=%s", self->name, circuit_state_name(from),
                 circuit_state_name(to), reason);
}

bool circuit_allow(circuit_t *self, int64_t now_ms)
{
    assert(self);
    if (self->state == CIRCUIT_CLOSED)
        return true;
    if (self->state == CIRCUIT_OPEN) {
        if (now_ms < self->open_until)
            return false;
        s_transition(self, CIRCUIT_HALF_OPEN, now_ms, "cooldown_over");
    }
    if (self->admitted >= self->cfg.probes && now_ms - self->round_start >= self->cfg.open_ms) {
        /* probes whose outcome never came back: start a fresh round rather than stay stuck */
        log_warn("circuit name=%s half_open probes unanswered for %" PRId64 " ms: admitting new probes",
                 self->name, now_ms - self->round_start);
        self->admitted = self->successes;
        self->round_start = now_ms;
    }
    if (self->admitted >= self->cfg.probes)
        return false;
    self->admitted++;
    return true;
}

void circuit_record(circuit_t *self, bool ok, int64_t now_ms)
{
    assert(self);
    char reason[64];
    switch (self->state) {
    case CIRCUIT_CLOSED:
        if (ok) {
            self->failures = 0;
            return;
        }
        if (++self->failures < self->cfg.failure_threshold)
            return;
        snprintf(reason, sizeof reason, "%d_consecutive_failures", self->failures);
        s_transition(self, CIRCUIT_OPEN, now_ms, reason);
        return;
    case CIRCUIT_OPEN:
        return;
    case CIRCUIT_HALF_OPEN:
        if (!ok) {
            s_transition(self, CIRCUIT_OPEN, now_ms, "probe_failed");
            return;
        }
        if (++self->successes < self->cfg.probes)
            return;
        snprintf(reason, sizeof reason, "%d_probes_succeeded", self->successes);
        s_transition(self, CIRCUIT_CLOSED, now_ms, reason);
        return;
    }
}

circuit_state_t circuit_state(const circuit_t *self)
{
    assert(self);
    return self->state;
}

int64_t circuit_open_until(const circuit_t *self)
{
    assert(self);
    return self->state == CIRCUIT_OPEN ? self->open_until : 0;
}

uint64_t circuit_transitions(const circuit_t *self)
{
    assert(self);
    return self->transitions;
}
