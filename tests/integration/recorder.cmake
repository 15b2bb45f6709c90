# Recorder end to end: xroute-recorder + a real PostgreSQL (tests/support/pg.sh) + a Python worker that
# publishes 11000 events with gaps, while the recorder is killed with SIGKILL and PostgreSQL is stopped for 10 s.
add_test(NAME integration.recorder_e2e
         COMMAND ${CMAKE_COMMAND} -E env
           XR_SOURCE=${PROJECT_SOURCE_DIR} XR_BIN=${CMAKE_BINARY_DIR}/bin
           XR_SCRATCH=${CMAKE_BINARY_DIR}/scratch/integration.recorder_e2e
           REC_EV_PORT=19401 REC_CTL_PORT=19402
           /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/recorder_e2e.py)
set_tests_properties(integration.recorder_e2e PROPERTIES LABELS integration TIMEOUT 300)
