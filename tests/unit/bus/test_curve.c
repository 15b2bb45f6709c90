/* bus_curve: keygen writes a public and a 0600 secret certificate and never overwrites; a secret certificate
 * readable by others, or a broken one, is refused; over real TCP sockets with czmq's zauth, a listed client key
 * gets through (and the server sees its public key as the message's User-Id), while an unlisted key and a
 * plain client are refused. Settings come from a config_t built from an explicit environment. */
#include "bus/bus_curve.h"
#include "bus/bus_msg.h"
#include "bus/bus_sock.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static mode_t s_mode(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return st.st_mode & 0777;
}

static char *s_path(char *buf, size_t cap, const char *dir, const char *file)
{
    snprintf(buf, cap, "%s/%s", dir, file);
    return buf;
}

START_TEST(keygen_files_and_modes)
{
    char dir[512], p[600];
    snprintf(dir, sizeof dir, "%s/keys", tu_scratch_dir("keygen"));
    err_t err = {0};
    char pub[BUS_CURVE_KEY_SZ];
    ck_assert_msg(bus_curve_keygen(dir, "alice", pub, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(strlen(pub), 40);
    ck_assert_int_eq(s_mode(s_path(p, sizeof p, dir, "alice.cert")), 0644);
    ck_assert_int_eq(s_mode(s_path(p, sizeof p, dir, "alice.cert_secret")), 0600);
    /* the public file holds the key and no secret */
    size_t len;
    char *text = tu_read_file(s_path(p, sizeof p, dir, "alice.cert"), &len);
    ck_assert_ptr_nonnull(strstr(text, pub));
    ck_assert_ptr_null(strstr(text, "secret-key"));
    free(text);
    /* both files give the same public key; czmq's own loader reads ours */
    char pub2[BUS_CURVE_KEY_SZ], sec[BUS_CURVE_KEY_SZ];
    ck_assert_int_eq(bus_curve_load_public(s_path(p, sizeof p, dir, "alice.cert"), pub2, &err), 0);
    ck_assert_str_eq(pub2, pub);
    ck_assert_msg(bus_curve_load_secret(s_path(p, sizeof p, dir, "alice.cert_secret"), pub2, sec, &err) == 0, "%s",
                  err.msg);
    ck_assert_str_eq(pub2, pub);
    zcert_t *zc = zcert_load(s_path(p, sizeof p, dir, "alice.cert"));
    ck_assert_ptr_nonnull(zc);
    ck_assert_str_eq(zcert_public_txt(zc), pub);
    ck_assert_str_eq(zcert_secret_txt(zc), sec);
    ck_assert_str_eq(zcert_meta(zc, "name"), "alice");
    zcert_destroy(&zc);
    /* never overwritten: a second keygen of the same name fails and leaves the key as it was */
    ck_assert_int_eq(bus_curve_keygen(dir, "alice", NULL, &err), -1);
    ck_assert_int_eq(err.code, XR_INVALID_REQUEST);
    ck_assert_ptr_nonnull(strstr(err.msg, "already exists"));
    ck_assert_int_eq(bus_curve_load_public(s_path(p, sizeof p, dir, "alice.cert"), pub2, &err), 0);
    ck_assert_str_eq(pub2, pub);
    /* bad names */
    ck_assert_int_eq(bus_curve_keygen(dir, "../evil", NULL, &err), -1);
    ck_assert_int_eq(bus_curve_keygen(dir, ".hidden", NULL, &err), -1);
    ck_assert_int_eq(bus_curve_keygen(dir, "", NULL, &err), -1);
}
END_TEST

START_TEST(secret_exposed_or_broken_refused)
{
    const char *dir = tu_scratch_dir("exposed");
    char d[512], p[600];
    snprintf(d, sizeof d, "%s", dir);
    err_t err = {0};
    char pub[BUS_CURVE_KEY_SZ], sec[BUS_CURVE_KEY_SZ], real_sec[BUS_CURVE_KEY_SZ];
    ck_assert_int_eq(bus_curve_keygen(d, "bob", NULL, &err), 0);
    s_path(p, sizeof p, d, "bob.cert_secret");
    ck_assert_int_eq(bus_curve_load_secret(p, pub, real_sec, &err), 0);
    ck_assert_int_eq(chmod(p, 0640), 0);
    ck_assert_int_eq(bus_curve_load_secret(p, pub, sec, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "0640"));
    ck_assert_ptr_null(strstr(err.msg, real_sec)); /* the secret never shows */
    /* a public certificate has no secret to give */
    s_path(p, sizeof p, d, "bob.cert");
    ck_assert_int_eq(chmod(p, 0600), 0);
    ck_assert_int_eq(bus_curve_load_secret(p, pub, sec, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "secret-key"));
    /* a certificate whose public key is not its secret's */
    s_path(p, sizeof p, d, "mixed.cert_secret");
    FILE *f = fopen(p, "w");
    char other_pub[41], other_sec[41];
    zmq_curve_keypair(other_pub, other_sec);
    fprintf(f, "curve\n    public-key = \"%s\"\n    secret-key = \"%s\"\n", other_pub, real_sec);
    fclose(f);
    chmod(p, 0600);
    ck_assert_int_eq(bus_curve_load_secret(p, pub, sec, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "does not belong"));
    ck_assert_int_eq(bus_curve_load_public("/nonexistent/x.cert", pub, &err), -1);
}
END_TEST

/* A scratch key layout like the local stack's: DIR/server.cert(_secret), DIR/allow/server/<listed>.cert. */
typedef struct {
    char dir[512];
    config_t *server_cfg;
} layout_t;

static void s_layout(layout_t *l, const char *name)
{
    snprintf(l->dir, sizeof l->dir, "%s", tu_scratch_dir(name));
    err_t err = {0};
    char allow[600], allow_server[700], p[800], q[800];
    ck_assert_int_eq(bus_curve_keygen(l->dir, "server", NULL, &err), 0);
    ck_assert_int_eq(bus_curve_keygen(l->dir, "listed", NULL, &err), 0);
    ck_assert_int_eq(bus_curve_keygen(l->dir, "unlisted", NULL, &err), 0);
    snprintf(allow, sizeof allow, "%s/allow", l->dir);
    snprintf(allow_server, sizeof allow_server, "%s/server", allow);
    ck_assert_int_eq(mkdir(allow, 0755), 0);
    ck_assert_int_eq(mkdir(allow_server, 0755), 0);
    snprintf(p, sizeof p, "%s/listed.cert", l->dir);
    snprintf(q, sizeof q, "%s/listed.cert", allow_server);
    ck_assert_int_eq(link(p, q), 0);
    char keys[700];
    snprintf(keys, sizeof keys, "XROUTE_KEYS_DIR=%s", l->dir);
    const char *env[] = {"XROUTE_CURVE=on", keys, NULL};
    l->server_cfg = config_new_from(env, NULL, &err);
    ck_assert_ptr_nonnull(l->server_cfg);
}

/* A client's settings: its own secret certificate NAME, the server's certificate. */
static config_t *s_client_cfg(const layout_t *l, const char *name)
{
    char keys[700], secret[800];
    snprintf(keys, sizeof keys, "XROUTE_KEYS_DIR=%s", l->dir);
    snprintf(secret, sizeof secret, "XROUTE_CURVE_SECRET_FILE=%s/%s.cert_secret", l->dir, name);
    const char *env[] = {"XROUTE_CURVE=on", keys, secret, NULL};
    err_t err = {0};
    config_t *c = config_new_from(env, NULL, &err);
    ck_assert_ptr_nonnull(c);
    return c;
}

/* Sends "hi" from a DEALER made with opts to ep; true when the server received it within wait_ms (3 s for
 * what must arrive, 0.7 s for what must not: a refused handshake fails at once on loopback). When user_id is
 * given, the message's User-Id is copied there. */
static bool s_reaches_in(zsock_t *server, const char *ep, const bus_sock_opts_t *opts, char *user_id, size_t cap,
                         int wait_ms)
{
    char spec[300];
    snprintf(spec, sizeof spec, ">%s", ep);
    err_t err = {0};
    zsock_t *c = bus_dealer_new(spec, opts, &err);
    ck_assert_msg(c != NULL, "%s", err.msg);
    zstr_send(c, "hi");
    zpoller_t *poller = zpoller_new(server, NULL);
    bool got = false;
    if (zpoller_wait(poller, wait_ms) == server) {
        bus_msg_t *m = bus_msg_recv(server, &err);
        ck_assert_ptr_nonnull(m);
        const char *uid = bus_msg_user_id(m);
        if (user_id)
            snprintf(user_id, cap, "%s", uid ? uid : "");
        bus_msg_destroy(&m);
        got = true;
    }
    zpoller_destroy(&poller);
    zsock_destroy(&c);
    return got;
}

static bool s_reaches(zsock_t *server, const char *ep, const bus_sock_opts_t *opts, char *user_id, size_t cap)
{
    return s_reaches_in(server, ep, opts, user_id, cap, 3000);
}

static bool s_refused(zsock_t *server, const char *ep, const bus_sock_opts_t *opts)
{
    return !s_reaches_in(server, ep, opts, NULL, 0, 700);
}

START_TEST(zauth_allows_only_listed_keys)
{
    layout_t l;
    s_layout(&l, "zauth");
    err_t err = {0};
    bus_curve_t *server = bus_curve_new(l.server_cfg, "server", &err);
    ck_assert_msg(server != NULL, "%s", err.msg);
    ck_assert(bus_curve_enabled(server, false));
    bus_sock_opts_t so;
    bus_sock_opts_default(&so);
    ck_assert_msg(bus_curve_server_opts(server, NULL, false, &so, &err) == 0, "%s", err.msg);
    zsock_t *srv = bus_router_new("@tcp://127.0.0.1:*", &so, &err);
    ck_assert_ptr_nonnull(srv);
    char ep[256];
    snprintf(ep, sizeof ep, "%s", bus_sock_endpoint(srv));

    /* listed: through, and the server learns its public key */
    config_t *lc = s_client_cfg(&l, "listed");
    bus_curve_t *listed = bus_curve_new(lc, "client", &err);
    ck_assert_msg(listed != NULL, "%s", err.msg);
    bus_sock_opts_t co;
    bus_sock_opts_default(&co);
    ck_assert_msg(bus_curve_client_opts(listed, "server", false, &co, &err) == 0, "%s", err.msg);
    char uid[64];
    ck_assert(s_reaches(srv, ep, &co, uid, sizeof uid));
    ck_assert_str_eq(uid, bus_curve_public_key(listed));

    /* unlisted key: refused in the handshake */
    config_t *uc = s_client_cfg(&l, "unlisted");
    bus_curve_t *unlisted = bus_curve_new(uc, "client", &err);
    ck_assert_ptr_nonnull(unlisted);
    bus_sock_opts_default(&co);
    ck_assert_int_eq(bus_curve_client_opts(unlisted, "server", false, &co, &err), 0);
    ck_assert(s_refused(srv, ep, &co));

    /* zauth re-reads the allow directory: a certificate copied in later admits its key without a restart */
    char from[800], to[800];
    snprintf(from, sizeof from, "%s/unlisted.cert", l.dir);
    snprintf(to, sizeof to, "%s/allow/server/unlisted.cert", l.dir);
    ck_assert_int_eq(link(from, to), 0);
    ck_assert(s_reaches(srv, ep, &co, NULL, 0));
    ck_assert_int_eq(unlink(to), 0);
    ck_assert(s_refused(srv, ep, &co));

    /* plain client: refused */
    ck_assert(s_refused(srv, ep, NULL));

    /* a client that expects another server key: refused (it cannot be fooled by a wrong server either) */
    bus_sock_opts_default(&co);
    ck_assert_int_eq(bus_curve_client_opts(listed, "unlisted", false, &co, &err), 0);
    ck_assert(s_refused(srv, ep, &co));

    /* and the listed one still works after the refusals */
    bus_sock_opts_default(&co);
    ck_assert_int_eq(bus_curve_client_opts(listed, "server", false, &co, &err), 0);
    ck_assert(s_reaches(srv, ep, &co, NULL, 0));

    /* a second server socket serving with the shared "events" key; clients connect to server "events" */
    err_t e2 = {0};
    ck_assert_int_eq(bus_curve_keygen(l.dir, "events", NULL, &e2), 0);
    bus_sock_opts_default(&so);
    ck_assert_msg(bus_curve_server_opts(server, "events", false, &so, &e2) == 0, "%s", e2.msg);
    zsock_t *ev = bus_router_new("@tcp://127.0.0.1:*", &so, &e2);
    ck_assert_ptr_nonnull(ev);
    char ev_ep[256];
    snprintf(ev_ep, sizeof ev_ep, "%s", bus_sock_endpoint(ev));
    bus_sock_opts_default(&co);
    ck_assert_int_eq(bus_curve_client_opts(listed, "events", false, &co, &e2), 0);
    ck_assert(s_reaches(ev, ev_ep, &co, NULL, 0));
    bus_sock_opts_default(&co);
    ck_assert_int_eq(bus_curve_client_opts(listed, "server", false, &co, &e2), 0);
    ck_assert(s_refused(ev, ev_ep, &co)); /* the server's own key is not the events key */
    zsock_destroy(&ev);

    zsock_destroy(&srv);
    bus_curve_destroy(&unlisted);
    bus_curve_destroy(&listed);
    bus_curve_destroy(&server);
    config_destroy(&uc);
    config_destroy(&lc);
    config_destroy(&l.server_cfg);
}
END_TEST

START_TEST(settings)
{
    err_t err = {0};
    /* off by default: nothing loaded, opts stay plain, plain traffic flows */
    const char *off_env[] = {"XROUTE_KEYS_DIR=/nonexistent", NULL};
    config_t *cfg = config_new_from(off_env, NULL, &err);
    bus_curve_t *c = bus_curve_new(cfg, "gateway", &err);
    ck_assert_ptr_nonnull(c);
    ck_assert(!bus_curve_enabled(c, false));
    ck_assert(!bus_curve_enabled(c, true));
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    ck_assert_int_eq(bus_curve_server_opts(c, NULL, false, &o, &err), 0);
    ck_assert_ptr_null(o.curve_secret_key);
    ck_assert_str_eq(bus_curve_public_key(c), "");
    ck_assert_str_eq(bus_curve_allow_dir(c), "/nonexistent/allow/gateway");
    bus_curve_destroy(&c);
    config_destroy(&cfg);
    /* on without a key: the error names the file */
    const char *on_env[] = {"XROUTE_CURVE=on", "XROUTE_KEYS_DIR=/nonexistent", NULL};
    cfg = config_new_from(on_env, NULL, &err);
    ck_assert_ptr_null(bus_curve_new(cfg, "gateway", &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/gateway.cert_secret"));
    config_destroy(&cfg);
    /* a bad value */
    const char *bad_env[] = {"XROUTE_CURVE=maybe", NULL};
    cfg = config_new_from(bad_env, NULL, &err);
    ck_assert_ptr_null(bus_curve_new(cfg, "gateway", &err));
    ck_assert_ptr_nonnull(strstr(err.msg, "XROUTE_CURVE"));
    config_destroy(&cfg);
    /* worker links can stay plain while the rest is on; a missing allow directory is refused */
    layout_t l;
    s_layout(&l, "settings");
    config_destroy(&l.server_cfg);
    char keys[700];
    snprintf(keys, sizeof keys, "XROUTE_KEYS_DIR=%s", l.dir);
    const char *mixed_env[] = {"XROUTE_CURVE=on", "XROUTE_CURVE_WORKER_LINKS=off", keys, NULL};
    cfg = config_new_from(mixed_env, NULL, &err);
    c = bus_curve_new(cfg, "nobody-allowed", &err);
    ck_assert_ptr_null(c);
    ck_assert_ptr_nonnull(strstr(err.msg, "nobody-allowed.cert_secret"));
    c = bus_curve_new(cfg, "server", &err);
    ck_assert_msg(c != NULL, "%s", err.msg);
    ck_assert(bus_curve_enabled(c, false));
    ck_assert(!bus_curve_enabled(c, true));
    bus_sock_opts_default(&o);
    ck_assert_int_eq(bus_curve_server_opts(c, NULL, true, &o, &err), 0);
    ck_assert_ptr_null(o.curve_secret_key);
    bus_curve_destroy(&c);
    config_destroy(&cfg);
    const char *noallow_env[] = {"XROUTE_CURVE=on", keys, "XROUTE_CURVE_ALLOW_DIR=/nonexistent/allow", NULL};
    cfg = config_new_from(noallow_env, NULL, &err);
    c = bus_curve_new(cfg, "server", &err);
    ck_assert_ptr_nonnull(c);
    bus_sock_opts_default(&o);
    ck_assert_int_eq(bus_curve_server_opts(c, NULL, false, &o, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/allow"));
    bus_curve_destroy(&c);
    config_destroy(&cfg);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bus_curve");
    TCase *tc = tcase_create("curve");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, keygen_files_and_modes);
    tcase_add_test(tc, secret_exposed_or_broken_refused);
    tcase_add_test(tc, zauth_allows_only_listed_keys);
    tcase_add_test(tc, settings);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
