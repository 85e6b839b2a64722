// The double-precision CPU reference behind the Backend seam: the specification the other
// backends are held to (--device cpu).
#pragma once

#include <memory>

#include "backend/backend.hpp"

namespace vkmix::backend {

std::unique_ptr<Backend> makeReferenceBackend(const BackendSetup& setup);

}  // namespace vkmix::backend
