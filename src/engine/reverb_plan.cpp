#include "engine/reverb_plan.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/units.hpp"
#include "dsp/decorrelate/decorrelator.hpp"
#include "io/decoder.hpp"
#include "timeline/gains.hpp"
#include "vkmix/error.hpp"

namespace vkmix::engine {
namespace {

constexpr double kTailFloor = 1e-6;  // -120 dBFS

// Frames of `h` that matter: up to the first frame whose remaining energy, sum over k >= T of
// h[k]^2 (Schroeder's backward integral, the energy decay curve), is at most kTailFloor^2. Past
// it, a full-scale white input (RMS 0 dBFS) leaves an output below -120 dBFS RMS. A tail of
// samples each just under -120 dBFS can sum to far more (an exponential decay with a 2 s RT60:
// 38 dB more), so the last sample above the floor is not where the tail ends.
std::int64_t audibleFrames(const std::vector<float>& h, double floor) {
  double remaining = 0.0;
  for (std::size_t i = h.size(); i-- > 0;) {
    remaining += static_cast<double>(h[i]) * static_cast<double>(h[i]);
    if (remaining > floor * floor) return static_cast<std::int64_t>(i) + 1;
  }
  return 0;
}

std::array<float, kMaxOutputChannels> speakerGains(const layout::ObjectPanner& panner,
                                                   double azimuthDeg) {
  std::vector<double> g(static_cast<std::size_t>(panner.numChannels()));
  panner.pointGains({azimuthDeg, 0.0, 1.0}, g);
  std::array<float, kMaxOutputChannels> out{};
  for (std::size_t c = 0; c < g.size(); ++c) out[c] = static_cast<float>(g[c]);
  return out;
}

}  // namespace

ReverbPlan planReverbs(const Session& session, const Layout& output,
                       const layout::ObjectPanner& panner, const VoicePlan& voices,
                       std::optional<double> tailLimitSeconds, FrameCounter& counter,
                       bool diffusePath) {
  const std::string file = session.path.string();
  ReverbPlan plan;
  for (std::size_t b = 0; b < session.reverbs.size(); ++b) {
    const Reverb& rv = session.reverbs[b];
    const std::string field = "reverbs[" + std::to_string(b) + "].ir";
    io::DecodedAudio ir;
    try {
      counter.info(rv.resolvedIr);  // an IR cut short is refused (or, allowed, warned about)
      ir = io::decodeAudio(rv.resolvedIr, session.sampleRate);
    } catch (const InputError& e) {
      throw InputError(file, field, e.what());
    }
    if (ir.numFrames() == 0) throw InputError(file, field, rv.ir + " is empty");
    const int channels = static_cast<int>(ir.channels.size());
    ReverbBus bus;
    bus.name = rv.name;
    const int nc = output.numChannels();
    if (channels == 1) {
      bus.shape = BusShape::Mono;
    } else if (channels == 2 && nc != 2) {
      bus.shape = BusShape::Stereo;
    } else if (channels == nc) {
      bus.shape = BusShape::PerSpeaker;  // includes a 2-channel IR for a 2.0 render
    } else if (channels == 4) {
      bus.shape = BusShape::TrueStereo;
    } else {
      throw InputError(file, field,
                       rv.ir + " has " + std::to_string(channels) +
                           " channels; a reverb takes 1 (mono), 2 " +
                           "(stereo), 4 (true stereo: LL LR RL RR) or one per output speaker (" +
                           std::to_string(nc) + " for " + output.name + ")");
    }
    // Pre-delay as leading zeros, wet gain in the IR itself.
    const auto predelay = secondsToFrames(rv.predelayMs / 1000.0, session.sampleRate);
    const auto wet = static_cast<float>(dbToLinear(rv.wetDb));
    double peak = 0.0;
    for (const std::vector<float>& h : ir.channels)
      for (float x : h) peak = std::max(peak, std::abs(static_cast<double>(x) * wet));
    if (peak > 1.0) bus.returnShift = std::ilogb(peak) + 1;
    const double down = std::ldexp(1.0, -bus.returnShift);
    std::int64_t effective = 0;
    for (std::vector<float>& h : ir.channels) {
      // In place: the wet gain, then the pre-delay's zeros in front (one move of the samples).
      if (bus.returnShift == 0) {
        for (float& x : h) x *= wet;
      } else {
        for (float& x : h) x = static_cast<float>(static_cast<double>(x) * wet * down);
      }
      h.insert(h.begin(), static_cast<std::size_t>(predelay), 0.0f);
      effective = std::max(effective, audibleFrames(h, kTailFloor * down));
      // Trailing digital silence (an IR exported at a fixed length) would be partitions of zeros
      // to transform and multiply every block, adding nothing: it goes.
      const auto last = std::find_if(h.rbegin(), h.rend(), [](float x) { return x != 0.0f; });
      h.resize(std::max<std::size_t>(1, static_cast<std::size_t>(h.rend() - last)));
      bus.spec.irs.push_back(std::move(h));
    }
    bus.tailFrames = effective;
    bus.spec.partitionFrames = dsp::partitionFramesFor(bus.spec.maxIrFrames());
    switch (bus.shape) {
      case BusShape::Mono:  // the wet signal returns at front centre (phantom centre in 2.0)
        bus.spec.outputs = {{dsp::ConvolutionTerm{0, 0}}};
        bus.returnGains = {speakerGains(panner, 0.0)};
        break;
      case BusShape::Stereo:  // IR channels to L and R
        bus.spec.outputs = {{dsp::ConvolutionTerm{0, 0}}, {dsp::ConvolutionTerm{0, 1}}};
        bus.returnGains = {speakerGains(panner, 30.0), speakerGains(panner, -30.0)};
        break;
      case BusShape::TrueStereo:  // sends panned L/R in; out L = inL*hLL + inR*hRL, R = inL*hLR +
                                  // inR*hRR
        bus.spec.numInputs = 2;
        bus.spec.outputs = {{dsp::ConvolutionTerm{0, 0}, dsp::ConvolutionTerm{1, 2}},
                            {dsp::ConvolutionTerm{0, 1}, dsp::ConvolutionTerm{1, 3}}};
        bus.returnGains = {speakerGains(panner, 30.0), speakerGains(panner, -30.0)};
        break;
      case BusShape::PerSpeaker:  // IR channel c into speaker c
      case BusShape::Decorrelation:
        for (int c = 0; c < nc; ++c) {
          bus.spec.outputs.push_back({dsp::ConvolutionTerm{0, c}});
          std::array<float, kMaxOutputChannels> g{};
          g[c] = 1.0f;
          bus.returnGains.push_back(g);
        }
        break;
    }
    plan.tailFrames = std::max(plan.tailFrames, bus.tailFrames);
    plan.buses.push_back(std::move(bus));
  }
  // One instance per (bus, stem) with at least one sounding track sending to it.
  std::set<std::pair<int, int>> used;
  for (const PlannedVoice& v : voices.voices) {
    for (const Send& s : session.tracks[v.trackIndex].sends) {
      for (std::size_t b = 0; b < session.reverbs.size(); ++b) {
        if (session.reverbs[b].name == s.reverb) used.insert({static_cast<int>(b), v.stemIndex});
      }
    }
  }
  // The diffuse path: a bus of the output's decorrelation filters, one per stem whose objects
  // are diffuse. Its 512-tap filters add no tail: the render keeps the master's length, and what
  // rings past the last clip (under 11 ms) is cut.
  std::set<int> diffuseStems;
  for (const PlannedVoice& v : voices.voices) {
    if (diffusePath && v.bedChannel < 0 &&
        timeline::hasDiffuse(session.tracks[static_cast<std::size_t>(v.trackIndex)]))
      diffuseStems.insert(v.stemIndex);
  }
  if (!diffuseStems.empty()) {
    ReverbBus bus;
    bus.name = "diffuse (decorrelation)";
    bus.shape = BusShape::Decorrelation;
    std::vector<std::string> labels;
    for (const Speaker& sp : output.speakers) labels.push_back(sp.label);
    bus.spec.irs = dsp::decorrelatorsAligned(labels);
    const int nc = output.numChannels();
    bus.spec.numInputs = nc;
    for (int c = 0; c < nc; ++c) {
      bus.spec.outputs.push_back({dsp::ConvolutionTerm{c, c}});
      std::array<float, kMaxOutputChannels> g{};
      g[c] = 1.0f;
      bus.returnGains.push_back(g);
    }
    bus.spec.partitionFrames = dsp::partitionFramesFor(bus.spec.maxIrFrames());
    plan.decorrelationBus = static_cast<int>(plan.buses.size());
    plan.buses.push_back(std::move(bus));
    for (int stem : diffuseStems) used.insert({plan.decorrelationBus, stem});
  }
  for (auto [bus, stem] : used) plan.instances.push_back({bus, stem});
  if (std::none_of(plan.instances.begin(), plan.instances.end(),
                   [&](const ReverbInstance& i) { return i.bus != plan.decorrelationBus; }))
    plan.tailFrames = 0;
  if (tailLimitSeconds) {
    plan.tailFrames =
        std::min(plan.tailFrames, secondsToFrames(*tailLimitSeconds, session.sampleRate));
  }
  return plan;
}

}  // namespace vkmix::engine
