# Recorder throughput: durable fills/s through xroute-recorder vs PostgreSQL COPY of the same rows, same run.
# Run: cmake --build <dir> --target bench-recorder   (or bin dir bench/bench_recorder [N] with XR_SOURCE, XR_BIN)
add_executable(bench_recorder ${CMAKE_CURRENT_SOURCE_DIR}/recorder_bench.c)
target_link_libraries(bench_recorder PRIVATE xr_db xr_bus xr_proto xr_base Threads::Threads m)
set_target_properties(bench_recorder PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
add_custom_target(bench-recorder
  COMMAND ${CMAKE_COMMAND} -E env XR_SOURCE=${PROJECT_SOURCE_DIR} XR_BIN=${CMAKE_BINARY_DIR}/bin
          XR_SCRATCH=${CMAKE_BINARY_DIR}/scratch/bench_recorder $<TARGET_FILE:bench_recorder>
  DEPENDS bench_recorder xroute-recorder
  USES_TERMINAL)
