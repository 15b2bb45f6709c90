/* bus_sock: socket construction with every option xroute relies on set explicitly, before bind/connect,
 * through zmq_setsockopt so that a refused option is a returned error (czmq's setters assert instead). */
#include "bus_sock.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#define S_MAXMSGSIZE ((int64_t) (1 << 20) + 65536)

void bus_sock_opts_default(bus_sock_opts_t *o)
{
    assert(o);
    memset(o, 0, sizeof *o);
    o->sndhwm = 10000;
    o->rcvhwm = 10000;
    o->linger_ms = 0;
    o->heartbeat_ivl_ms = 1000;
    o->heartbeat_timeout_ms = 3000;
    o->heartbeat_ttl_ms = 3000;
    o->maxmsgsize = S_MAXMSGSIZE;
    o->reconnect_ivl_ms = 100;
    o->reconnect_ivl_max_ms = 2000;
}

static int s_set(void *h, int option, const void *value, size_t len, const char *name, err_t *err)
{
    if (zmq_setsockopt(h, option, value, len) != 0)
        return err_set(err, XR_INTERNAL, "socket option %s: %s", name, zmq_strerror(zmq_errno()));
    return 0;
}

static int s_set_int(void *h, int option, int value, const char *name, err_t *err)
{
    return s_set(h, option, &value, sizeof value, name, err);
}

/* CURVE options; key texts are checked for length here, their Z85 validity by ZeroMQ. The ZAP domain makes
 * the server consult the ZAP handler (zauth) for every connection. */
static int s_curve(void *h, const bus_sock_opts_t *o, err_t *err)
{
    if (strlen(o->curve_secret_key) != 40)
        return err_set(err, XR_INTERNAL, "socket option CURVE_SECRETKEY: not a 40-character Z85 key");
    if (o->curve_server)
        return s_set_int(h, ZMQ_CURVE_SERVER, 1, "CURVE_SERVER", err) != 0 ||
                       s_set(h, ZMQ_ZAP_DOMAIN, "xroute", 6, "ZAP_DOMAIN", err) != 0 ||
                       s_set(h, ZMQ_CURVE_SECRETKEY, o->curve_secret_key, 40, "CURVE_SECRETKEY", err) != 0
                   ? -1
                   : 0;
    if (!o->curve_public_key || strlen(o->curve_public_key) != 40 || !o->curve_server_key ||
        strlen(o->curve_server_key) != 40)
        return err_set(err, XR_INTERNAL, "socket option CURVE: a client needs its public key and the server's");
    if (s_set(h, ZMQ_CURVE_SERVERKEY, o->curve_server_key, 40, "CURVE_SERVERKEY", err) != 0 ||
        s_set(h, ZMQ_CURVE_PUBLICKEY, o->curve_public_key, 40, "CURVE_PUBLICKEY", err) != 0 ||
        s_set(h, ZMQ_CURVE_SECRETKEY, o->curve_secret_key, 40, "CURVE_SECRETKEY", err) != 0)
        return -1;
    return 0;
}

static int s_apply(zsock_t *sock, int type, const bus_sock_opts_t *o, err_t *err)
{
    void *h = zsock_resolve(sock);
    if (s_set_int(h, ZMQ_SNDHWM, o->sndhwm, "SNDHWM", err) != 0 ||
        s_set_int(h, ZMQ_RCVHWM, o->rcvhwm, "RCVHWM", err) != 0 ||
        s_set_int(h, ZMQ_LINGER, o->linger_ms, "LINGER", err) != 0 ||
        s_set_int(h, ZMQ_RECONNECT_IVL, o->reconnect_ivl_ms, "RECONNECT_IVL", err) != 0 ||
        s_set_int(h, ZMQ_RECONNECT_IVL_MAX, o->reconnect_ivl_max_ms, "RECONNECT_IVL_MAX", err) != 0 ||
        s_set(h, ZMQ_MAXMSGSIZE, &o->maxmsgsize, sizeof o->maxmsgsize, "MAXMSGSIZE", err) != 0)
        return -1;
    if (o->heartbeat_ivl_ms > 0 &&
        (s_set_int(h, ZMQ_HEARTBEAT_IVL, o->heartbeat_ivl_ms, "HEARTBEAT_IVL", err) != 0 ||
         s_set_int(h, ZMQ_HEARTBEAT_TIMEOUT, o->heartbeat_timeout_ms, "HEARTBEAT_TIMEOUT", err) != 0 ||
         s_set_int(h, ZMQ_HEARTBEAT_TTL, o->heartbeat_ttl_ms, "HEARTBEAT_TTL", err) != 0))
        return -1;
    if (type == ZMQ_ROUTER && s_set_int(h, ZMQ_ROUTER_MANDATORY, 1, "ROUTER_MANDATORY", err) != 0)
        return -1;
    if (o->routing_id) {
        size_t n = strlen(o->routing_id);
        if (n == 0 || n > 255)
            return err_set(err, XR_INTERNAL, "socket option ROUTING_ID: must be 1..255 bytes");
        if (s_set(h, ZMQ_ROUTING_ID, o->routing_id, n, "ROUTING_ID", err) != 0)
            return -1;
    }
    if (o->curve_secret_key && s_curve(h, o, err) != 0)
        return -1;
    if (type == ZMQ_SUB && o->subscribe &&
        s_set(h, ZMQ_SUBSCRIBE, o->subscribe, strlen(o->subscribe), "SUBSCRIBE", err) != 0)
        return -1;
    return 0;
}

zsock_t *bus_sock_new(int type, const char *endpoints, const bus_sock_opts_t *opts, err_t *err)
{
    bus_sock_opts_t defaults;
    if (!opts) {
        bus_sock_opts_default(&defaults);
        opts = &defaults;
    }
    zsock_t *sock = zsock_new(type);
    if (!sock) {
        err_set(err, XR_INTERNAL, "socket: %s", zmq_strerror(zmq_errno()));
        return NULL;
    }
    if (s_apply(sock, type, opts, err) != 0)
        goto fail;
    if (endpoints && *endpoints && zsock_attach(sock, endpoints, true) != 0) {
        err_set(err, XR_INTERNAL, "attach %s: %s", endpoints, zmq_strerror(zmq_errno()));
        goto fail;
    }
    return sock;
fail:
    zsock_destroy(&sock);
    return NULL;
}

zsock_t *bus_router_new(const char *endpoints, const bus_sock_opts_t *opts, err_t *err)
{
    return bus_sock_new(ZMQ_ROUTER, endpoints, opts, err);
}

zsock_t *bus_dealer_new(const char *endpoints, const bus_sock_opts_t *opts, err_t *err)
{
    return bus_sock_new(ZMQ_DEALER, endpoints, opts, err);
}

zsock_t *bus_pub_new(const char *endpoints, const bus_sock_opts_t *opts, err_t *err)
{
    return bus_sock_new(ZMQ_PUB, endpoints, opts, err);
}

zsock_t *bus_sub_new(const char *endpoints, const bus_sock_opts_t *opts, err_t *err)
{
    return bus_sock_new(ZMQ_SUB, endpoints, opts, err);
}

const char *bus_sock_endpoint(zsock_t *sock)
{
    assert(sock);
    const char *ep = zsock_endpoint(sock);
    return ep ? ep : "";
}
