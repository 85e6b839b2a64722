#include "adm/hoa.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace vkmix::adm {
namespace {

// When a block says it sounds, as a warning names it.
std::string spanOf(const BlockFormat& b) {
  if (!b.rtime) return "the object";
  char text[80];
  if (b.duration) {
    std::snprintf(text, sizeof text, "%g..%g s", *b.rtime, *b.rtime + *b.duration);
  } else {
    std::snprintf(text, sizeof text, "from %g s", *b.rtime);
  }
  return text;
}

bool sameTime(const std::optional<double>& a, const std::optional<double>& b) {
  return a.has_value() == b.has_value() && (!a || std::abs(*a - *b) <= 1e-9);
}

}  // namespace

std::vector<BlockFormat> hoaBlocks(const ResolvedObject& ro) {
  std::vector<BlockFormat> blocks;
  for (const ResolvedChannel& ch : ro.channels)
    blocks.insert(blocks.end(), ch.format->blocks.begin(), ch.format->blocks.end());
  return blocks;
}

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
  bool screenRef = false;
  struct Channel {
    int acn, fileChannel;
    double gain;
  };
  std::vector<Channel> channels;
  int order = 0;
  std::set<int> seen;
  // BS.2127 renders an HOA object from its channels' harmonics only: what places, sizes or
  // offsets an object is not applied to a sound field, so it is named, once per object.
  if (ro.object->positionOffset)
    warn(where +
         ": positionOffset is not applied to HOA (a sound field has no position to "
         "offset); ignored");
  std::vector<std::string> objectsElements;
  for (const ResolvedChannel& ch : ro.channels) {
    for (const BlockFormat& b : ch.format->blocks) {
      for (const std::string& name : b.objectsElements) {
        if (std::find(objectsElements.begin(), objectsElements.end(), name) ==
            objectsElements.end())
          objectsElements.push_back(name);
      }
    }
  }
  if (!objectsElements.empty()) {
    std::string names;
    for (const std::string& name : objectsElements) names += (names.empty() ? "" : ", ") + name;
    warn(where + ": " + names +
         (objectsElements.size() == 1 ? " is an Objects element" : " are Objects elements") +
         ", not applied to HOA; ignored");
  }
  for (const ResolvedChannel& ch : ro.channels) {
    const ChannelFormat& cf = *ch.format;
    if (cf.blocks.empty() || !cf.blocks.front().hoaOrder || !cf.blocks.front().hoaDegree)
      return leftOut("audioChannelFormat " + cf.id + " has no order and degree");
    const BlockFormat& b = cf.blocks.front();
    if (cf.blocks.size() > 1) {
      warn(where + ": audioChannelFormat " + cf.id + " has " + std::to_string(cf.blocks.size()) +
           " blocks; an HOA channel has one: the first is used");
    }
    if (cf.lowPassHz || cf.highPassHz) {
      warn(where + ": audioChannelFormat " + cf.id +
           ": frequency is not rendered for HOA (as in BS.2127); ignored");
    }
    // The reference renderer refuses an HOA object whose channels disagree on rtime/duration
    // (one span for all: they are one sound field).
    const BlockFormat& first = ro.channels.front().format->blocks.front();
    if (!sameTime(b.rtime, first.rtime) || !sameTime(b.duration, first.duration)) {
      return leftOut("audioChannelFormat " + cf.id + "'s block spans " + spanOf(b) + ", " +
                     ro.channels.front().format->id + "'s " + spanOf(first) +
                     ": BS.2127 gives an HOA object's channels one rtime and duration");
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
    screenRef = screenRef || b.screenRef;
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
  if (screenRef) warn(where + ": screenRef is not applied to HOA (nor by BS.2127); ignored");
  if (nfcRefDist != 0.0) {
    char metres[32];
    std::snprintf(metres, sizeof metres, "%g", nfcRefDist);
    warn(where + ": nfcRefDist " + metres +
         " is not applied (no near-field compensation: BS.2127 renders loudspeakers without it)");
  }
  // BS.2127 scales each channel by its block's gain (the decoder's column), sign and all. A gain
  // common to the channels is the track's fader; where they differ, the channels of each gain are
  // a clip of their own at that clip gain (the decoder is still designed for all of them). A
  // fader and a clip gain are in dB: a negative gain plays as an inverted clip at its magnitude.
  auto db = [](double g) { return g > 1e-10 ? 20.0 * std::log10(g) : -200.0; };
  std::vector<double> gains;
  for (const Channel& c : channels) {
    if (std::find(gains.begin(), gains.end(), c.gain) == gains.end()) gains.push_back(c.gain);
  }

  Track t = base;
  t.type = TrackType::Hoa;
  t.hoaOrder = order;
  t.hoaNormalization = *norm;
  if (gains.size() == 1 && std::abs(gains.front()) != 1.0) t.gainDb += db(std::abs(gains.front()));
  t.clips.clear();
  for (const Clip& span : base.clips) {
    for (double g : gains) {
      Clip clip = span;
      clip.channels.assign(static_cast<std::size_t>((order + 1) * (order + 1)), -1);
      for (const Channel& c : channels) {
        if (gains.size() == 1 || c.gain == g)
          clip.channels[static_cast<std::size_t>(c.acn)] = c.fileChannel;
      }
      if (gains.size() > 1) clip.gainDb += db(std::abs(g));
      if (g < 0.0) clip.invert = !clip.invert;
      t.clips.push_back(std::move(clip));
    }
  }
  return t;
}

}  // namespace vkmix::adm
