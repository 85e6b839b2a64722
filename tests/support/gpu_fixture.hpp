// GpuFixture: one validated gpu::Context shared by all tests of a binary. A test fails if the
// validation layer reported any error during it. Without a Vulkan device the tests are skipped
// with the reason, except under CI=true where that is a failure (CI must have lavapipe).
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "gpu/context.hpp"

namespace vkmix::test {

class GpuFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  const gpu::Context& context() const { return *sharedContext(); }
  static gpu::Context* sharedContext();

 private:
  int errorsBefore_ = 0;
};

}  // namespace vkmix::test
