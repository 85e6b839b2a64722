// VKMIX_ASSERT: always on, in every build type. A failed check is a bug in vkmix, so it throws
// InternalError (caught and printed by main) instead of aborting the process.
#pragma once

#include <string>

#include "vkmix/error.hpp"

#define VKMIX_ASSERT(cond, msg)                                                             \
  do {                                                                                      \
    if (!(cond))                                                                            \
      throw ::vkmix::InternalError(std::string(__FILE__) + ":" + std::to_string(__LINE__) + \
                                   ": assertion '" #cond "' failed: " + (msg));             \
  } while (false)
