// Matrix downmixes: the BS.775 Lo/Ro equations, the chain's products, and refusals.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "layout/downmix.hpp"
#include "vkmix/error.hpp"

namespace vkmix::layout {
namespace {

TEST(Downmix, FiveOneToLoRoIsBs775) {
  auto m = downmixMatrix(*findLayout("5.1"), *findLayout("2.0"));  // in: L R C LFE Ls Rs
  const double k = std::sqrt(0.5);
  std::vector<std::vector<double>> expected = {{1, 0, k, 0, k, 0}, {0, 1, k, 0, 0, k}};
  ASSERT_EQ(m.size(), 2u);
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 6; ++c) EXPECT_NEAR(m[r][c], expected[r][c], 1e-12) << r << "," << c;
}

TEST(Downmix, SevenOneFourFoldsThroughTheChain) {
  const Layout& from = *findLayout("7.1.4");  // L R C LFE Lrs Rrs Lss Rss Ltf Rtf Ltr Rtr
  auto to51 = downmixMatrix(from, *findLayout("5.1"));
  const double k = std::sqrt(0.5);
  EXPECT_NEAR(to51[0][8], k, 1e-12) << "Ltf -> L at -3 dB";
  EXPECT_NEAR(to51[4][10], 0.5, 1e-12) << "Ltr -> Lrs (-3 dB) -> Ls (-3 dB)";
  EXPECT_NEAR(to51[4][6], k, 1e-12) << "Lss -> Ls";
  EXPECT_NEAR(to51[3][3], 1.0, 1e-12) << "LFE kept in 5.1";
  auto to20 = downmixMatrix(from, *findLayout("2.0"));
  EXPECT_NEAR(to20[0][0], 1.0, 1e-12);
  EXPECT_NEAR(to20[0][2], k, 1e-12);
  EXPECT_NEAR(to20[0][3], 0.0, 1e-12) << "LFE dropped in Lo/Ro";
  EXPECT_NEAR(to20[0][4], 0.5, 1e-12) << "Lrs -> Ls -> L";
  EXPECT_NEAR(to20[1][4], 0.0, 1e-12) << "left stays left";
  EXPECT_NEAR(to20[0][10], k * 0.5, 1e-12) << "Ltr -> Lrs -> Ls -> L";
}

TEST(Downmix, IdentityAndRefusals) {
  auto same = downmixMatrix(*findLayout("7.1"), *findLayout("7.1"));
  for (std::size_t r = 0; r < same.size(); ++r) EXPECT_EQ(same[r][r], 1.0);
  EXPECT_THAT([] { downmixMatrix(*findLayout("2.0"), *findLayout("5.1")); },
              ::testing::ThrowsMessage<InputError>(
                  ::testing::HasSubstr("no matrix downmix leads from 2.0 to 5.1")));
}

}  // namespace
}  // namespace vkmix::layout
