# Fuzz target for the Bybit adapter: arbitrary bytes as replies (headers and successive bodies) into every
# operation's hook at every step, through map_error and observe as the runtime calls them.
xr_fuzz_target(bybit SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_bybit.c LIBS venue_bybit_core)
