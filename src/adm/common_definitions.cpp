#include "adm/common_definitions.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>

namespace vkmix::adm {
namespace {

struct CommonChannel {
  unsigned n;  // AC_0001nnnn
  const char* name;
  const char* label;  // BS.2051 label as vkmix normalises it ("LFE1", not "LFE")
  double azimuth, elevation;
  bool lfe;
};

// BS.2094-1's table (the screen-relative M+SC/M-SC, which have no fixed azimuth, are left out).
constexpr CommonChannel kChannels[] = {
    {0x01, "FrontLeft", "M+030", 30, 0, false},
    {0x02, "FrontRight", "M-030", -30, 0, false},
    {0x03, "FrontCentre", "M+000", 0, 0, false},
    {0x04, "LowFrequencyEffects", "LFE1", 0, -30, true},
    {0x05, "SurroundLeft", "M+110", 110, 0, false},
    {0x06, "SurroundRight", "M-110", -110, 0, false},
    {0x07, "FrontLeftOfCentre", "M+022", 22.5, 0, false},
    {0x08, "FrontRightOfCentre", "M-022", -22.5, 0, false},
    {0x09, "BackCentre", "M+180", 180, 0, false},
    {0x0a, "SideLeft", "M+090", 90, 0, false},
    {0x0b, "SideRight", "M-090", -90, 0, false},
    {0x0c, "TopCentre", "T+000", 0, 90, false},
    {0x0d, "TopFrontLeft", "U+030", 30, 30, false},
    {0x0e, "TopFrontCentre", "U+000", 0, 30, false},
    {0x0f, "TopFrontRight", "U-030", -30, 30, false},
    {0x10, "TopSurroundLeft", "U+110", 110, 30, false},
    {0x11, "TopBackCentre", "U+180", 180, 30, false},
    {0x12, "TopSurroundRight", "U-110", -110, 30, false},
    {0x13, "TopSideLeft", "U+090", 90, 30, false},
    {0x14, "TopSideRight", "U-090", -90, 30, false},
    {0x15, "BottomFrontCentre", "B+000", 0, -30, false},
    {0x16, "BottomFrontLeftMid", "B+045", 45, -30, false},
    {0x17, "BottomFrontRightMid", "B-045", -45, -30, false},
    {0x18, "FrontLeftWide", "M+060", 60, 0, false},
    {0x19, "FrontRightWide", "M-060", -60, 0, false},
    {0x1a, "BackLeftMidDiffuse", "M+135_Diff", 135, 0, false},
    {0x1b, "BackRightMidDiffuse", "M-135_Diff", -135, 0, false},
    {0x1c, "BackLeftMid", "M+135", 135, 0, false},
    {0x1d, "BackRightMid", "M-135", -135, 0, false},
    {0x1e, "TopBackLeftMid", "U+135", 135, 30, false},
    {0x1f, "TopBackRightMid", "U-135", -135, 30, false},
    {0x20, "LowFrequencyEffectsL", "LFE1", 45, -30, true},
    {0x21, "LowFrequencyEffectsR", "LFE2", -45, -30, true},
    {0x22, "TopFrontLeftMid", "U+045", 45, 30, false},
    {0x23, "TopFrontRightMid", "U-045", -45, 30, false},
    {0x26, "FrontLeftMid", "M+045", 45, 0, false},
    {0x27, "FrontRightMid", "M-045", -45, 0, false},
    {0x28, "UpperTopBackCentre", "UH+180", 180, 45, false},
};

// The packs vkmix's built-in layouts match, by their channels: 2.0, 5.1 (0+5+0), 5.1.2
// (2+5+0), 5.1.4 (4+5+0), 7.1 (BS.2094's "7.1back", 0+7+0) and 7.1.4 (4+7+0).
struct CommonPackDef {
  unsigned n;  // AP_0001nnnn
  std::vector<unsigned> channels;
};
const std::vector<CommonPackDef>& packs() {
  static const std::vector<CommonPackDef> table = {
      {0x02, {0x01, 0x02}},
      {0x03, {0x01, 0x02, 0x03, 0x04, 0x05, 0x06}},
      {0x04, {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0d, 0x0f}},
      {0x05, {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0d, 0x0f, 0x10, 0x12}},
      {0x0f, {0x01, 0x02, 0x03, 0x04, 0x0a, 0x0b, 0x1c, 0x1d}},
      {0x17, {0x01, 0x02, 0x03, 0x04, 0x0a, 0x0b, 0x1c, 0x1d, 0x22, 0x23, 0x1e, 0x1f}},
  };
  return table;
}

std::string id(const char* prefix, unsigned n) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%s0001%04x", prefix, n);
  return buf;
}

}  // namespace

const std::vector<ChannelFormat>& commonChannelFormats() {
  static const std::vector<ChannelFormat> table = [] {
    std::vector<ChannelFormat> out;
    for (const CommonChannel& c : kChannels) {
      BlockFormat b;
      b.speakerLabel = c.label;
      b.azimuth = c.azimuth;
      b.elevation = c.elevation;
      ChannelFormat f{id("AC_", c.n), c.name, TypeDefinition::DirectSpeakers, {b}, {}, {}};
      if (c.lfe) f.lowPassHz = 120.0;
      out.push_back(std::move(f));
    }
    // BS.2094's HOA channels: AC_0004 then 0001 + ACN at SN3D (ACN 0..120, orders 0..10), 0101 +
    // ACN at N3D, 0201 + ACN at FuMa (ACN 0..15: orders 0..3; FuMa's channels in ACN order).
    struct HoaSet {
      unsigned base;
      const char* norm;
      int channels;
      const char* name;
    };
    for (const HoaSet set :
         {HoaSet{0x001, "SN3D", 121, "SN3D_ACN_"}, HoaSet{0x101, "N3D", 121, "N3D_ACN_"},
          HoaSet{0x201, "FuMa", 16, "FuMa_ACN_"}}) {
      for (int acn = 0; acn < set.channels; ++acn) {
        BlockFormat b;
        int n = 0;
        while ((n + 1) * (n + 1) <= acn) ++n;
        b.hoaOrder = n;
        b.hoaDegree = acn - n * n - n;
        b.hoaNormalization = set.norm;
        const unsigned number = set.base + static_cast<unsigned>(acn);
        char channel[24];
        std::snprintf(channel, sizeof channel, "AC_0004%04x", number);
        b.id = "AB_0004" + std::string(channel + 7) + "_00000001";
        out.push_back(ChannelFormat{
            channel, set.name + std::to_string(acn), TypeDefinition::HOA, {b}, {}, {}});
      }
    }
    return out;
  }();
  return table;
}

CommonPack commonPackFor(const Layout& layout) {
  std::set<std::string> labels;
  for (const Speaker& s : layout.speakers) labels.insert(s.lfe ? "LFE1" : s.label);
  for (const CommonPackDef& p : packs()) {
    std::set<std::string> packLabels;
    for (unsigned n : p.channels) {
      for (const CommonChannel& c : kChannels) {
        if (c.n == n) packLabels.insert(c.label);
      }
    }
    if (packLabels != labels || packLabels.size() != layout.speakers.size()) continue;
    CommonPack out{id("AP_", p.n), {}};
    for (const Speaker& s : layout.speakers) {
      const std::string label = s.lfe ? "LFE1" : s.label;
      for (unsigned n : p.channels) {
        const auto it = std::find_if(std::begin(kChannels), std::end(kChannels),
                                     [n](const CommonChannel& c) { return c.n == n; });
        if (it->label == label) out.channelIds.push_back(id("AC_", n));
      }
    }
    return out;
  }
  return {};
}

CommonPack commonHoaPack(int order, HoaNormalization norm) {
  const unsigned packBase = norm == HoaNormalization::SN3D  ? 0x00
                            : norm == HoaNormalization::N3D ? 0x10
                                                            : 0x20;
  const unsigned channelBase = packBase * 0x10 + 1;  // 0x001, 0x101, 0x201
  const int highest = norm == HoaNormalization::FuMa ? 3 : 6;
  if (order < 1 || order > highest) return {};
  CommonPack out;
  char buf[24];
  std::snprintf(buf, sizeof buf, "AP_0004%04x", packBase + static_cast<unsigned>(order));
  out.packId = buf;
  for (int acn = 0; acn < (order + 1) * (order + 1); ++acn) {
    std::snprintf(buf, sizeof buf, "AC_0004%04x", channelBase + static_cast<unsigned>(acn));
    out.channelIds.emplace_back(buf);
  }
  return out;
}

}  // namespace vkmix::adm
