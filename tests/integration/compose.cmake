# The docker-compose deployment, end to end (tests/integration/compose.sh): builds the images from the sources,
# brings docker-compose.yml up on the host network (deploy/docker/compose.test.yml, ports 23000-23099, helper
# "docker"), trades through the CLI on every venue, scales and kills Binance workers, tears everything down.
# Under CI=true it must run; elsewhere it exits 77 (skipped, reason printed) when it cannot get root or a
# Docker daemon. Registered in the plain build only: the images are built from the sources, not from this
# build's outputs, so a sanitizer build would test nothing more.
if(NOT XR_SANITIZE AND NOT XR_FUZZ)
  add_test(NAME integration.compose
           COMMAND /bin/bash ${CMAKE_CURRENT_SOURCE_DIR}/compose.sh ${CMAKE_BINARY_DIR}/bin
                   ${CMAKE_BINARY_DIR}/scratch/integration.compose)
  set_tests_properties(integration.compose PROPERTIES LABELS integration TIMEOUT 2400 SKIP_RETURN_CODE 77)
endif()
