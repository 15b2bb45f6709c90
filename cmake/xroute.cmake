# Helpers shared by every CMakeLists.txt of the tree.
#
# Layering (docs/architecture.md) is enforced by include paths: a library's headers are reachable as
# "<prefix>/<header>.h" only through an include directory that belongs to that library's target, so a file
# can include a layer only if its target links it. Inside a library, its own headers are included plainly.

# xr_library(TARGET PREFIX prefix [DEPS target...] [EXCLUDE file...])
# A static library from every .c file of the current folder (main.c and EXCLUDE files left out), with its
# headers published as "<prefix>/x.h".
function(xr_library target)
  cmake_parse_arguments(L "" "PREFIX" "DEPS;EXCLUDE" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.c)
  list(FILTER srcs EXCLUDE REGEX "/main\\.c$")
  foreach(ex ${L_EXCLUDE})
    list(REMOVE_ITEM srcs ${CMAKE_CURRENT_SOURCE_DIR}/${ex})
  endforeach()
  set(incroot ${CMAKE_BINARY_DIR}/include/${target})
  file(MAKE_DIRECTORY ${incroot})
  if(NOT EXISTS ${incroot}/${L_PREFIX})
    file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR} ${incroot}/${L_PREFIX} SYMBOLIC)
  endif()
  if(NOT srcs)
    # An area that has no code yet still provides its target, so the layers above can be configured.
    set(srcs ${CMAKE_BINARY_DIR}/include/${target}_empty.c)
    file(WRITE ${srcs} "/* empty: ${target} has no sources yet */\ntypedef int ${target}_empty_t;\n")
  endif()
  add_library(${target} STATIC ${srcs})
  target_include_directories(${target} PUBLIC ${incroot} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${target} PUBLIC ${L_DEPS})
endfunction()

# xr_program(NAME SOURCES src... LIBS lib...): an executable in build/bin.
function(xr_program name)
  cmake_parse_arguments(P "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${P_SOURCES})
  target_link_libraries(${name} PRIVATE ${P_LIBS} Threads::Threads m)
endfunction()

# xr_check_test(NAME SOURCES src... LIBS lib... [TIMEOUT s] [LABELS l...])
# One Check suite = one executable = one CTest entry named unit.<NAME>. Environment for the suite:
#   XR_FIXTURES  read-only fixtures (tests/fixtures)
#   XR_SCRATCH   this suite's own scratch directory (created empty before each run)
#   XR_BIN       the build's bin/ directory
function(xr_check_test name)
  cmake_parse_arguments(T "" "TIMEOUT;PREFIX" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT T_PREFIX)
    set(T_PREFIX unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_executable(test_${name} ${T_SOURCES})
  target_link_libraries(test_${name} PRIVATE ${T_LIBS} xr_testutil PkgConfig::CHECK Threads::Threads m)
  set_target_properties(test_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  set(scratch ${CMAKE_BINARY_DIR}/scratch/${name})
  add_test(NAME ${T_PREFIX}.${name}
           COMMAND ${CMAKE_COMMAND} -E env
             XR_FIXTURES=${PROJECT_SOURCE_DIR}/tests/fixtures XR_SCRATCH=${scratch}
             XR_BIN=${CMAKE_BINARY_DIR}/bin XR_SOURCE=${PROJECT_SOURCE_DIR}
             ${CMAKE_COMMAND} -E chdir ${CMAKE_BINARY_DIR} $<TARGET_FILE:test_${name}>)
  set_tests_properties(${T_PREFIX}.${name} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_PREFIX};${T_LABELS}")
endfunction()

# xr_fuzz_target(NAME SOURCES src... LIBS lib...)
# A libFuzzer target when XR_FUZZ is on (clang); otherwise a replay binary that runs the corpus in
# tests/fuzz/corpus/<NAME>/ through the same entry point, registered as CTest entry fuzz-replay.<NAME>.
function(xr_fuzz_target name)
  cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
  set(corpus ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${name})
  if(XR_FUZZ)
    add_executable(fuzz_${name} ${F_SOURCES})
    target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(fuzz_${name} PRIVATE ${F_LIBS} Threads::Threads m)
    set_target_properties(fuzz_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
    set_property(GLOBAL APPEND PROPERTY XR_FUZZ_TARGETS fuzz_${name})
  else()
    add_executable(fuzz_${name} ${F_SOURCES} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.c)
    target_link_libraries(fuzz_${name} PRIVATE ${F_LIBS} Threads::Threads m)
    set_target_properties(fuzz_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
    add_test(NAME fuzz-replay.${name} COMMAND fuzz_${name} ${corpus})
    set_tests_properties(fuzz-replay.${name} PROPERTIES TIMEOUT 300 LABELS fuzz)
  endif()
endfunction()
