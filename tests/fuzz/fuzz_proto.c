/* fuzz_proto: arbitrary bytes through proto_msg_parse and, when the envelope is accepted, the decoder of its
 * type. Invariants: no crash or out-of-bounds read (sanitizers), a refused body leaves its struct zeroed,
 * and an accepted message re-encodes to bytes that decode and re-encode to the very same bytes. The same
 * bytes go through proto_envelope_rewrite: it refuses them or emits a structurally valid map, and rewriting
 * its own output again with the same ids gives the very same bytes. */
#include "proto/proto.h"
#include "proto/rewrite.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_proto_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static proto_msg_t *msg;
    if (!msg)
        msg = proto_msg_new();
    static buf_t once, twice;
    static bool ready;
    if (!ready) {
        ready = true;
        buf_init(&once, PROTO_ENVELOPE_MAX * 2);
        buf_init(&twice, PROTO_ENVELOPE_MAX * 2);
    }
    buf_reset(&once);
    buf_reset(&twice);
    const char *client = size % 2 ? "fuzz-client" : NULL;
    if (proto_envelope_rewrite(data, size, "fuzz-id", client, &once, NULL) == 0) {
        proto_header_t rh;
        if (proto_envelope_rewrite(once.data, once.len, "fuzz-id", client, &twice, NULL) != 0 ||
            twice.len != once.len || memcmp(twice.data, once.data, once.len) != 0)
            abort();
        if (once.len <= PROTO_ENVELOPE_MAX && proto_msg_parse(msg, once.data, once.len, &rh, NULL) == 0 &&
            strcmp(rh.id, "fuzz-id") != 0)
            abort();
    }
    proto_header_t h;
    if (proto_msg_parse(msg, data, size, &h, NULL) != 0)
        return 0;
    fuzz_proto_check_body(msg, &h);
    return 0;
}
