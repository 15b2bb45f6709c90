# Fuzz target for the Binance adapter: arbitrary replies through every operation's steps, the error mapper
# and the usage-header reader.
xr_fuzz_target(binance SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_binance.c LIBS venue_binance_core)
