// GpuFixture: one validated gpu::Context shared by all tests of a binary. A test fails if the
// validation layer reported any error during it. Without a Vulkan device the tests are skipped
// with the reason, except under CI=true where that is a failure (CI must have lavapipe).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "gpu/context.hpp"
#include "vkmix/render.hpp"

namespace vkmix::test {

class GpuFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  const gpu::Context& context() const { return *sharedContext(); }
  // Render options on this fixture's device, with the validation layers on.
  RenderOptions renderOptions(std::int64_t blockFrames = 4096) const {
    RenderOptions o;
    o.device = std::to_string(context().info().index);
    o.validation = true;
    o.blockFrames = blockFrames;
    return o;
  }
  static gpu::Context* sharedContext();

 private:
  int errorsBefore_ = 0;
};

}  // namespace vkmix::test
