# Independent-client suites for the exchange simulator (owner: simx). Each starts its own
# xroute-exchange-sim on a free loopback port block in 19200-19299 and stops it at the end.
#   simx_ccxt_bybit        ccxt (npm) `bybit` against the Bybit v5 dialect
#   simx_ccxt_binanceusdm  ccxt (npm) `binanceusdm` against the Binance USD-M dialect
#   simx_coindcx           a CoinDCX signer written from the documented rule (Python stdlib) against the CoinDCX dialect
#   simx_bybit_raw         raw signed HTTP against the Bybit dialect: bad signatures/bodies, the IP limit (403)
find_program(XR_NODE node)
find_program(XR_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
set(simx_env XR_BIN=${CMAKE_BINARY_DIR}/bin XR_SOURCE=${PROJECT_SOURCE_DIR})
if(XR_NODE)
  foreach(s bybit binanceusdm)
    add_test(NAME integration.simx_ccxt_${s}
             COMMAND ${CMAKE_COMMAND} -E env ${simx_env} XR_SCRATCH=${CMAKE_BINARY_DIR}/scratch/simx_ccxt_${s}
                     bash ${CMAKE_CURRENT_SOURCE_DIR}/simx_node.sh ccxt_${s}.mjs)
    set_tests_properties(integration.simx_ccxt_${s} PROPERTIES TIMEOUT 180 LABELS integration
                         FAIL_REGULAR_EXPRESSION "^FAIL ")
  endforeach()
endif()
if(XR_PYTHON3)
  add_test(NAME integration.simx_coindcx
           COMMAND ${CMAKE_COMMAND} -E env ${simx_env} XR_SCRATCH=${CMAKE_BINARY_DIR}/scratch/simx_coindcx
                   ${XR_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/simx_coindcx.py)
  set_tests_properties(integration.simx_coindcx PROPERTIES TIMEOUT 120 LABELS integration)
  add_test(NAME integration.simx_bybit_raw
           COMMAND ${CMAKE_COMMAND} -E env ${simx_env} XR_SCRATCH=${CMAKE_BINARY_DIR}/scratch/simx_bybit_raw
                   ${XR_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/simx_bybit_raw.py)
  set_tests_properties(integration.simx_bybit_raw PROPERTIES TIMEOUT 120 LABELS integration)
endif()
