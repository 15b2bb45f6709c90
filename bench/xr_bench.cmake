# The `make bench` clients (bench/run.sh): the pipeline client (DEALER to the gateway), the floor client (straight
# to the simulator over lib/http) and the codec micro-bench. Binaries land in <build>/bench/.
foreach(b pipeline floor codec)
  add_executable(bench_${b} ${CMAKE_CURRENT_SOURCE_DIR}/${b}_bench.c)
  if(NOT b STREQUAL "codec")
    target_sources(bench_${b} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/bench_report.c)
  endif()
  set_target_properties(bench_${b} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endforeach()
target_link_libraries(bench_pipeline PRIVATE xr_bus xr_proto xr_base)
target_link_libraries(bench_floor PRIVATE xr_http xr_crypto xr_base)
target_link_libraries(bench_codec PRIVATE xr_proto xr_base)
