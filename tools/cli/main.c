/* xroute: the command line. Parses the command into a proto request, sends it to the gateway over a DEALER
 * socket, waits for the answer (bounded by --timeout) and prints it; `watch` prints the event stream. */
#include "cli_args.h"
#include "cli_output.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/config.h"
#include "bus/bus_curve.h"
#include "bus/bus_msg.h"
#include "bus/bus_signal.h"
#include "bus/bus_sock.h"
#include "crypto/crypto.h"
#include "proto/envelope.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_OK = 0, EXIT_ERROR_REPLY = 1, EXIT_USAGE = 2, EXIT_NO_ANSWER = 3 };

static void s_print(buf_t *b, FILE *f)
{
    fwrite(b->data ? b->data : "", 1, b->len, f);
    fflush(f);
}

/* Prints the reply envelope; returns the exit status it implies. */
static int s_print_reply(const bus_msg_t *msg, bool json)
{
    proto_msg_t *reader = proto_msg_new();
    proto_header_t hdr;
    err_t err = {0};
    buf_t out;
    buf_init(&out, 64 << 20);
    int rc = EXIT_ERROR_REPLY;
    if (bus_msg_parse(msg, reader, &hdr, &err) != 0) {
        fprintf(stderr, "xroute: malformed answer from the gateway: %s\n", err.msg);
    } else if (hdr.type == PROTO_T_RESULT) {
        proto_result_t res;
        if (proto_result_decode(reader, &res, &err) == 0) {
            cli_format_result(&out, &res, json);
            s_print(&out, stdout);
            proto_result_free(&res);
            rc = EXIT_OK;
        } else {
            fprintf(stderr, "xroute: malformed result from the gateway: %s\n", err.msg);
        }
    } else if (hdr.type == PROTO_T_ERROR) {
        proto_error_t e;
        if (proto_error_decode(reader, &e, &err) == 0) {
            cli_format_error(&out, &e, json);
            s_print(&out, json ? stdout : stderr);
        } else {
            fprintf(stderr, "xroute: malformed error from the gateway: %s\n", err.msg);
        }
    } else {
        fprintf(stderr, "xroute: unexpected answer type %s\n", hdr.type_name);
    }
    buf_release(&out);
    proto_msg_destroy(&reader);
    return rc;
}

/* `xroute keygen NAME [--dir DIR]`: argv[1] is "keygen". */
static int s_keygen(int argc, char **argv)
{
    const char *name = NULL, *dir = "var/keys";
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (argv[i][0] != '-' && !name)
            name = argv[i];
        else {
            fprintf(stderr, "xroute: keygen: unexpected '%s' (usage: xroute keygen NAME [--dir DIR])\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    if (!name) {
        fprintf(stderr, "xroute: keygen: missing NAME (usage: xroute keygen NAME [--dir DIR])\n");
        return EXIT_USAGE;
    }
    err_t err = {0};
    char pub[BUS_CURVE_KEY_SZ];
    if (bus_curve_keygen(dir, name, pub, &err) != 0) {
        fprintf(stderr, "xroute: keygen: %s\n", err.msg);
        return err.code == XR_INVALID_REQUEST ? EXIT_USAGE : EXIT_ERROR_REPLY;
    }
    printf("public key %s\npublic certificate %s/%s.cert (give it to the servers that must accept this key)\n"
           "secret certificate %s/%s.cert_secret (mode 0600, keep it here)\n",
           pub, dir, name, dir, name);
    return EXIT_OK;
}

/* A socket to the gateway (DEALER for requests, SUB for events) with CURVE from the environment. */
static zsock_t *s_gateway_sock(int type, const char *endpoint, const char *subscribe, err_t *err)
{
    config_t *cfg = config_new(NULL, err);
    if (!cfg)
        return NULL;
    zsock_t *sock = NULL;
    bus_curve_t *curve = bus_curve_new(cfg, "client", err);
    bus_sock_opts_t o;
    bus_sock_opts_default(&o);
    o.subscribe = subscribe;
    if (curve && bus_curve_client_opts(curve, "gateway", false, &o, err) == 0) {
        char ep[600];
        snprintf(ep, sizeof ep, ">%s", endpoint);
        sock = bus_sock_new(type, ep, &o, err);
    }
    bus_curve_destroy(&curve);
    config_destroy(&cfg);
    return sock;
}

static int s_request(cli_args_t *a)
{
    err_t err = {0};
    zsock_t *sock = s_gateway_sock(ZMQ_DEALER, a->gateway, NULL, &err);
    if (!sock) {
        fprintf(stderr, "xroute: cannot connect to the gateway at %s: %s\n", a->gateway, err.msg);
        return EXIT_NO_ANSWER;
    }
    char id[40], rnd[17];
    crypto_random_id(rnd, 16);
    snprintf(id, sizeof id, "cli-%s", rnd);
    proto_header_t h;
    proto_header_init(&h, id);
    h.deadline = clock_wall_ms() + a->timeout_ms;
    buf_t env;
    buf_init(&env, PROTO_ENVELOPE_MAX);
    int rc = EXIT_NO_ANSWER;
    if (proto_request_encode(&h, &a->req, &env, &err) != 0 || bus_send_envelope(sock, NULL, &env, &err) != 0) {
        fprintf(stderr, "xroute: cannot send the request: %s\n", err.msg);
        goto done;
    }
    int64_t deadline = clock_mono_ms() + a->timeout_ms;
    zpoller_t *poller = zpoller_new(sock, NULL);
    while (!bus_signal_interrupted()) {
        int64_t left = deadline - clock_mono_ms();
        if (left <= 0)
            break;
        if (!zpoller_wait(poller, (int) (left > 200 ? 200 : left)))
            continue;
        bus_msg_t *msg = bus_msg_recv(sock, &err);
        if (!msg)
            continue;
        rc = s_print_reply(msg, a->json);
        bus_msg_destroy(&msg);
        break;
    }
    zpoller_destroy(&poller);
    if (rc == EXIT_NO_ANSWER)
        fprintf(stderr, "TIMEOUT: no answer from the gateway at %s within %lld ms\n", a->gateway,
                (long long) a->timeout_ms);
done:
    buf_release(&env);
    zsock_destroy(&sock);
    return rc;
}

static int s_watch(cli_args_t *a)
{
    char topic[PROTO_ACCOUNT_SZ + PROTO_VENUE_SZ + 2] = "";
    if (a->req.account[0])
        snprintf(topic, sizeof topic, "%s.%s%s", a->req.account, a->req.venue, a->req.venue[0] ? "." : "");
    else if (a->req.venue[0])
        fprintf(stderr, "xroute: watch --venue needs --account as well (topic is account.venue.)\n");
    err_t err = {0};
    zsock_t *sock = s_gateway_sock(ZMQ_SUB, a->events, topic, &err);
    if (!sock) {
        fprintf(stderr, "xroute: cannot subscribe to %s: %s\n", a->events, err.msg);
        return EXIT_NO_ANSWER;
    }
    fprintf(stderr, "watching %s topic '%s' (Ctrl-C to stop)\n", a->events, topic);
    proto_msg_t *reader = proto_msg_new();
    zpoller_t *poller = zpoller_new(sock, NULL);
    buf_t out;
    buf_init(&out, 1 << 20);
    while (!bus_signal_interrupted()) {
        if (!zpoller_wait(poller, 200))
            continue;
        bus_msg_t *msg = bus_msg_recv(sock, &err);
        proto_header_t hdr;
        proto_event_t ev;
        if (msg && bus_msg_parse(msg, reader, &hdr, &err) == 0 && proto_event_decode(reader, &ev, &err) == 0) {
            buf_reset(&out);
            cli_format_event(&out, &ev, a->json);
            s_print(&out, stdout);
            proto_event_free(&ev);
        }
        bus_msg_destroy(&msg);
    }
    buf_release(&out);
    zpoller_destroy(&poller);
    proto_msg_destroy(&reader);
    zsock_destroy(&sock);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
        printf("xroute %s\n", XR_VERSION);
        return EXIT_OK;
    }
    log_init("xroute", LOG_LEVEL_WARN);
    if (argc >= 2 && strcmp(argv[1], "keygen") == 0)
        return s_keygen(argc, argv);
    cli_args_t a;
    err_t err = {0};
    if (cli_args_parse(argc, argv, getenv("XROUTE_GATEWAY"), getenv("XROUTE_EVENTS"), &a, &err) != 0) {
        fprintf(stderr, "xroute: %s\n", err.msg);
        return EXIT_USAGE;
    }
    if (a.action == CLI_HELP) {
        fputs(cli_usage(), stdout);
        cli_args_free(&a);
        return EXIT_OK;
    }
    bus_signal_install(NULL);
    int rc = a.action == CLI_WATCH ? s_watch(&a) : s_request(&a);
    cli_args_free(&a);
    return rc;
}
