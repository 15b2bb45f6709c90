# lib/http's suite: real libmicrohttpd and raw-socket servers on 127.0.0.1 inside the test (a few seconds).
xr_check_test(http_client SOURCES ${PROJECT_SOURCE_DIR}/tests/http/test_http_client.c LIBS xr_http PkgConfig::MHD PREFIX unit)
