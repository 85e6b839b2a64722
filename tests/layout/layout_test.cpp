// Layouts: channel counts, WAV masks and the rule that a file's channel order is ascending mask
// bit order (../shared STANDARDS: 7.1 = FL FR FC LFE BL BR SL SR, rears before sides).
#include <gtest/gtest.h>

#include <set>

#include "vkmix/layout.hpp"

namespace vkmix {
namespace {

TEST(Layout, EveryBuiltinHasTheDocumentedChannelCountAndMask) {
  struct Expect {
    const char* name;
    int channels;
    std::uint32_t mask;
  };
  for (const Expect& e :
       {Expect{"2.0", 2, 0x3}, Expect{"5.1", 6, 0x3F}, Expect{"5.1.2", 8, 0x503F},
        Expect{"5.1.4", 10, 0x2D03F}, Expect{"7.1", 8, 0x63F}, Expect{"7.1.2", 10, 0x563F},
        Expect{"7.1.4", 12, 0x2D63F}, Expect{"9.1.6", 16, 0x0}}) {
    const Layout* l = findLayout(e.name);
    ASSERT_NE(l, nullptr) << e.name;
    EXPECT_EQ(l->numChannels(), e.channels) << e.name;
    EXPECT_EQ(l->wavChannelMask(), e.mask) << e.name;
    EXPECT_LE(l->numChannels(), kMaxOutputChannels);
  }
  EXPECT_EQ(findLayout("7.1.4 "), nullptr);
  EXPECT_EQ(findLayout("22.2"), nullptr);
}

TEST(Layout, ChannelsWithMaskBitsAreInAscendingBitOrder) {
  for (const Layout& l : builtinLayouts()) {
    if (l.wavChannelMask() == 0) continue;
    for (int c = 1; c < l.numChannels(); ++c) {
      EXPECT_LT(l.speakers[c - 1].wavMaskBit, l.speakers[c].wavMaskBit)
          << l.name << " channel " << c;
    }
  }
}

TEST(Layout, SevenOneFourIsFilmSpeakersInWavOrder) {
  const Layout* l = findLayout("7.1.4");
  std::vector<std::string> names, labels;
  for (const Speaker& s : l->speakers) {
    names.push_back(s.name);
    labels.push_back(s.label);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"L", "R", "C", "LFE", "Lrs", "Rrs", "Lss", "Rss",
                                             "Ltf", "Rtf", "Ltr", "Rtr"}));
  EXPECT_EQ(labels,
            (std::vector<std::string>{"M+030", "M-030", "M+000", "LFE1", "M+135", "M-135", "M+090",
                                      "M-090", "U+045", "U-045", "U+135", "U-135"}));
  // Rear (M+-135) on BL/BR, side (M+-90) on SL/SR: the mapping players expect.
  EXPECT_EQ(l->speakers[4].wavMaskBit, 0x10u);
  EXPECT_EQ(l->speakers[6].wavMaskBit, 0x200u);
}

TEST(Layout, LabelsAreUniqueAndExactlyOneLfeWhereNamed) {
  for (const Layout& l : builtinLayouts()) {
    std::set<std::string> seen;
    for (const Speaker& s : l.speakers)
      EXPECT_TRUE(seen.insert(s.label).second) << l.name << " " << s.label;
    EXPECT_EQ(l.lfeCount(), l.name == "2.0" ? 0 : 1) << l.name;
  }
}

}  // namespace
}  // namespace vkmix
