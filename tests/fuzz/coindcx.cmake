# Fuzz target for the CoinDCX adapter: arbitrary bytes as replies (headers and successive bodies) into every
# operation's hook at every step, through sign and map_error as the runtime calls them.
xr_fuzz_target(coindcx SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_coindcx.c LIBS venue_coindcx_core)
