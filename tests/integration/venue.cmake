# Venue worker integration: each real xroute-venue-<venue> against the real xroute-exchange-sim, driven over
# ZeroMQ by tests/integration/venue_suite.py (router + recorder roles, venue_harness.py). One table of scenarios,
# one CTest entry per (venue, scenario): integration.venue_<venue>_<scenario>. Ports 30000-30599 (helper
# "vtable"): venue i (binance 0, bybit 1, coindcx 2), scenario j use base 30000 + 200 i + 10 j .. +6
# (simulator base..base+3, router/events/recorder base+4..base+6).
#
# A scenario is listed for a venue only when it passes there. Left out, with the reason:
# - ban418 on bybit and coindcx: 418 is Binance's IP ban (Bybit's 403 ban is covered by "ban"; CoinDCX has none).
# - algo on bybit and coindcx: Binance's /fapi/v1/algoOrder endpoint and its hedge mode (the others keep their
#   conditional orders among their orders, covered by "operations").
set(xr_venue_scenarios operations faults kill9 kill9_rest concurrency replicas ban lifecycle clock ban418
    journal_reset algo)
set(xr_venue_binance operations faults kill9 kill9_rest concurrency replicas ban lifecycle clock ban418 journal_reset
    algo)
set(xr_venue_bybit operations faults kill9 kill9_rest concurrency replicas ban lifecycle clock journal_reset)
set(xr_venue_coindcx operations faults kill9 kill9_rest concurrency replicas ban lifecycle clock journal_reset)
# Also run by make test against the ASan+UBSan build (label venue-asan): the scenarios that exercise the most
# runtime code in little time; a sanitizer report in any process log fails the scenario (venue_suite.py).
set(xr_venue_asan operations kill9_rest concurrency replicas lifecycle algo)
set(xr_venue_index 0)
foreach(venue binance bybit coindcx)
  foreach(name ${xr_venue_${venue}})
    list(FIND xr_venue_scenarios ${name} idx)
    math(EXPR port "30000 + 200 * ${xr_venue_index} + 10 * ${idx}")
    add_test(NAME integration.venue_${venue}_${name}
             COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/venue_suite.py ${CMAKE_BINARY_DIR}/bin
                     ${CMAKE_BINARY_DIR}/scratch/venue_${venue}_${name} ${port} ${venue} ${name})
    set(labels integration)
    list(FIND xr_venue_asan ${name} asan_idx)
    if(asan_idx GREATER -1)
      set(labels "integration;venue-asan")
    endif()
    set_tests_properties(integration.venue_${venue}_${name} PROPERTIES TIMEOUT 180 LABELS "${labels}"
                         SKIP_RETURN_CODE 77)
  endforeach()
  math(EXPR xr_venue_index "${xr_venue_index} + 1")
endforeach()
