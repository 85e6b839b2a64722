#include "adm/matrix.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>

#include "adm/common_definitions.hpp"
#include "adm/direct_speakers.hpp"
#include "vkmix/error.hpp"

namespace vkmix::adm {
namespace {

// Matrices nest (decode of encode); deeper is a cycle in the file.
constexpr int kMaxMatrixDepth = 8;

// A delay past the longest session timeline (48 hours) is a mistake in the file, not a delay line;
// it is refused before it is converted to frames (where it would overflow).
constexpr double kMaxDelayMs = 48.0 * 3600.0 * 1000.0;

std::string numberText(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Gains below this are no term at all (a decode that cancels an encode's term, say).
constexpr double kNoGain = 1e-12;

const ChannelFormat* channelById(const DocumentIndex& index, const std::string& id) {
  if (const ChannelFormat* c = index.channel(id)) return c;
  for (const ChannelFormat& c : commonChannelFormats()) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

// A term of a matrix channel's sum: a file channel (0-based) delayed by whole frames.
struct Term {
  int fileChannel = 0;
  std::int64_t delayFrames = 0;
  auto operator<=>(const Term&) const = default;
};

// A matrix channel as a sum of the object's file tracks: gain per term.
struct Expansion {
  std::map<Term, double> gainByTerm;
  std::vector<std::string> missing;      // inputs neither a track of the object nor a matrix
  std::vector<std::string> unsupported;  // "phase", "gainVar", ... (each once)
};

// A coefficient's delay (ms) in frames as the EBU reference renderer rounds it: to the nearest
// frame, halves down (ceil(x - 0.5)).
std::int64_t delayFrames(double delayMs, int sampleRate) {
  return static_cast<std::int64_t>(std::ceil(sampleRate * delayMs / 1000.0 - 0.5));
}

void note(std::vector<std::string>& list, const std::string& what) {
  for (const std::string& s : list) {
    if (s == what) return;
  }
  list.push_back(what);
}

// BS.2127 (the reference's output channel allocation): a channel that is one of the object's
// tracks is that track; otherwise a Matrix channel is the sum of its coefficients' inputs, each
// expanded the same way: gains multiply and delays add along the way (the reference applies
// each coefficient's gain and delay line in turn).
void expand(const ResolvedObject& ro, const DocumentIndex& index, const std::string& channelId,
            double gain, std::int64_t delay, int sampleRate, int depth, Expansion& out) {
  for (const ResolvedChannel& ch : ro.channels) {
    if (ch.format->id == channelId) {
      out.gainByTerm[Term{ch.fileChannel, delay}] += gain;
      return;
    }
  }
  const ChannelFormat* c = index.channel(channelId);
  if (c == nullptr || c->type != TypeDefinition::Matrix || c->blocks.empty() ||
      depth >= kMaxMatrixDepth) {
    note(out.missing, channelId);
    return;
  }
  for (const MatrixCoefficient& m : c->blocks.front().matrix) {
    // The reference renderer refuses phase (a polarity inversion is a negative gain) and the
    // *Var references, and a negative delay; vkmix leaves the object out with a warning.
    if (m.phase && *m.phase != 0.0) note(out.unsupported, "phase");
    if (m.delay && *m.delay < 0.0) note(out.unsupported, "a negative delay");
    if (!m.gainVar.empty()) note(out.unsupported, "gainVar");
    if (!m.phaseVar.empty()) note(out.unsupported, "phaseVar");
    if (!m.delayVar.empty()) note(out.unsupported, "delayVar");
    const std::string coefficient =
        "audioChannelFormat " + c->id + ": the coefficient of " + m.inputChannelRef;
    // Checked before any conversion: the errors name the coefficient (the file is added by the
    // import).
    if (m.delay && !(*m.delay <= kMaxDelayMs))
      throw InputError("", "axml",
                       coefficient + " has delay " + numberText(*m.delay) + " ms, beyond 48 hours");
    const std::int64_t d = m.delay && *m.delay > 0.0 ? delayFrames(*m.delay, sampleRate) : 0;
    if (static_cast<double>(delay + d) > kMaxDelayMs / 1000.0 * sampleRate)
      throw InputError("", "axml",
                       coefficient + ": the delays of the matrices it passes through add up to " +
                           "beyond 48 hours");
    const double product = gain * m.gain;
    if (!std::isfinite(product))
      throw InputError("", "axml",
                       coefficient + " has gain " + numberText(m.gain) +
                           ": its product with the gains of the matrices it passes through "
                           "overflows");
    expand(ro, index, m.inputChannelRef, product, delay + d, sampleRate, depth + 1, out);
  }
}

std::string joined(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

}  // namespace

std::vector<Track> matrixTracks(const ResolvedObject& ro, const DocumentIndex& index,
                                const Track& base, int sampleRate,
                                const std::function<void(const std::string&)>& warn) {
  const std::string object = "audioObject " + ro.object->id;
  const PackFormat* pack = index.pack(ro.packId);
  if (pack == nullptr) {
    warn(object + ": Matrix audioPackFormat " + ro.packId + " is not defined; not rendered");
    return {};
  }
  if (pack->outputPackRef.empty()) {
    warn(object + ": audioPackFormat " + pack->id +
         " is an encode matrix (no outputPackFormatIDRef): its channels have no speakers to "
         "play on, as in BS.2127; not rendered (a decode or direct matrix is)");
    return {};
  }
  const PackFormat* output = index.pack(pack->outputPackRef);
  const bool outputIsDirectSpeakers = output != nullptr
                                          ? output->type == TypeDefinition::DirectSpeakers
                                          : isCommonDefinition(pack->outputPackRef);
  if (!outputIsDirectSpeakers) {
    warn(object + ": the output of matrix " + pack->id + ", audioPackFormat " +
         pack->outputPackRef + ", is not a DirectSpeakers pack; not rendered");
    return {};
  }

  // Every output channel's terms first: an object with a term vkmix cannot play is not rendered
  // in part.
  struct Output {
    const ChannelFormat* matrixChannel;
    const ChannelFormat* speaker;
    std::vector<std::pair<Term, double>> terms;  // linear gain, negative: inverted
  };
  std::vector<Output> outputs;
  std::vector<std::string> unsupported;
  for (const std::string& id : pack->channelRefs) {
    const ChannelFormat* c = index.channel(id);
    if (c == nullptr || c->type != TypeDefinition::Matrix || c->blocks.empty()) {
      warn(object + ": matrix channel " + id +
           " is not a Matrix audioChannelFormat with a block; silent");
      continue;
    }
    const BlockFormat& block = c->blocks.front();
    if (c->blocks.size() > 1)
      warn("audioChannelFormat " + id +
           ": a matrix that changes over time is not rendered; its first block applies throughout");
    const ChannelFormat* speaker =
        block.outputChannelRef.empty() ? nullptr : channelById(index, block.outputChannelRef);
    if (speaker == nullptr || speaker->type != TypeDefinition::DirectSpeakers) {
      warn("audioChannelFormat " + id + ": its outputChannelFormatIDRef (" +
           (block.outputChannelRef.empty() ? std::string("none") : block.outputChannelRef) +
           ") names no DirectSpeakers channel; silent");
      continue;
    }
    Expansion e;
    expand(ro, index, id, 1.0, 0, sampleRate, 0, e);
    for (const std::string& u : e.unsupported) note(unsupported, u);
    for (const std::string& m : e.missing)
      warn("audioChannelFormat " + id + ": its input " + m + " is not among " + object +
           "'s tracks; silent in the mix");
    Output out{c, speaker, {}};
    for (const auto& [term, gain] : e.gainByTerm) {
      if (!std::isfinite(gain))
        throw InputError("", "axml",
                         "audioChannelFormat " + id +
                             ": the sum of its coefficients' gains on one track overflows");
      if (std::abs(gain) < kNoGain) continue;
      // A clip's gain is at most +48 dB (the session's limit): above it, name the matrix.
      if (20.0 * std::log10(std::abs(gain)) > 48.0)
        throw InputError("", "axml",
                         "audioChannelFormat " + id + ": the coefficients' gain on track " +
                             std::to_string(term.fileChannel + 1) + ", " + numberText(gain) +
                             ", is above +48 dB");
      out.terms.emplace_back(term, gain);
    }
    if (!out.terms.empty()) outputs.push_back(std::move(out));
  }
  if (!unsupported.empty()) {
    warn(object + ": matrix coefficients with " + joined(unsupported) +
         " are not supported; not rendered");
    return {};
  }

  std::vector<Track> tracks;
  for (const Output& out : outputs) {
    // The output channel played as its DirectSpeakers channel would be, from a stand-in file
    // channel that each term then replaces with its own at its gain.
    const int standIn = out.terms.front().first.fileChannel;
    ResolvedObject speaker{ro.object,
                           ro.content,
                           TypeDefinition::DirectSpeakers,
                           pack->outputPackRef,
                           {ResolvedChannel{standIn, {}, out.speaker}}};
    Track named = base;
    named.name = base.name + " " + out.matrixChannel->name;
    for (Track& t : directSpeakersTracks(speaker, named, warn)) {
      std::vector<Clip> clips;
      for (const auto& [term, gain] : out.terms) {
        const double delay = static_cast<double>(term.delayFrames) / sampleRate;
        for (Clip c : t.clips) {
          if (c.channel) c.channel = term.fileChannel;
          for (int& m : c.channels) {
            if (m == standIn) m = term.fileChannel;
          }
          c.gainDb += 20.0 * std::log10(std::abs(gain));
          if (gain < 0.0) c.invert = !c.invert;
          // Delayed: the clip's span plays the file `delay` earlier; before the file's start
          // the delay line holds silence, so the clip starts later there.
          c.offsetSeconds -= delay;
          if (c.offsetSeconds < 0.0) {
            const double silent = -c.offsetSeconds;
            c.offsetSeconds = 0.0;
            c.startSeconds += silent;
            if (c.lengthSeconds) {
              *c.lengthSeconds -= silent;
              if (*c.lengthSeconds * sampleRate < 0.5) {
                warn("audioChannelFormat " + out.matrixChannel->id + ": the term on track " +
                     std::to_string(term.fileChannel + 1) + " is delayed " + numberText(delay) +
                     " s, past the object's end; silent");
                continue;
              }
            }
          }
          clips.push_back(std::move(c));
        }
      }
      t.clips = std::move(clips);
      tracks.push_back(std::move(t));
    }
  }
  return tracks;
}

}  // namespace vkmix::adm
