# Exchange simulator (owner: sim): the real xroute-exchange-sim driven over HTTP by an independent stdlib Python
# client (sim_client.py: http.client + hmac). Ports 19110-19177 of the sim range (each test class its own block).
find_program(XR_SIM_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(XR_SIM_PYTHON3)
  add_test(NAME integration.sim_binance
           COMMAND ${CMAKE_COMMAND} -E env XR_BIN=${CMAKE_BINARY_DIR}/bin XR_SOURCE=${PROJECT_SOURCE_DIR}
                   ${XR_SIM_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/sim_binance_test.py)
  set_tests_properties(integration.sim_binance PROPERTIES LABELS integration TIMEOUT 300)
endif()
if(XR_SIM_PYTHON3)
  # published rate limits per mode (default, --no-rate-limits, --rate-limit-per-min): ports 19160-19177
  add_test(NAME integration.sim_limits
           COMMAND ${CMAKE_COMMAND} -E env XR_BIN=${CMAKE_BINARY_DIR}/bin XR_SOURCE=${PROJECT_SOURCE_DIR}
                   ${XR_SIM_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/sim_limits_test.py)
  set_tests_properties(integration.sim_limits PROPERTIES LABELS integration TIMEOUT 180)
endif()
