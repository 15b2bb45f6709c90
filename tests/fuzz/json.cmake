# Fuzz target for lib/json: arbitrary bytes through the bounded parser, every getter on every node.
xr_fuzz_target(json SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_json.c LIBS xr_json)
