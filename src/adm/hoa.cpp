#include "adm/hoa.hpp"

#include <cmath>
#include <cstdio>
#include <set>

namespace vkmix::adm {

std::optional<Track> hoaTrack(const ResolvedObject& ro, const DocumentIndex& index,
                              const Track& base,
                              const std::function<void(const std::string&)>& warn) {
  const std::string where = "audioObject " + ro.object->id + " (HOA)";
  auto leftOut = [&](const std::string& why) -> std::optional<Track> {
    warn(where + ": " + why + "; not rendered");
    return std::nullopt;
  };
  // The pack's own normalization and nfcRefDist apply to channels whose blocks give none.
  const PackFormat* pack = index.pack(ro.packId);
  std::string normName = pack != nullptr ? pack->hoaNormalization : "";
  double nfcRefDist = pack != nullptr ? pack->nfcRefDist.value_or(0.0) : 0.0;
  struct Channel {
    int acn, fileChannel;
    double gain;
  };
  std::vector<Channel> channels;
  int order = 0;
  std::set<int> seen;
  for (const ResolvedChannel& ch : ro.channels) {
    const ChannelFormat& cf = *ch.format;
    if (cf.blocks.empty() || !cf.blocks.front().hoaOrder || !cf.blocks.front().hoaDegree)
      return leftOut("audioChannelFormat " + cf.id + " has no order and degree");
    const BlockFormat& b = cf.blocks.front();
    if (cf.blocks.size() > 1) {
      warn(where + ": audioChannelFormat " + cf.id + " has " + std::to_string(cf.blocks.size()) +
           " blocks; an HOA channel has one: the first is used");
    }
    const int n = *b.hoaOrder, m = *b.hoaDegree;
    if (n < 0 || std::abs(m) > n)
      return leftOut("audioChannelFormat " + cf.id + ": degree " + std::to_string(m) +
                     " is not within -order..order (order " + std::to_string(n) + ")");
    if (n > kMaxHoaOrder)
      return leftOut("order " + std::to_string(n) + " (vkmix decodes up to " +
                     std::to_string(kMaxHoaOrder) + ")");
    if (!b.hoaNormalization.empty()) {
      if (!normName.empty() && normName != b.hoaNormalization)
        return leftOut("channels with normalization " + normName + " and " + b.hoaNormalization);
      normName = b.hoaNormalization;
    }
    if (b.nfcRefDist) nfcRefDist = *b.nfcRefDist;
    const int acn = n * n + n + m;
    if (!seen.insert(acn).second) {
      return leftOut("two channels are order " + std::to_string(n) + " degree " +
                     std::to_string(m));
    }
    order = std::max(order, n);
    channels.push_back({acn, ch.fileChannel, b.gain});
  }
  if (channels.empty()) return std::nullopt;
  const std::optional<HoaNormalization> norm =
      parseHoaNormalization(normName.empty() ? "SN3D" : normName);
  if (!norm) return leftOut("normalization \"" + normName + "\" is not SN3D, N3D or FuMa");
  if (*norm == HoaNormalization::FuMa && order > 3)
    return leftOut("FuMa normalization at order " + std::to_string(order) +
                   " (FuMa is defined up to order 3)");
  if (nfcRefDist != 0.0) {
    char metres[32];
    std::snprintf(metres, sizeof metres, "%g", nfcRefDist);
    warn(where + ": nfcRefDist " + metres +
         " is not applied (no near-field compensation: BS.2127 renders loudspeakers without it)");
  }
  // BS.2127 scales each channel by its block's gain. A track has one fader: a common gain goes
  // there; gains that differ per channel are not rendered.
  const double gain = channels.front().gain;
  bool sameGain = true;
  for (const Channel& c : channels) sameGain = sameGain && c.gain == gain;
  if (!sameGain || gain < 0.0)
    warn(where + ": block gains that differ per channel or are negative are not rendered; ignored");

  Track t = base;
  t.type = TrackType::Hoa;
  t.hoaOrder = order;
  t.hoaNormalization = *norm;
  if (sameGain && gain >= 0.0 && gain != 1.0)
    t.gainDb += gain > 1e-10 ? 20.0 * std::log10(gain) : -200.0;
  std::vector<int> map(static_cast<std::size_t>((order + 1) * (order + 1)), -1);
  for (const Channel& c : channels) map[static_cast<std::size_t>(c.acn)] = c.fileChannel;
  for (Clip& clip : t.clips) clip.channels = map;
  return t;
}

}  // namespace vkmix::adm
