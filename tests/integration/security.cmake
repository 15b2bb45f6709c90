# CURVE and per-client authorisation over the real gateway and router processes (tests/integration/security.py):
# keys from `xroute keygen`, zauth allow directories, clients.conf, the Python client and the CLI.
# Ports 27000-27011 (helper "sec").
add_test(NAME integration.security
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/security.py ${CMAKE_BINARY_DIR}/bin
                 ${CMAKE_BINARY_DIR}/scratch/security ${PROJECT_SOURCE_DIR} 27000)
set_tests_properties(integration.security PROPERTIES TIMEOUT 120 LABELS integration)
