// GpuFixture: one validated gpu::Context shared by all tests of a binary. A test fails if the
// validation layer reported any error during it. Without a Vulkan device the tests are skipped
// with the reason, except under CI=true where that is a failure (CI must have lavapipe).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "vkmix/render.hpp"

// Only declared: most tests render through the public API and need none of Vulkan-Hpp's
// headers (4-5 s of parsing per file); those that use the context include gpu/context.hpp.
namespace vkmix::gpu {
class Context;
}  // namespace vkmix::gpu

namespace vkmix::test {

class GpuFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  const gpu::Context& context() const { return *sharedContext(); }
  // Render options on this fixture's device, with the validation layers on.
  RenderOptions renderOptions(std::int64_t blockFrames = 4096) const;
  // The device's name, as `vkmix devices` and render summaries print it.
  std::string deviceName() const;
  // " --device N" naming this fixture's Vulkan device on a vkmix command line (without it, a
  // machine with no GPU renders on the native CPU backend).
  std::string deviceArg() const;
  static gpu::Context* sharedContext();

 private:
  int errorsBefore_ = 0;
};

}  // namespace vkmix::test
