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

// The largest error of `bins` (n/2 + 1 complex values) against a double-precision DFT of `x`,
// relative to the largest bin.
double dftError(const std::vector<float>& x, const float* bins) {
  const std::size_t n = x.size();
  double largest = 0.0, worst = 0.0;
  for (std::size_t k = 0; k <= n / 2; ++k) {
    double re = 0.0, im = 0.0;
    for (std::size_t t = 0; t < n; ++t) {
      const double a =
          -2.0 * 3.14159265358979323846 * static_cast<double>(k * t) / static_cast<double>(n);
      re += x[t] * std::cos(a);
      im += x[t] * std::sin(a);
    }
    largest = std::max(largest, std::hypot(re, im));
    worst = std::max(worst, std::hypot(re - bins[2 * k], im - bins[2 * k + 1]));
  }
  return worst / largest;
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
  EXPECT_LE(dftError(x, compiled.data()), 1e-5);

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

// A batch of rows started at a byte offset given at launch (the convolver's ring of delay-line
// slots): every row of the batch is transformed as a plan without offsets transforms it, to
// within float rounding (VkFFT's kernels depend on the batch; 512
// points: against the DFT too; 32768: the short partition's FFT, in two passes), and the rows
// outside the batch are left as they were.
class FftRowsTest : public GpuFixture, public ::testing::WithParamInterface<std::uint32_t> {};

TEST_P(FftRowsTest, ABatchCanStartAtAnOffsetGivenAtLaunch) {
  const std::uint32_t n = GetParam(), rows = 8, batch = 4, rowFloats = 2 * (n / 2 + 1);
  Buffer buffer(context(), rows * rowFloats * sizeof(float),
                vk::BufferUsageFlagBits::eStorageBuffer);
  FftPlan plan(context(), n, batch, buffer.buffer(), buffer.bytes(), FftDirections::ForwardOnly,
               FftRows{.offsetsAtLaunch = true});
  Buffer plainBuffer(context(), buffer.bytes(), vk::BufferUsageFlagBits::eStorageBuffer);
  FftPlan plain(context(), n, rows, plainBuffer.buffer(), plainBuffer.bytes(),
                FftDirections::ForwardOnly);
  Submitter submitter(context());
  for (std::uint32_t first : {0u, 3u, 4u}) {
    std::vector<std::vector<float>> x;
    float* data = buffer.as<float>();
    for (std::uint32_t r = 0; r < rows; ++r) {
      x.push_back(test::noise(n, 100 + r + first, 0.5f));
      std::copy(x[r].begin(), x[r].end(), data + r * rowFloats);
      std::copy(x[r].begin(), x[r].end(), plainBuffer.as<float>() + r * rowFloats);
    }
    plan.recordForward(submitter.begin(), first * rowFloats * sizeof(float));
    submitter.submitAndWait("fft");
    plain.recordForward(submitter.begin());
    submitter.submitAndWait("fft");
    for (std::uint32_t r = 0; r < rows; ++r) {
      const float* row = data + r * rowFloats;
      if (r < first || r >= first + batch) {
        EXPECT_TRUE(std::equal(x[r].begin(), x[r].end(), row)) << "row " << r << " outside";
        continue;
      }
      const float* expected = plainBuffer.as<float>() + r * rowFloats;
      float largest = 0.0f, worst = 0.0f;
      for (std::uint32_t i = 0; i < rowFloats; ++i) {
        largest = std::max(largest, std::abs(expected[i]));
        worst = std::max(worst, std::abs(row[i] - expected[i]));
      }
      EXPECT_LE(worst, 1e-6f * largest) << "row " << r << ", batch from " << first;
      if (n <= 512) {
        EXPECT_LE(dftError(x[r], row), 1e-5) << "row " << r;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, FftRowsTest, ::testing::Values(512u, 32768u));

// An inverse that writes only the second half of each row (what an overlap-save convolver keeps)
// stores nothing in the first half and gives the second the bits of a full inverse, for a one-pass
// size (512), the convolver's short partition (32768 points) and its longest (262144, three
// passes), in a batch of three.
class SecondHalfTest : public GpuFixture, public ::testing::WithParamInterface<std::uint32_t> {};

TEST_P(SecondHalfTest, AnInverseOfTheSecondHalfHasTheBitsOfTheFullOne) {
  const std::uint32_t n = GetParam(), rows = 3, rowFloats = 2 * (n / 2 + 1);
  const vk::DeviceSize bytes = rows * rowFloats * sizeof(float);
  Buffer full(context(), bytes, vk::BufferUsageFlagBits::eStorageBuffer);
  Buffer half(context(), bytes, vk::BufferUsageFlagBits::eStorageBuffer);
  FftPlan forward(context(), n, rows, full.buffer(), bytes, FftDirections::ForwardOnly);
  FftPlan inverse(context(), n, rows, full.buffer(), bytes, FftDirections::InverseOnly);
  FftPlan inverseHalf(context(), n, rows, half.buffer(), bytes, FftDirections::InverseOnly,
                      FftRows{.inverseWritesSecondHalf = true});
  std::vector<std::vector<float>> x;
  for (std::uint32_t r = 0; r < rows; ++r) {
    x.push_back(test::noise(n, 40 + r, 0.5f));
    std::copy(x[r].begin(), x[r].end(), full.as<float>() + r * rowFloats);
  }
  Submitter submitter(context());
  forward.recordForward(submitter.begin());  // real spectra, conjugate-symmetric as the MAC's
  submitter.submitAndWait("fft");
  std::copy(full.as<float>(), full.as<float>() + rows * rowFloats, half.as<float>());
  inverse.recordInverse(submitter.begin());
  submitter.submitAndWait("fft");
  inverseHalf.recordInverse(submitter.begin());
  submitter.submitAndWait("fft");
  for (std::uint32_t r = 0; r < rows; ++r) {
    const float* a = full.as<float>() + r * rowFloats;
    const float* b = half.as<float>() + r * rowFloats;
    EXPECT_TRUE(std::equal(a + n / 2, a + n, b + n / 2)) << "row " << r;
    // The first half was not stored (the stores the option saves): it holds what was there.
    EXPECT_FALSE(std::equal(a, a + n / 2, b)) << "row " << r;
    // And the full inverse is the input again (x n, unnormalised): the spectra were real ones.
    float worst = 0.0f;
    for (std::uint32_t i = n / 2; i < n; ++i)
      worst = std::max(worst, std::abs(b[i] / static_cast<float>(n) - x[r][i]));
    EXPECT_LE(worst, 1e-5f) << "row " << r;
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, SecondHalfTest, ::testing::Values(512u, 32768u, 262144u));

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
