# Whole-system tests: the real local stack (deploy/local/stack.sh) on a private port block, driven through the
# gateway. Each entry gets its own scratch directory and ports.
function(xr_system_test name script port_base timeout)
  add_test(NAME integration.${name}
           COMMAND ${CMAKE_COMMAND} -E env XR_SOURCE=${PROJECT_SOURCE_DIR} XR_BIN=${CMAKE_BINARY_DIR}/bin
             XR_SCRATCH=${CMAKE_BINARY_DIR}/scratch/${name} XR_PORT_BASE=${port_base} ${ARGN}
             /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/integration/${script})
  set_tests_properties(integration.${name} PROPERTIES LABELS integration TIMEOUT ${timeout})
endfunction()

xr_system_test(system_routing system_routing.py 21000 900)
xr_system_test(system_cli system_cli.py 21400 600)
xr_system_test(system_recorder system_recorder.py 21100 1800 XR_RECORDER_FILLS=10000)
xr_system_test(system_backstop system_backstop.py 21300 600)
xr_system_test(system_chaos system_chaos.py 28000 600 XR_CHAOS_SEED=7 XR_CHAOS_SECONDS=90)
xr_system_test(system_soak system_soak.py 28100 300 XR_SOAK_WARMUP=20000 XR_SOAK_MESSAGES=200000)
xr_system_test(system_secrets system_secrets.py 28200 300)

# make test also runs these against the ASan+UBSan build (label system-asan): gateway, router, recorder and
# workers of build-asan under a real stack; Stack.down() fails a test whose process logs hold a sanitizer
# report (LeakSanitizer reports when a process stops on SIGTERM).
if(XR_SANITIZE)
  foreach(t system_routing system_cli system_backstop system_secrets)
    set_tests_properties(integration.${t} PROPERTIES LABELS "integration;system-asan")
  endforeach()
endif()
