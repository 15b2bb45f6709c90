# Fuzz target for the exchange simulator's admin API (tools/exchange-sim/admin.c through sim_admin_handle): the
# JSON bodies of POST /admin/fault, /admin/price and /admin/config, and the query strings of the GET routes.
# Every reply must be JSON; a body that is not a JSON object is refused (400); a refused request changes nothing.
xr_fuzz_target(sim_admin SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_sim_admin.c LIBS sim_core)
