// The built-in layout table. Channel order is file order (ascending WAV mask bits where every
// speaker has one); docs/layouts.md lists the same table for users.
#include <algorithm>

#include "vkmix/layout.hpp"

namespace vkmix {
namespace {

// WAVE_FORMAT_EXTENSIBLE speaker bits (Microsoft ksmedia.h; ../shared STANDARDS).
constexpr std::uint32_t kFL = 0x1, kFR = 0x2, kFC = 0x4, kLFE = 0x8, kBL = 0x10, kBR = 0x20,
                        kSL = 0x200, kSR = 0x400, kTFL = 0x1000, kTFR = 0x4000, kTBL = 0x8000,
                        kTBR = 0x20000;

Speaker sp(const char* label, const char* name, double az, double el, std::uint32_t bit) {
  return Speaker{label, name, az, el, false, bit};
}
Speaker lfe(std::uint32_t bit) { return Speaker{"LFE1", "LFE", 0.0, -30.0, true, bit}; }

std::vector<Layout> makeLayouts() {
  const Speaker L = sp("M+030", "L", 30, 0, kFL), R = sp("M-030", "R", -30, 0, kFR),
                C = sp("M+000", "C", 0, 0, kFC);
  std::vector<Layout> out;
  out.push_back({"2.0", "0+2+0", {L, R}});
  const Speaker Ls = sp("M+110", "Ls", 110, 0, kBL), Rs = sp("M-110", "Rs", -110, 0, kBR);
  out.push_back({"5.1", "0+5+0", {L, R, C, lfe(kLFE), Ls, Rs}});
  out.push_back({"5.1.2",
                 "2+5+0",
                 {L, R, C, lfe(kLFE), Ls, Rs, sp("U+030", "Ltf", 30, 30, kTFL),
                  sp("U-030", "Rtf", -30, 30, kTFR)}});
  out.push_back({"5.1.4",
                 "4+5+0",
                 {L, R, C, lfe(kLFE), Ls, Rs, sp("U+030", "Ltf", 30, 30, kTFL),
                  sp("U-030", "Rtf", -30, 30, kTFR), sp("U+110", "Ltr", 110, 30, kTBL),
                  sp("U-110", "Rtr", -110, 30, kTBR)}});
  // 7.1: the rears (Lrs/Rrs, +-135) take the BL/BR bits and come before the sides (Lss/Rss, +-90)
  // on SL/SR, as the mask's bit order requires.
  const Speaker Lrs = sp("M+135", "Lrs", 135, 0, kBL), Rrs = sp("M-135", "Rrs", -135, 0, kBR),
                Lss = sp("M+090", "Lss", 90, 0, kSL), Rss = sp("M-090", "Rss", -90, 0, kSR);
  out.push_back({"7.1", "0+7+0", {L, R, C, lfe(kLFE), Lrs, Rrs, Lss, Rss}});
  // 7.1.2's top-middle pair has no mask bit of its own; like most tools we write it on TFL/TFR.
  out.push_back({"7.1.2",
                 "",
                 {L, R, C, lfe(kLFE), Lrs, Rrs, Lss, Rss, sp("U+090", "Ltm", 90, 45, kTFL),
                  sp("U-090", "Rtm", -90, 45, kTFR)}});
  out.push_back({"7.1.4",
                 "4+7+0",
                 {L, R, C, lfe(kLFE), Lrs, Rrs, Lss, Rss, sp("U+045", "Ltf", 45, 30, kTFL),
                  sp("U-045", "Rtf", -45, 30, kTFR), sp("U+135", "Ltr", 135, 30, kTBL),
                  sp("U-135", "Rtr", -135, 30, kTBR)}});
  // 9.1.6 (Dolby home order): wides and top-middles have no mask bits, so the file gets mask 0
  // and this documented order.
  out.push_back(
      {"9.1.6",
       "",
       {sp("M+030", "L", 30, 0, 0), sp("M-030", "R", -30, 0, 0), sp("M+000", "C", 0, 0, 0), lfe(0),
        sp("M+090", "Lss", 90, 0, 0), sp("M-090", "Rss", -90, 0, 0), sp("M+135", "Lrs", 135, 0, 0),
        sp("M-135", "Rrs", -135, 0, 0), sp("M+060", "Lw", 60, 0, 0), sp("M-060", "Rw", -60, 0, 0),
        sp("U+045", "Ltf", 45, 30, 0), sp("U-045", "Rtf", -45, 30, 0),
        sp("U+090", "Ltm", 90, 30, 0), sp("U-090", "Rtm", -90, 30, 0),
        sp("U+135", "Ltr", 135, 30, 0), sp("U-135", "Rtr", -135, 30, 0)}});
  return out;
}

}  // namespace

const std::vector<Layout>& builtinLayouts() {
  static const std::vector<Layout> layouts = makeLayouts();
  return layouts;
}

const Layout* findLayout(std::string_view name) {
  for (const Layout& l : builtinLayouts()) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

std::uint32_t Layout::wavChannelMask() const {
  std::uint32_t mask = 0;
  for (const Speaker& s : speakers) {
    if (s.wavMaskBit == 0) return 0;
    mask |= s.wavMaskBit;
  }
  return mask;
}

std::optional<int> Layout::indexOfLabel(std::string_view label) const {
  for (std::size_t i = 0; i < speakers.size(); ++i) {
    if (speakers[i].label == label) return static_cast<int>(i);
  }
  return std::nullopt;
}

int Layout::lfeCount() const {
  return static_cast<int>(
      std::count_if(speakers.begin(), speakers.end(), [](const Speaker& s) { return s.lfe; }));
}

}  // namespace vkmix
