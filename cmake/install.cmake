# Installing vkmix and packaging it as a Debian package:
#   cmake --install build [--prefix DIR]     bin/vkmix, its man page, bash completion, the user
#                                            documents, LICENSE and the third-party notices
#   cpack --config build/CPackConfig.cmake   vkmix_<version>_<arch>.deb, its Depends found by
#                                            dpkg-shlibdeps from what the binary links
# tests/install/install_test.sh checks both.
include(GNUInstallDirs)

# Installing and packaging copy what the build made and build nothing: cpack would otherwise
# build every target first (Ninja's preinstall depends on all), and the install test must not
# rebuild the tree under the tests running beside it.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# The man page is the built binary's own help (help2man), so it cannot drift from the options.
find_program(VKMIX_HELP2MAN help2man REQUIRED)
set(_man_page ${CMAKE_BINARY_DIR}/packaging/vkmix.1.gz)
add_custom_command(OUTPUT ${_man_page}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging
  COMMAND bash ${PROJECT_SOURCE_DIR}/packaging/make_man_page.sh $<TARGET_FILE:vkmix> ${_man_page}
  DEPENDS vkmix ${PROJECT_SOURCE_DIR}/packaging/make_man_page.sh
          ${PROJECT_SOURCE_DIR}/packaging/vkmix.h2m
  COMMENT "help2man: vkmix.1"
  VERBATIM)
add_custom_target(vkmix_man ALL DEPENDS ${_man_page})

install(TARGETS vkmix RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${_man_page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES packaging/vkmix.bash-completion
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME vkmix)
# The session format and the other documents the man page and README point to.
install(FILES README.md LICENSE THIRD_PARTY_NOTICES.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
# Debian's copyright files of the code compiled into the binary (static libraries and headers;
# THIRD_PARTY_NOTICES.md): every licence text in full, as the build machine's packages state it.
foreach(_pkg glslang-dev spirv-tools spirv-headers libvulkan-dev libimgui-dev libvkfft-dev
    libcli11-dev nlohmann-json3-dev)
  if(EXISTS /usr/share/doc/${_pkg}/copyright)
    install(FILES /usr/share/doc/${_pkg}/copyright
      DESTINATION ${CMAKE_INSTALL_DOCDIR}/third-party RENAME ${_pkg}.copyright)
  endif()
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vkmix)
set(CPACK_PACKAGE_VENDOR "The vkmix authors")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "object-based film mix renderer with a Vulkan compute core")
set(CPACK_PACKAGE_DESCRIPTION
  "vkmix renders object-based film mixes: a session of tracks and clips (dialogue, effects,
music) decoded through FFmpeg and mixed in Vulkan compute shaders, with objects panned to any
loudspeaker layout (ITU-R BS.2127), convolution reverb, dialogue denoise, BS.1770-4 loudness
metering and normalisation, ADM BWF import and export, and an inspector. Without a GPU it runs on
Mesa's lavapipe.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_STRIP_FILES ON)
set(VKMIX_PACKAGE_MAINTAINER "vkmix maintainers <maintainers@users.noreply.r-seed-2fccab01.example>"
  CACHE STRING "Maintainer field of the .deb")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${VKMIX_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION sound)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# No Debian revision: vkmix_0.1.0_amd64.deb.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Depends: the packages of the shared libraries the binary links, with the versions their symbols
# need (dpkg-shlibdeps); the FFmpeg command line is not one of them.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# A Vulkan driver is loaded, not linked: lavapipe lets vkmix run on any machine, a GPU's driver
# replaces it, and `--device cpu` needs none.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS mesa-vulkan-drivers)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS bash-completion)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
