# One ZeroMQ hop: a client -> 0..3 forwarders (ROUTER in front, DEALER behind, as gateway and router) -> echo
# chain of processes, over tcp://127.0.0.1 and ipc://, CURVE on and off, 1 and 64 messages in flight: messages/s,
# round trip p50/p99 and CPU per message of every process; the summary gives one hop's CPU and latency.
# Run: cmake --build <dir> --target bench-hop   (or <dir>/bench/bench_hop [-r rounds] [-s seconds] ..., see its
# header comment)
add_executable(bench_hop ${CMAKE_CURRENT_SOURCE_DIR}/hop_bench.c)
target_link_libraries(bench_hop PRIVATE xr_bus xr_proto xr_base Threads::Threads m)
set_target_properties(bench_hop PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
add_custom_target(bench-hop
  COMMAND $<TARGET_FILE:bench_hop>
  DEPENDS bench_hop
  USES_TERMINAL)
