#include "cli/version.hpp"

#include "cli/build_info.hpp"

namespace vkmix::cli {

std::string versionLine() {
  return std::string("vkmix ") + VKMIX_VERSION + " (commit " + VKMIX_COMMIT + ")";
}

}  // namespace vkmix::cli
