/* cli_args: the xroute command line turned into one proto request (or a local action such as watch).
 *
 *   xroute [--gateway URL] [--events URL] [--json] [--timeout MS] [--account A] [--venue V] COMMAND [options]
 *
 * Options may appear before or after the command. The gateway also comes from XROUTE_GATEWAY, the event
 * stream from XROUTE_EVENTS. --venue overrides routing, or narrows a fan-out command to one venue. */
#ifndef XR_CLI_ARGS_H
#define XR_CLI_ARGS_H

#include "base/err.h"
#include "proto/request.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    CLI_REQUEST = 0,  /* send cmd.req to the gateway and print the reply */
    CLI_WATCH,        /* subscribe to events and print them until interrupted */
    CLI_HELP          /* print usage and exit 0 */
} cli_action_t;

typedef struct {
    cli_action_t action;         /* what to do */
    const char *command;         /* command word as typed ("place") */
    const char *gateway;         /* request endpoint (tcp://127.0.0.1:7100) */
    const char *events;          /* event endpoint for watch (tcp://127.0.0.1:7101) */
    bool json;                   /* one JSON object per line instead of tables */
    int64_t timeout_ms;          /* how long to wait for the reply (10000) */
    proto_request_t req;         /* the request (CLI_REQUEST); release with cli_args_free */
} cli_args_t;

/* Usage text. Borrowed static string. */
const char *cli_usage(void);

/* Parses argv (argv[0] is the program). env_gateway / env_events are the environment's values or NULL.
 * Returns 0, or -1 with err (XR_INVALID_REQUEST naming the option) and *out released. */
int cli_args_parse(int argc, char **argv, const char *env_gateway, const char *env_events, cli_args_t *out,
                   err_t *err);

/* Releases heap parts of the request. Idempotent. */
void cli_args_free(cli_args_t *a);

#endif
