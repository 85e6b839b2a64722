// RenderPlan's mixers: one per dry group (stems, or track prints) and one per reverb instance,
// each with the Routing that says which voices it takes and their gains (timeline/gains).
#include <string>
#include <vector>

#include "engine/render_plan.hpp"
#include "timeline/gains.hpp"

namespace vkmix::engine {
namespace {

// The send of a voice's track into a bus, if it has one.
const Send* sendOf(const Session& session, const PlannedVoice& v, const std::string& bus) {
  for (const Send& s : session.tracks[static_cast<std::size_t>(v.trackIndex)].sends) {
    if (s.reverb == bus) return &s;
  }
  return nullptr;
}

}  // namespace

// The gain rules. Stems: the planned gains (objects: the panner; beds: the routing) times gain
// automation. Prints: the voice's own channel of its track's print times gain automation. Sends:
// the send level (post-fader: times gain automation), panned between L and R into a true-stereo
// bus; post-fader sends follow the track's fader, pre-fader ones only the clip gain and fades.
void RenderPlan::planMixers() {
  for (std::size_t g = 0; g < groupChannels.size(); ++g) {
    Routing r;
    const int group = static_cast<int>(g);
    if (!prints) {
      r.includes = [group](const PlannedVoice& v) { return v.stemIndex == group; };
      r.staticGains = [](const PlannedVoice& v, auto& gains) { gains = v.gains; };
      r.gainsAt = [this](const PlannedVoice& v, double t, std::vector<double>& gains) {
        timeline::signalGainsAt(session.tracks[static_cast<std::size_t>(v.trackIndex)],
                                v.bedChannel, v.gains, panner, t, gains);
      };
    } else {
      r.includes = [this, group](const PlannedVoice& v) {
        return trackGroup_[static_cast<std::size_t>(v.trackIndex)] == group;
      };
      // The voice's own channel of the print: an object's one, a bed channel's own.
      r.staticGains = [](const PlannedVoice& v, auto& gains) {
        gains.fill(0.0f);
        gains[static_cast<std::size_t>(std::max(v.bedChannel, 0))] = 1.0f;
      };
      r.gainsAt = [this](const PlannedVoice& v, double t, std::vector<double>& gains) {
        timeline::SpeakerGains own{};
        own[static_cast<std::size_t>(std::max(v.bedChannel, 0))] = 1.0f;
        timeline::signalGainsAt(session.tracks[static_cast<std::size_t>(v.trackIndex)],
                                std::max(v.bedChannel, 0), own, panner, t, gains);
      };
    }
    r.envelopeGain = [](const PlannedVoice& v) { return v.gainLinear; };
    r.automated = [](const PlannedVoice& v) { return v.moving; };
    mixers.push_back(MixerPlan{groupChannels[g], group, -1, std::move(r)});
  }
  for (std::size_t k = 0; k < reverbs.instances.size(); ++k) {
    const ReverbInstance& inst = reverbs.instances[k];
    if (inst.bus == reverbs.decorrelationBus) {
      mixers.push_back(diffuseMixer(static_cast<int>(k)));
      continue;
    }
    const std::string bus = reverbs.buses[static_cast<std::size_t>(inst.bus)].name;
    const bool trueStereo =
        reverbs.buses[static_cast<std::size_t>(inst.bus)].shape == BusShape::TrueStereo;
    Routing r;
    r.includes = [this, stem = inst.stem, bus](const PlannedVoice& v) {
      return v.stemIndex == stem && sendOf(session, v, bus) != nullptr;
    };
    r.envelopeGain = [this, bus](const PlannedVoice& v) {
      return sendOf(session, v, bus)->preFader ? v.clipGainLinear : v.gainLinear;
    };
    r.automated = [this, bus, trueStereo](const PlannedVoice& v) {
      const Track& t = session.tracks[static_cast<std::size_t>(v.trackIndex)];
      return (!sendOf(session, v, bus)->preFader && !t.gainKeys.empty()) ||
             (trueStereo && t.positionKeys.size() > 1);
    };
    r.staticGains = [this, bus, trueStereo](const PlannedVoice& v, auto& gains) {
      std::vector<double> d(2, 0.0);
      timeline::sendGainsAt(session.tracks[static_cast<std::size_t>(v.trackIndex)],
                            *sendOf(session, v, bus), v.bedChannel, trueStereo, stereoPanner, 0.0,
                            false, d);
      gains[0] = static_cast<float>(d[0]);
      gains[1] = static_cast<float>(d[1]);
    };
    r.gainsAt = [this, bus, trueStereo](const PlannedVoice& v, double t,
                                        std::vector<double>& gains) {
      timeline::sendGainsAt(session.tracks[static_cast<std::size_t>(v.trackIndex)],
                            *sendOf(session, v, bus), v.bedChannel, trueStereo, stereoPanner, t,
                            true, gains);
    };
    mixers.push_back(MixerPlan{reverbs.buses[static_cast<std::size_t>(inst.bus)].spec.numInputs, -1,
                               static_cast<int>(k), std::move(r)});
  }
}

// The diffuse path of a stem's objects (BS.2127 §7.3.10) into the decorrelation bus: each
// output speaker's input is the object's panned gain there times sqrt(diffuse), after the fader
// and gain automation like the direct path.
MixerPlan RenderPlan::diffuseMixer(int instance) {
  const int stem = reverbs.instances[static_cast<std::size_t>(instance)].stem;
  Routing r;
  r.includes = [this, stem](const PlannedVoice& v) {
    return v.stemIndex == stem && v.bedChannel < 0 &&
           timeline::hasDiffuse(session.tracks[static_cast<std::size_t>(v.trackIndex)]);
  };
  r.envelopeGain = [](const PlannedVoice& v) { return v.gainLinear; };
  r.automated = [](const PlannedVoice& v) { return v.moving; };
  r.staticGains = [this](const PlannedVoice& v, auto& gains) {
    std::vector<double> d(static_cast<std::size_t>(output.numChannels()));
    timeline::diffuseGainsAt(session.tracks[static_cast<std::size_t>(v.trackIndex)], panner, 0.0,
                             d);
    gains.fill(0.0f);
    for (std::size_t c = 0; c < d.size(); ++c) gains[c] = static_cast<float>(d[c]);
  };
  r.gainsAt = [this](const PlannedVoice& v, double t, std::vector<double>& gains) {
    timeline::diffuseGainsAt(session.tracks[static_cast<std::size_t>(v.trackIndex)], panner, t,
                             gains);
  };
  return MixerPlan{output.numChannels(), -1, instance, std::move(r)};
}

}  // namespace vkmix::engine
