/* bus_msg: routing frames copied into the message (they are small and bounded), the envelope kept in its
 * zmq_msg_t so that a received envelope is never copied. Sends never block: a full queue or a gone peer is
 * an error the caller handles (the service loop must not stall on one slow peer). */
#include "bus_msg.h"

#include "base/mem.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

struct _bus_msg_t {
    size_t n_routes;                                     /* routing frames in use */
    size_t route_len[BUS_ROUTE_MAX];                     /* bytes of each */
    unsigned char route[BUS_ROUTE_MAX][BUS_ROUTE_FRAME_MAX]; /* frame bytes */
    zmq_msg_t env;                                       /* envelope frame */
    bool has_env;                                        /* env is initialised */
};

bus_msg_t *bus_msg_new(void)
{
    return mem_calloc(1, sizeof(bus_msg_t));
}

bus_msg_t *bus_msg_new_reply(const bus_msg_t *req)
{
    assert(req);
    bus_msg_t *self = bus_msg_new();
    self->n_routes = req->n_routes;
    for (size_t i = 0; i < req->n_routes; i++) {
        self->route_len[i] = req->route_len[i];
        memcpy(self->route[i], req->route[i], req->route_len[i]);
    }
    return self;
}

static void s_drop_env(bus_msg_t *self)
{
    if (self->has_env)
        zmq_msg_close(&self->env);
    self->has_env = false;
}

void bus_msg_destroy(bus_msg_t **self_p)
{
    assert(self_p);
    bus_msg_t *self = *self_p;
    if (!self)
        return;
    s_drop_env(self);
    mem_free(self);
    *self_p = NULL;
}

int bus_msg_push_route(bus_msg_t *self, const void *data, size_t len, err_t *err)
{
    assert(self && (data || len == 0));
    if (self->n_routes >= BUS_ROUTE_MAX)
        return err_set(err, XR_INTERNAL, "message: more than %d routing frames", BUS_ROUTE_MAX);
    if (len > BUS_ROUTE_FRAME_MAX)
        return err_set(err, XR_INTERNAL, "message: routing frame of %zu bytes", len);
    if (len)
        memcpy(self->route[self->n_routes], data, len);
    self->route_len[self->n_routes++] = len;
    return 0;
}

size_t bus_msg_route_count(const bus_msg_t *self)
{
    assert(self);
    return self->n_routes;
}

const void *bus_msg_route(const bus_msg_t *self, size_t i, size_t *len)
{
    assert(self && i < self->n_routes && len);
    *len = self->route_len[i];
    return self->route[i];
}

void bus_msg_set_envelope(bus_msg_t *self, const void *data, size_t len)
{
    assert(self && (data || len == 0));
    s_drop_env(self);
    int rc = zmq_msg_init_size(&self->env, len);
    assert(rc == 0);
    if (len)
        memcpy(zmq_msg_data(&self->env), data, len);
    self->has_env = true;
}

const void *bus_msg_envelope(const bus_msg_t *self, size_t *len)
{
    assert(self && len);
    if (!self->has_env) {
        *len = 0;
        return NULL;
    }
    /* zmq_msg_data/size take a non-const message but do not change it. */
    zmq_msg_t *env = (zmq_msg_t *) &self->env;
    *len = zmq_msg_size(env);
    return zmq_msg_data(env);
}

const char *bus_msg_user_id(const bus_msg_t *self)
{
    assert(self);
    if (!self->has_env)
        return NULL;
    /* zmq_msg_gets takes a non-const message but only reads its metadata. */
    const char *uid = zmq_msg_gets((zmq_msg_t *) &self->env, "User-Id");
    return uid && *uid ? uid : NULL;
}

int bus_msg_parse(const bus_msg_t *self, proto_msg_t *reader, proto_header_t *hdr, err_t *err)
{
    size_t len;
    const void *data = bus_msg_envelope(self, &len);
    if (!data)
        return err_set(err, XR_INVALID_REQUEST, "envelope: missing");
    return proto_msg_parse(reader, data, len, hdr, err);
}

/* Reads the remaining frames of a refused message so that the next receive starts at a message boundary. */
static void s_drain(void *h, zmq_msg_t *part)
{
    while (zmq_msg_more(part)) {
        zmq_msg_close(part);
        zmq_msg_init(part);
        if (zmq_msg_recv(part, h, 0) < 0)
            break;
    }
    zmq_msg_close(part);
}

bus_msg_t *bus_msg_recv(zsock_t *sock, err_t *err)
{
    assert(sock);
    err_clear(err);
    void *h = zsock_resolve(sock);
    zmq_msg_t part;
    zmq_msg_init(&part);
    if (zmq_msg_recv(&part, h, ZMQ_DONTWAIT) < 0) {
        int e = zmq_errno();
        zmq_msg_close(&part);
        if (e != EAGAIN && e != EINTR)
            err_set(err, XR_INTERNAL, "receive: %s", zmq_strerror(e));
        return NULL;
    }
    bus_msg_t *self = bus_msg_new();
    while (zmq_msg_more(&part)) {
        if (bus_msg_push_route(self, zmq_msg_data(&part), zmq_msg_size(&part), NULL) != 0) {
            s_drain(h, &part);
            bus_msg_destroy(&self);
            err_set(err, XR_INVALID_REQUEST, "receive: too many or too long routing frames");
            return NULL;
        }
        zmq_msg_close(&part);
        zmq_msg_init(&part);
        /* The rest of a multipart message arrives atomically: this cannot block. */
        if (zmq_msg_recv(&part, h, 0) < 0) {
            zmq_msg_close(&part);
            bus_msg_destroy(&self);
            err_set(err, XR_INTERNAL, "receive: %s", zmq_strerror(zmq_errno()));
            return NULL;
        }
    }
    if (zmq_msg_size(&part) == 0) {
        zmq_msg_close(&part);
        bus_msg_destroy(&self);
        err_set(err, XR_INVALID_REQUEST, "receive: empty envelope frame");
        return NULL;
    }
    zmq_msg_init(&self->env);
    zmq_msg_move(&self->env, &part);
    zmq_msg_close(&part);
    self->has_env = true;
    return self;
}

static int s_send_error(int e, err_t *err)
{
    if (e == EHOSTUNREACH)
        return err_set(err, XR_VENUE_UNAVAILABLE, "send: peer unknown or gone");
    if (e == EAGAIN)
        return err_set(err, XR_VENUE_UNAVAILABLE, "send: peer queue full or no peer");
    return err_set(err, XR_INTERNAL, "send: %s", zmq_strerror(e));
}

static int s_send_routes(void *h, const bus_msg_t *route, err_t *err)
{
    for (size_t i = 0; route && i < route->n_routes; i++) {
        if (zmq_send(h, route->route[i], route->route_len[i], ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
            return s_send_error(zmq_errno(), err);
    }
    return 0;
}

int bus_msg_send(bus_msg_t **self_p, zsock_t *sock, err_t *err)
{
    assert(self_p && *self_p && sock);
    bus_msg_t *self = *self_p;
    int rc = -1;
    if (!self->has_env) {
        err_set(err, XR_INTERNAL, "send: message has no envelope");
        goto done;
    }
    void *h = zsock_resolve(sock);
    if (s_send_routes(h, self, err) != 0)
        goto done;
    if (zmq_msg_send(&self->env, h, ZMQ_DONTWAIT) < 0) {
        s_send_error(zmq_errno(), err);
        goto done;
    }
    /* zmq_msg_send took the content; the message is empty now but still needs closing. */
    rc = 0;
done:
    bus_msg_destroy(self_p);
    return rc;
}

int bus_send_envelope(zsock_t *sock, const bus_msg_t *route, const buf_t *env, err_t *err)
{
    assert(sock && env);
    if (env->len == 0)
        return err_set(err, XR_INTERNAL, "send: empty envelope");
    void *h = zsock_resolve(sock);
    if (s_send_routes(h, route, err) != 0)
        return -1;
    if (zmq_send(h, env->data, env->len, ZMQ_DONTWAIT) < 0)
        return s_send_error(zmq_errno(), err);
    return 0;
}
