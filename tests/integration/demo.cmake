# make demo (deploy/local/demo.sh as it is) end to end against this build's binaries, in a private root under
# the scratch directory with deploy/local.env's ports moved to 24000-24099; no apt, no rebuild (demo.py).
add_test(NAME integration.demo
         COMMAND ${CMAKE_COMMAND} -E env XR_SOURCE=${PROJECT_SOURCE_DIR} XR_BIN=${CMAKE_BINARY_DIR}/bin
           XR_SCRATCH=${CMAKE_BINARY_DIR}/scratch/demo
           /usr/bin/python3 ${PROJECT_SOURCE_DIR}/tests/integration/demo.py)
set_tests_properties(integration.demo PROPERTIES LABELS integration TIMEOUT 300)
