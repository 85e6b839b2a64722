#include "support/gpu_fixture.hpp"

#include <cstdlib>
#include <memory>
#include <string>

#include "gpu/context.hpp"

namespace vkmix::test {
namespace {
std::unique_ptr<gpu::Context> gContext;
std::string gFailure;
bool gTried = false;

// The shared context goes when the tests are done, before main returns. Left to a static
// destructor it would be destroyed after the driver's and the validation layer's own statics, since
// it was made after they were: NVIDIA's driver crashed there (rc 139 after every test passed).
class ReleaseContext : public ::testing::Environment {
 public:
  void TearDown() override { gContext.reset(); }
};
const ::testing::Environment* const gRelease =
    ::testing::AddGlobalTestEnvironment(new ReleaseContext);
}  // namespace

gpu::Context* GpuFixture::sharedContext() {
  if (!gTried) {
    gTried = true;
    try {
      gContext =
          std::make_unique<gpu::Context>(gpu::ContextOptions{.device = "", .validation = true});
    } catch (const std::exception& e) {
      gFailure = e.what();
    }
  }
  return gContext.get();
}

RenderOptions GpuFixture::renderOptions(std::int64_t blockFrames) const {
  RenderOptions o;
  o.device = std::to_string(context().info().index);
  o.validation = true;
  o.blockFrames = blockFrames;
  return o;
}

std::string GpuFixture::deviceName() const { return context().info().name; }

std::string GpuFixture::deviceArg() const {
  return " --device " + std::to_string(context().info().index);
}

void GpuFixture::SetUp() {
  if (sharedContext() == nullptr) {
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string(ci) == "true")
      FAIL() << "no Vulkan device under CI: " << gFailure;
    GTEST_SKIP() << "no Vulkan device: " << gFailure;
  }
  errorsBefore_ = context().validationErrorCount();
}

void GpuFixture::TearDown() {
  if (sharedContext() == nullptr) return;
  auto messages = context().validationMessages();
  for (std::size_t i = static_cast<std::size_t>(errorsBefore_); i < messages.size(); ++i) {
    ADD_FAILURE() << "Vulkan validation error: " << messages[i];
  }
}

}  // namespace vkmix::test
