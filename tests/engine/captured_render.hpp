// What the engine tests that compare backends share: a render's every output kept in memory,
// channel-major, as the block loop hands it on, and a fixture run once per backend.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/renderer.hpp"
#include "support/gpu_fixture.hpp"
#include "vkmix/render.hpp"

namespace vkmix::test {

struct CapturedRender {
  std::vector<std::vector<float>> mix;                  // stems shape only
  std::vector<std::vector<std::vector<float>>> groups;  // each stem or print
  std::vector<std::string> names;                       // RenderPlanInfo::stems
  std::int64_t planFrames = 0;                          // RenderPlanInfo::numFrames
  std::int64_t reportFrames = 0;
  std::int64_t chunks = 0;  // the block loop's
  RenderReport report;
};

inline CapturedRender captureRender(const Session& s, const RenderOptions& options,
                                    engine::DryShape shape = engine::DryShape::Stems) {
  CapturedRender out;
  const RenderReport report = engine::renderBlocks(
      s, options,
      [&](const engine::RenderPlanInfo& plan) {
        out.names = plan.stems;
        out.planFrames = plan.numFrames;
        out.mix.assign(shape == engine::DryShape::Stems
                           ? static_cast<std::size_t>(plan.layout->numChannels())
                           : 0,
                       {});
        out.groups.assign(plan.stems.size(), {});
      },
      [&](const engine::RenderedBlock& b) {
        auto append = [&](std::vector<std::vector<float>>& to, std::span<const float> rows,
                          std::size_t channels) {
          to.resize(channels);
          for (std::size_t c = 0; c < channels; ++c)
            to[c].insert(to[c].end(), rows.begin() + static_cast<std::ptrdiff_t>(c * b.stride),
                         rows.begin() + static_cast<std::ptrdiff_t>(c * b.stride) + b.numFrames);
        };
        append(out.mix, b.mix, out.mix.size());
        for (std::size_t g = 0; g < b.stems.size(); ++g)
          append(out.groups[g], b.stems[g], b.stems[g].size() / static_cast<std::size_t>(b.stride));
      },
      shape);
  out.reportFrames = report.numFrames;
  out.chunks = report.backend.chunks;
  out.report = report;
  return out;
}

// A test run once per backend, its parameter the --device name ("reference", "cpu"), "vulkan"
// (this fixture's validated Vulkan device, set up only then) or "vulkan-staged" (the same, its
// uploads staged through device memory as on a discrete GPU: VKMIX_GPU_STAGING=1 while the test
// runs). A subclass's SetUp calls BackendTest::SetUp first and returns if the test was skipped or
// failed.
class BackendTest : public GpuFixture, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    if (!vulkan()) return;
    GpuFixture::SetUp();
    if (GetParam() == "vulkan-staged") ::setenv("VKMIX_GPU_STAGING", "1", 1);
  }
  void TearDown() override {
    if (!vulkan()) return;
    ::unsetenv("VKMIX_GPU_STAGING");
    GpuFixture::TearDown();
  }
  bool vulkan() const { return GetParam().starts_with("vulkan"); }
  // Options rendering on this test's backend at `block` frames a chunk.
  RenderOptions backend(std::int64_t block) const {
    if (vulkan()) return renderOptions(block);
    RenderOptions o;
    o.device = GetParam();
    o.blockFrames = block;
    return o;
  }
};

}  // namespace vkmix::test
