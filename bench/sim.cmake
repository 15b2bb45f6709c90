# Exchange simulator throughput: signed order requests/s over HTTP/1.1 keep-alive at concurrency 1 and 64.
# Run: cmake --build <dir> --target bench-sim   (or <dir>/bench/bench_sim [seconds] [levels...] with XR_BIN)
add_executable(bench_sim ${CMAKE_CURRENT_SOURCE_DIR}/sim_bench.c)
target_link_libraries(bench_sim PRIVATE xr_crypto xr_base Threads::Threads m)
set_target_properties(bench_sim PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
add_custom_target(bench-sim
  COMMAND ${CMAKE_COMMAND} -E env XR_BIN=${CMAKE_BINARY_DIR}/bin $<TARGET_FILE:bench_sim>
  DEPENDS bench_sim xroute-exchange-sim
  USES_TERMINAL)
