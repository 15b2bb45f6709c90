/* fuzz_proto: arbitrary bytes through proto_msg_parse and, when the envelope is accepted, the decoder of its
 * type. Invariants: no crash or out-of-bounds read (sanitizers), a refused body leaves its struct zeroed,
 * and an accepted message re-encodes to bytes that decode and re-encode to the very same bytes. */
#include "proto/proto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_proto_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static proto_msg_t *msg;
    if (!msg)
        msg = proto_msg_new();
    proto_header_t h;
    if (proto_msg_parse(msg, data, size, &h, NULL) != 0)
        return 0;
    fuzz_proto_check_body(msg, &h);
    return 0;
}
