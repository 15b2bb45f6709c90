# Venue worker integration: the real xroute-venue-binance against the real xroute-exchange-sim, driven over
# ZeroMQ by tests/integration/venue_binance.py (router + recorder roles). Ports 19300-19399 (helper "venue").
# Each test uses its port base .. base+6 (simulator base..base+3, router/events/recorder base+4..base+6).
foreach(pair "operations:19300" "faults:19310" "kill9:19320" "concurrency:19330" "replicas:19340" "ban:19350" "lifecycle:19360"
       "clock:19370" "ban418:19380")
  string(REPLACE ":" ";" parts ${pair})
  list(GET parts 0 name)
  list(GET parts 1 port)
  add_test(NAME integration.venue_binance_${name}
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/venue_binance.py ${CMAKE_BINARY_DIR}/bin
                   ${CMAKE_BINARY_DIR}/scratch/venue_binance_${name} ${port} ${name})
  set_tests_properties(integration.venue_binance_${name} PROPERTIES TIMEOUT 180 LABELS integration
                       SKIP_RETURN_CODE 77)
endforeach()
