# The library as users link it, and what `cmake --install` puts under the
# prefix: the commands, libtessel.so (versioned soname) and libtessel.a,
# tessel.h, tessel.pc for pkg-config and a CMake package (find_package).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# libtessel.so: the API over every layer; only TESSEL_API symbols are
# exported (the layers are built with hidden visibility).
add_library(tessel_shared SHARED ${CMAKE_SOURCE_DIR}/api/tessel.c)
target_include_directories(tessel_shared PRIVATE ${CMAKE_BINARY_DIR}/layers/api)
target_link_libraries(tessel_shared PRIVATE tessel_compiler)
set_target_properties(tessel_shared PROPERTIES OUTPUT_NAME tessel VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR} LINK_FLAGS "-Wl,--no-undefined")

# libtessel.a: every layer's objects linked into one relocatable object
# whose hidden symbols are then made local, so that a program linking it
# statically sees tessel.h's functions and nothing else of ours (no die,
# no xmalloc to clash with its own).
set(TESSEL_ARCHIVES tessel_api tessel_compiler tessel_tensorize tessel_ir tessel_rtl tessel_sim tessel_device
  tessel_isa tessel_hwdesc tessel_base)
set(archive_files)
foreach(a ${TESSEL_ARCHIVES})
  list(APPEND archive_files $<TARGET_FILE:${a}>)
endforeach()
set(TESSEL_STATIC ${CMAKE_BINARY_DIR}/libtessel.a)
add_custom_command(OUTPUT ${TESSEL_STATIC}
  COMMAND ${CMAKE_LINKER} -r --whole-archive ${archive_files} --no-whole-archive -o ${CMAKE_BINARY_DIR}/tessel_all.o
  COMMAND ${CMAKE_OBJCOPY} --localize-hidden ${CMAKE_BINARY_DIR}/tessel_all.o
  COMMAND ${CMAKE_COMMAND} -E rm -f ${TESSEL_STATIC}
  COMMAND ${CMAKE_AR} rcs ${TESSEL_STATIC} ${CMAKE_BINARY_DIR}/tessel_all.o
  DEPENDS ${TESSEL_ARCHIVES}
  COMMENT "Linking the static library libtessel.a" VERBATIM)
add_custom_target(tessel_static ALL DEPENDS ${TESSEL_STATIC})

# What a static link needs besides libtessel.a (pkg-config's Libs.private).
string(REPLACE ";" " " TESSEL_PRIVATE_LIBS "${LLVM_LINK_FLAGS} -ldl -lm -lstdc++")

# tessel.pc and the package config find the prefix from where they are
# installed, so the prefix can be moved.
file(RELATIVE_PATH TESSEL_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
file(RELATIVE_PATH TESSEL_CMAKE_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/cmake/tessel /p)
configure_file(${CMAKE_SOURCE_DIR}/cmake/tessel.pc.in ${CMAKE_BINARY_DIR}/tessel.pc @ONLY)
configure_file(${CMAKE_SOURCE_DIR}/cmake/tesselConfig.cmake.in ${CMAKE_BINARY_DIR}/tesselConfig.cmake @ONLY)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/tesselConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)

install(TARGETS tessel_shared LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${TESSEL_STATIC} DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${CMAKE_SOURCE_DIR}/api/tessel.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${CMAKE_BINARY_DIR}/tessel.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
install(FILES ${CMAKE_BINARY_DIR}/tesselConfig.cmake ${CMAKE_BINARY_DIR}/tesselConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tessel)
