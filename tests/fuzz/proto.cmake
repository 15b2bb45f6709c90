# proto: the envelope reader and every body decoder, from arbitrary bytes (fuzz_proto) and from arbitrary
# bodies inside a valid envelope of a chosen type (fuzz_proto_body). Seeds: tests/fixtures/proto.
xr_fuzz_target(proto SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_proto.c LIBS xr_proto)
xr_fuzz_target(proto_body SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_proto_body.c LIBS xr_proto)
