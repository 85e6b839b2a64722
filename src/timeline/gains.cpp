#include "timeline/gains.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "core/units.hpp"
#include "layout/hoa_decoder.hpp"

namespace vkmix::timeline {
namespace {

// Loudspeaker roles that BS.2127's DirectSpeakers mapping rules treat as one: surround at 110 or
// 135 degrees, upper front at 30 or 45, upper rear at 110 or 135. "" when there is none.
std::string synonymOf(const std::string& label) {
  static const std::map<std::string, std::string> synonyms = {
      {"M+110", "M+135"}, {"M+135", "M+110"}, {"M-110", "M-135"}, {"M-135", "M-110"},
      {"U+030", "U+045"}, {"U+045", "U+030"}, {"U-030", "U-045"}, {"U-045", "U-030"},
      {"U+110", "U+135"}, {"U+135", "U+110"}, {"U-110", "U-135"}, {"U-135", "U-110"}};
  auto it = synonyms.find(label);
  return it == synonyms.end() ? std::string() : it->second;
}

// The panned gains of an object whose gains interpolate (PanInterpolation::Gains) at t, times
// `path(diffuse)` (its direct or diffuse share): each end of t's segment panned, and the gains
// between.
template <typename Share>
void interpolatedGainsAt(const Track& track, const layout::ObjectPanner& panner, double t,
                         Share path, std::span<double> g) {
  const StateSegment seg = objectSegmentAt(track, t);
  panner.gains(seg.from.position, seg.from.cartesian, seg.from.shape, g);
  const double from = path(seg.from.diffuse);
  if (seg.fraction <= 0.0) {
    for (double& x : g) x *= from;
    return;
  }
  std::vector<double> end(g.size());
  panner.gains(seg.to.position, seg.to.cartesian, seg.to.shape, end);
  const double to = path(seg.to.diffuse), f = seg.fraction;
  for (std::size_t c = 0; c < g.size(); ++c) g[c] = g[c] * from + (end[c] * to - g[c] * from) * f;
}

}  // namespace

SpeakerGains panGains(const layout::ObjectPanner& panner, const ObjectState& state) {
  std::vector<double> g(panner.numChannels());
  panner.gains(state.position, state.cartesian, state.shape, g);
  const double direct = std::sqrt(1.0 - state.diffuse);
  SpeakerGains out{};
  for (std::size_t c = 0; c < g.size(); ++c) out[c] = static_cast<float>(g[c] * direct);
  return out;
}

bool hasDiffuse(const Track& track) {
  if (track.type != TrackType::Object) return false;
  if (track.positionKeys.empty()) return track.position.diffuse > 0.0;
  return std::any_of(track.positionKeys.begin(), track.positionKeys.end(),
                     [](const PositionKey& k) { return k.position.diffuse > 0.0; });
}

void diffuseGainsAt(const Track& track, const layout::ObjectPanner& panner, double t,
                    std::span<double> g) {
  if (track.panInterpolation == PanInterpolation::Gains) {
    interpolatedGainsAt(
        track, panner, t, [](double diffuse) { return std::sqrt(diffuse); }, g);
    const double gain = dbToLinear(automationGainDbAt(track, t));
    for (double& x : g) x *= gain;
    return;
  }
  const ObjectState st = objectStateAt(track, t);
  panner.gains(st.position, st.cartesian, st.shape, g);
  const double gain = std::sqrt(st.diffuse) * dbToLinear(automationGainDbAt(track, t));
  for (double& x : g) x *= gain;
}

std::vector<SpeakerGains> bedRouting(const Layout& bed, const Layout& output,
                                     const layout::ObjectPanner& panner) {
  std::vector<SpeakerGains> routes;
  for (const Speaker& s : bed.speakers) {
    SpeakerGains g{};
    if (s.lfe) {
      for (int c = 0; c < output.numChannels(); ++c) {
        if (output.speakers[c].lfe) {
          g[c] = 1.0f;
          break;
        }
      }
    } else if (auto idx = output.indexOfLabel(s.label)) {
      g[*idx] = 1.0f;
    } else if (auto syn = output.indexOfLabel(synonymOf(s.label))) {
      g[*syn] = 1.0f;  // the same role at the layout's own angle (BS.2127 mapping rules)
    } else {
      g = panGains(panner, ObjectState{{s.azimuthDeg, s.elevationDeg, 1.0}, {}});
    }
    routes.push_back(g);
  }
  return routes;
}

void signalGainsAt(const Track& track, int bedChannel, const SpeakerGains& routing,
                   const layout::ObjectPanner& panner, double t, std::span<double> g) {
  if (bedChannel < 0) {
    if (track.panInterpolation == PanInterpolation::Gains) {
      interpolatedGainsAt(
          track, panner, t, [](double diffuse) { return std::sqrt(1.0 - diffuse); }, g);
    } else {
      const ObjectState st = objectStateAt(track, t);
      panner.gains(st.position, st.cartesian, st.shape, g);
      const double direct = std::sqrt(1.0 - st.diffuse);
      for (double& x : g) x *= direct;
    }
  } else {
    std::copy(routing.begin(), routing.begin() + static_cast<std::ptrdiff_t>(g.size()), g.begin());
  }
  const double gain = dbToLinear(automationGainDbAt(track, t));
  for (double& x : g) x *= gain;
}

double sendLevelAt(const Track& track, const Send& send, double t, bool automation) {
  double level = dbToLinear(send.levelDb);
  if (automation && !send.preFader) level *= dbToLinear(automationGainDbAt(track, t));
  return level;
}

void sendGainsAt(const Track& track, const Send& send, int bedChannel, bool trueStereo,
                 const layout::ObjectPanner& stereo, double t, bool automation,
                 std::span<double> g) {
  const double level = sendLevelAt(track, send, t, automation);
  if (!trueStereo) {
    g[0] = level;
    return;
  }
  std::vector<double> lr(2);
  if (bedChannel < 0) {
    stereo.pointGains(objectStateAt(track, t).position, lr);
  } else {
    const Speaker& sp = findLayout(track.bedLayout)->speakers[static_cast<std::size_t>(bedChannel)];
    stereo.pointGains({sp.azimuthDeg, 0.0, 1.0}, lr);
  }
  g[0] = lr[0] * level;
  g[1] = lr[1] * level;
}

std::vector<double> trackGainsAt(const Track& track, const Layout& output,
                                 const layout::ObjectPanner& panner, double t) {
  std::vector<double> g(static_cast<std::size_t>(output.numChannels()), 0.0);
  if (track.type == TrackType::Object) {
    signalGainsAt(track, -1, {}, panner, t, g);
  } else if (track.type == TrackType::Hoa) {
    // Decoder gains may be negative (out of phase): the largest magnitude.
    std::vector<double> one(g.size());
    int channel = 0;
    for (const std::vector<double>& column :
         layout::hoaDecodeByAcn(output, track.hoaOrder, track.hoaNormalization)) {
      SpeakerGains route{};
      for (std::size_t c = 0; c < column.size(); ++c) route[c] = static_cast<float>(column[c]);
      signalGainsAt(track, channel++, route, panner, t, one);
      for (std::size_t c = 0; c < g.size(); ++c) g[c] = std::max(g[c], std::abs(one[c]));
    }
  } else if (const Layout* bed = findLayout(track.bedLayout)) {
    std::vector<double> one(g.size());
    int channel = 0;
    for (const SpeakerGains& route : bedRouting(*bed, output, panner)) {
      signalGainsAt(track, channel++, route, panner, t, one);
      for (std::size_t c = 0; c < g.size(); ++c) g[c] = std::max(g[c], one[c]);
    }
  }
  const double fader = dbToLinear(track.gainDb);
  for (double& x : g) x *= fader;
  return g;
}

}  // namespace vkmix::timeline
