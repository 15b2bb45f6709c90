# Journal recovery: arbitrary bytes as the content of a journal file, opened, replayed and appended to.
xr_fuzz_target(journal SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_journal.c LIBS xr_base)
