# Fuzz target for lib/base decimal: arbitrary bytes through decimal_parse; "a|b" inputs also exercise every
# operation on the two values against arithmetic invariants.
xr_fuzz_target(decimal SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_decimal.c LIBS xr_base)
