// FftPlan's kernel cache: the first plan of a shape compiles and stores its SPIR-V, the next one
// loads it and transforms to the same bits; a corrupted entry is compiled again and rewritten.
// The transform itself is checked against a double-precision DFT (the convolver's tests check it
// end to end).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "gpu/buffer.hpp"
#include "gpu/fft_plan.hpp"
#include "gpu/submitter.hpp"
#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"
#include "support/test_media.hpp"

namespace vkmix::gpu {
namespace {

using test::GpuFixture;

// Sets an environment variable for the scope, then puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::vector<std::filesystem::path> entries(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  return files;
}

TEST_F(GpuFixture, FftKernelsAreCachedAndABadEntryIsCompiledAgain) {
  test::ScratchDir dir;
  ScopedEnv env("VKMIX_CACHE_DIR", dir.path().string());
  constexpr std::uint32_t n = 512;
  const std::vector<float> x = test::noise(n, 3, 0.5f);
  auto forward = [&] {
    const std::uint32_t rowFloats = 2 * (n / 2 + 1);
    Buffer buffer(context(), rowFloats * sizeof(float), vk::BufferUsageFlagBits::eStorageBuffer);
    std::copy(x.begin(), x.end(), buffer.as<float>());
    FftPlan plan(context(), n, 1, buffer.buffer(), buffer.bytes(), FftDirections::ForwardOnly);
    Submitter submitter(context());
    plan.recordForward(submitter.begin());
    submitter.submitAndWait("fft");
    return std::vector<float>(buffer.as<float>(), buffer.as<float>() + rowFloats);
  };

  const std::vector<float> compiled = forward();
  const auto files = entries(dir.path());
  ASSERT_EQ(files.size(), 1u) << "the first plan stores its kernels";
  const auto stored = std::filesystem::file_size(files[0]);
  // The transform is right: bins against a DFT in double, within 1e-5 of the largest bin.
  double largest = 0.0, worst = 0.0;
  for (std::uint32_t k = 0; k <= n / 2; ++k) {
    double re = 0.0, im = 0.0;
    for (std::uint32_t t = 0; t < n; ++t) {
      const double a = -2.0 * 3.14159265358979323846 * k * t / n;
      re += x[t] * std::cos(a);
      im += x[t] * std::sin(a);
    }
    largest = std::max(largest, std::hypot(re, im));
    worst = std::max(worst, std::hypot(re - compiled[2 * k], im - compiled[2 * k + 1]));
  }
  EXPECT_LE(worst, 1e-5 * largest);

  EXPECT_EQ(forward(), compiled) << "a plan loaded from the cache";

  {  // One byte of the kernels changed: the checksum fails, the plan compiles again.
    std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(stored) - 9);
    f.put('\x5a');
  }
  EXPECT_EQ(forward(), compiled) << "after the entry was corrupted";
  EXPECT_EQ(std::filesystem::file_size(files[0]), stored) << "the entry is rewritten";
  EXPECT_EQ(forward(), compiled);
  {  // Truncated, too.
    std::filesystem::resize_file(files[0], stored / 2);
  }
  EXPECT_EQ(forward(), compiled) << "after the entry was truncated";
  EXPECT_EQ(std::filesystem::file_size(files[0]), stored);
}

TEST_F(GpuFixture, AnEmptyCacheDirMeansNoCache) {
  test::ScratchDir dir;
  ScopedEnv env("VKMIX_CACHE_DIR", "");
  ScopedEnv home("HOME", dir.path().string());
  Buffer buffer(context(), 2 * 129 * sizeof(float), vk::BufferUsageFlagBits::eStorageBuffer);
  FftPlan plan(context(), 256, 1, buffer.buffer(), buffer.bytes(), FftDirections::ForwardOnly);
  EXPECT_TRUE(entries(dir.path()).empty());
}

}  // namespace
}  // namespace vkmix::gpu
