/* bus_curve: CurveZMQ for xroute's TCP links: key files, czmq's zauth, and the CURVE fields of
 * bus_sock_opts_t filled from a process's settings.
 *
 * Keys. `xroute keygen NAME` (bus_curve_keygen) writes two ZPL certificate files in czmq's zcert format:
 * DIR/NAME.cert (public key only, mode 0644: hand it to whoever must know you) and DIR/NAME.cert_secret
 * (public and secret key, mode 0600: never leaves the machine). A secret certificate is only read when group
 * and others have no access to it; secret keys never appear in logs or error text.
 *
 * Trust. A process that binds (gateway, router, recorder) is a CURVE server: czmq's zauth, started once per
 * process, lets a client connect only when its public key is in a certificate file of the process's allow
 * directory; an unlisted key, or a client without CURVE, is refused during the handshake. A process that
 * connects is a CURVE client: it needs the server's public certificate.
 *
 * Settings (config_t: environment > file > default), one set per process:
 *   XROUTE_CURVE              on|off: CURVE on every TCP link of this process (default off = plain TCP)
 *   XROUTE_CURVE_WORKER_LINKS on|off: CURVE on the links to and from venue workers (router backend, gateway
 *                             intake, recorder, the workers' own sockets); default = XROUTE_CURVE
 *   XROUTE_KEYS_DIR           directory of the servers' public certificates (default var/keys)
 *   XROUTE_CURVE_SECRET_FILE  this process's secret certificate (default KEYS_DIR/<role>.cert_secret)
 *   XROUTE_CURVE_ALLOW_DIR    public certificates allowed to connect here (default KEYS_DIR/allow/<role>)
 *   XROUTE_CURVE_<SERVER>_CERT a server's public certificate (default KEYS_DIR/<server>.cert), SERVER being
 *                             GATEWAY, ROUTER, RECORDER or EVENTS.
 *   XROUTE_CURVE_EVENTS_SECRET_FILE the event sinks' secret certificate (default KEYS_DIR/events.cert_secret)
 * Roles: "gateway", "router", "recorder", "venue", "client".
 *
 * Event sinks. A worker's one PUB socket connects to two SUBs (the gateway's intake and the recorder's
 * events) and a CURVE client has one server key per socket, so both sinks serve with the shared "events" key
 * pair (bus_curve_server_opts with as "events") and workers connect to server "events". */
#ifndef XR_BUS_BUS_CURVE_H
#define XR_BUS_BUS_CURVE_H

#include "bus_sock.h"

#include "base/config.h"
#include "base/err.h"

#include <stdbool.h>

/* Z85 text of a CURVE key plus its NUL. */
#define BUS_CURVE_KEY_SZ 41

/* Longest key name accepted by keygen: 1..64 characters of [A-Za-z0-9_.-], not starting with '.'. */
#define BUS_CURVE_NAME_MAX 64

typedef struct _bus_curve_t bus_curve_t;

/* Makes a new key pair and writes DIR/NAME.cert (0644) and DIR/NAME.cert_secret (0600), creating DIR (0755)
 * when missing. Refuses to overwrite either file. public_z85 (may be NULL) receives the public key. Returns
 * 0, or -1 with err (XR_INVALID_REQUEST for a bad name or an existing file, XR_INTERNAL for I/O). */
int bus_curve_keygen(const char *dir, const char *name, char public_z85[BUS_CURVE_KEY_SZ], err_t *err);

/* Reads the public key of a certificate file (public or secret). Returns 0, or -1 with err naming the file. */
int bus_curve_load_public(const char *path, char public_z85[BUS_CURVE_KEY_SZ], err_t *err);

/* Reads a secret certificate: refused (-1, err names the file and its mode) when group or others may access
 * it, when it is not a regular file, or when it holds no valid key pair. secret_z85 must be wiped by the
 * caller after use. */
int bus_curve_load_secret(const char *path, char public_z85[BUS_CURVE_KEY_SZ], char secret_z85[BUS_CURVE_KEY_SZ],
                          err_t *err);

/* Reads this process's CURVE settings for role (see above) and loads its key pair when CURVE is on.
 * Returns the object (also when CURVE is off), or NULL with err naming the setting or file. Does not start
 * zauth yet (bus_curve_server_opts does). cfg is borrowed and must outlive the object (server certificates
 * and the events key are looked up later). Caller destroys. */
bus_curve_t *bus_curve_new(const config_t *cfg, const char *role, err_t *err);

/* True when CURVE is on for this kind of link (worker_link: a link to or from a venue worker). */
bool bus_curve_enabled(const bus_curve_t *self, bool worker_link);

/* Fills o's CURVE fields for a socket that binds (CURVE server), when CURVE is on for that kind of link;
 * leaves o plain otherwise. as: NULL serves with this process's key, "events" with the event sinks' key
 * (loaded on first use). The first call starts zauth on the allow directory (which must exist).
 * o borrows keys from self: keep self until the socket is made. Returns 0 or -1 with err. */
int bus_curve_server_opts(bus_curve_t *self, const char *as, bool worker_link, bus_sock_opts_t *o, err_t *err);

/* Fills o's CURVE fields for a socket that connects to server ("gateway", "router", "recorder"), when
 * CURVE is on for that kind of link; the server's public key comes from its certificate (settings above).
 * Returns 0 or -1 with err naming the certificate. */
int bus_curve_client_opts(bus_curve_t *self, const char *server, bool worker_link, bus_sock_opts_t *o, err_t *err);

/* Reads the public key of server ("gateway", "router", "recorder") from its certificate (the settings
 * above), e.g. to accept only that key on a socket. Works whether CURVE is on or off. 0 or -1 with err. */
int bus_curve_peer_key(const bus_curve_t *self, const char *server, char public_z85[BUS_CURVE_KEY_SZ], err_t *err);

/* This process's public key (Z85), "" when CURVE is off. Borrowed. */
const char *bus_curve_public_key(const bus_curve_t *self);

/* The allow directory zauth uses (also when CURVE is off). Borrowed. */
const char *bus_curve_allow_dir(const bus_curve_t *self);

/* Stops zauth, wipes the keys and frees. NULL-safe; nulls *self_p. Destroy after the sockets that used it. */
void bus_curve_destroy(bus_curve_t **self_p);

#endif
