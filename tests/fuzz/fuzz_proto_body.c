/* fuzz_proto_body: the first input byte picks a message type, the rest becomes the `body` value of an
 * otherwise valid envelope of that type, so the fuzzer spends its time inside the body decoders. */
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
    if (size < 1 || size > 65536)
        return 0;
    proto_type_t t = (proto_type_t) (1 + data[0] % (PROTO_T_COUNT_ - 1));
    const char *name = proto_type_name(t);
    size_t nlen = strlen(name);
    /* {"v":1,"type":<name>,"id":"f","ts":1,"body":<rest>} */
    uint8_t *env = malloc(64 + nlen + size);
    size_t n = 0;
    memcpy(env + n, "\x85\xa1v\x01\xa4type", 9);
    n += 9;
    env[n++] = (uint8_t) (0xa0 | nlen);
    memcpy(env + n, name, nlen);
    n += nlen;
    memcpy(env + n, "\xa2id\xa1" "f\xa2ts\x01\xa4" "body", 14);
    n += 14;
    memcpy(env + n, data + 1, size - 1);
    n += size - 1;
    proto_header_t h;
    if (proto_msg_parse(msg, env, n, &h, NULL) == 0)
        fuzz_proto_check_body(msg, &h);
    free(env);
    return 0;
}
