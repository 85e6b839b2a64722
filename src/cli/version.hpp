// What `vkmix --version` prints: the version from CMake's project() and the commit the binary was
// built from, both captured at build time (cmake/build_info.cmake).
#pragma once

#include <string>

namespace vkmix::cli {

// "vkmix 0.1.0 (commit abc1234)"; the commit ends in "+dirty" when tracked files differed from
// it, and is "unknown" for a build outside a git checkout.
std::string versionLine();

}  // namespace vkmix::cli
