# The layers: one static library per top-level folder, each declaring the
# layers it builds on (docs/architecture.md).  A layer sees the headers of
# itself and of the layers below it, and no others:
#   - its include path is a directory of links to exactly those folders, so
#     `#include "ir/ir.h"` from a lower layer does not compile;
#   - cmake/layer_check.cmake checks every include of the layer's files
#     before it builds, and refuses `../` (which would climb past the
#     include path) and any folder that is not below, naming the file and line.
#
# tessel_layer(NAME [FOLDER dir] [PROGRAM exe] [DEPENDS layer...] [SOURCES file...] [LIBS lib...])
#   NAME     the layer; its library is tessel_NAME (or, with PROGRAM, the
#            layer is the executable `exe`: the top of the stack)
#   FOLDER   its top-level folder (default NAME)
#   SOURCES  extra sources (generated files); FOLDER/*.c are always in it
function(tessel_layer name)
  cmake_parse_arguments(L "" "FOLDER;PROGRAM" "DEPENDS;SOURCES;LIBS" ${ARGN})
  if(NOT L_FOLDER)
    set(L_FOLDER ${name})
  endif()
  # What this layer may include: its folder and everything below its dependencies.
  set(visible ${L_FOLDER})
  foreach(dep ${L_DEPENDS})
    get_property(below GLOBAL PROPERTY TESSEL_LAYER_${dep}_VISIBLE)
    if(NOT below)
      message(FATAL_ERROR "layer ${name} depends on ${dep}, which is not declared before it")
    endif()
    list(APPEND visible ${below})
  endforeach()
  list(REMOVE_DUPLICATES visible)
  set_property(GLOBAL PROPERTY TESSEL_LAYER_${name}_VISIBLE ${visible})

  set(dir ${CMAKE_BINARY_DIR}/layers/${name})
  file(REMOVE_RECURSE ${dir})
  file(MAKE_DIRECTORY ${dir})
  foreach(v ${visible})
    file(CREATE_LINK ${CMAKE_SOURCE_DIR}/${v} ${dir}/${v} SYMBOLIC)
  endforeach()

  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${L_FOLDER}/*.c)
  file(GLOB headers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${L_FOLDER}/*.h)
  set(checked ${CMAKE_BINARY_DIR}/layers/${name}.checked)
  string(REPLACE ";" "|" files_arg "${sources};${headers}")
  string(REPLACE ";" "|" visible_arg "${visible}")
  add_custom_command(OUTPUT ${checked}
    COMMAND ${CMAKE_COMMAND} -DLAYER=${name} -DVISIBLE=${visible_arg} -DROOT=${CMAKE_SOURCE_DIR}
            -DFILES=${files_arg} -DSTAMP=${checked} -P ${CMAKE_SOURCE_DIR}/cmake/layer_check.cmake
    DEPENDS ${sources} ${headers} ${CMAKE_SOURCE_DIR}/cmake/layer_check.cmake
    COMMENT "Checking the includes of layer ${name}" VERBATIM)

  if(L_PROGRAM)
    set(target ${L_PROGRAM})
    add_executable(${target} ${sources} ${L_SOURCES} ${checked})
  else()
    set(target tessel_${name})
    add_library(${target} STATIC ${sources} ${L_SOURCES} ${checked})
  endif()
  target_include_directories(${target} PRIVATE ${dir})
  set(deps)
  foreach(dep ${L_DEPENDS})
    list(APPEND deps tessel_${dep})
  endforeach()
  target_link_libraries(${target} PUBLIC ${deps} ${L_LIBS})
endfunction()
