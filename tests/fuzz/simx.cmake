# Fuzz targets for the Bybit and CoinDCX dialects of the exchange simulator: arbitrary requests (method, path,
# query, body, correctly signed or not) straight into each dialect's handle hook; every reply must be JSON.
xr_fuzz_target(sim_bybit SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_sim_bybit.c
  ${CMAKE_CURRENT_SOURCE_DIR}/sim_dialect_fuzz.c LIBS sim_core)
xr_fuzz_target(sim_coindcx SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_sim_coindcx.c
  ${CMAKE_CURRENT_SOURCE_DIR}/sim_dialect_fuzz.c LIBS sim_core)
