# Fuzz target for the exchange simulator's request handling (owner: sim): arbitrary method/path/query/body,
# signed correctly or not, straight into the Binance dialect's handle hook; every reply must be JSON.
xr_fuzz_target(sim_http SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_sim_http.c LIBS sim_core)
