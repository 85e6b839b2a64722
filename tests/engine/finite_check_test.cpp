// The finite checks: every non-finite sample is found, in any channel, at its first frame; the
// largest float and the FFT stages' bound pass, anything beyond them does not. Padding past n is
// not looked at.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "engine/finite_check.hpp"
#include "vkmix/error.hpp"

namespace vkmix::engine {
namespace {

TEST(FiniteCheck, FindsTheFirstNonFiniteFrameInAnyChannel) {
  constexpr float kMax = std::numeric_limits<float>::max();
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::int64_t stride = 40, n = 37;
  std::vector<float> rows(3 * stride, 0.0f);
  for (std::size_t i = 0; i < rows.size(); ++i)
    rows[i] = (i % 2 == 0 ? -1.0f : 1.0f) * kMax / static_cast<float>(i + 1);
  rows[5] = -0.0f;
  rows[7] = std::numeric_limits<float>::denorm_min();
  EXPECT_EQ(firstNonFiniteFrame(rows, 3, stride, n), -1);
  rows[0] = kMax;
  rows[stride + 1] = -kMax;
  EXPECT_EQ(firstNonFiniteFrame(rows, 3, stride, n), -1) << "the largest float is finite";
  for (float bad : {kInf, -kInf, nan, -nan}) {
    std::vector<float> r = rows;
    r[2 * stride + 30] = bad;
    r[stride + 36] = bad;
    EXPECT_EQ(firstNonFiniteFrame(r, 3, stride, n), 30) << bad;
    r[2 * stride + 30] = 1.0f;
    EXPECT_EQ(firstNonFiniteFrame(r, 3, stride, n), 36) << bad;
    r[stride + 36] = 1.0f;
    r[37] = bad;  // the padding past n
    EXPECT_EQ(firstNonFiniteFrame(r, 3, stride, n), -1) << bad;
    EXPECT_EQ(firstNonFiniteFrame(r, 1, stride, n + 1), 37) << bad;
  }
}

TEST(FiniteCheck, TheFftBoundIsInclusiveAndNanIsBeyondIt) {
  std::vector<float> x(21, 0.5f);
  x[3] = kMaxFftInput;
  x[4] = -kMaxFftInput;
  EXPECT_NO_THROW(requireWithinFftRange(x, "the send", "s.json"));
  for (float bad :
       {std::nextafter(kMaxFftInput, 2e15f), -std::nextafter(kMaxFftInput, 2e15f),
        std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    std::vector<float> y = x;
    y[20] = bad;
    EXPECT_THROW(requireWithinFftRange(y, "the send", "s.json"), InputError) << bad;
  }
}

}  // namespace
}  // namespace vkmix::engine
