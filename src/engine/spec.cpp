#include "engine/spec.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/assert.hpp"
#include "vkmix/error.hpp"

namespace vkmix::engine {
namespace {

// Levels as the report prints them (engine/report.cpp rounds to 0.01): a figure printed inside
// a limit never fails it by a rounding residue the reader cannot see.
double asReported(double v) { return std::round(v * 100.0) / 100.0; }

// Figures rounded to 0.01 sit on a limit only up to binary fractions (-23.2 + 23 is not -0.2).
constexpr double kEpsilon = 1e-9;

// -200 is how the meter reads silence.
bool silent(double lufs) { return lufs <= -199.0; }

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

std::string level(double v) {
  if (silent(v)) return "silent";
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", v);
  return text;
}

}  // namespace

const std::vector<DeliverySpec>& deliverySpecs() {
  // The numbers and why each is what it is: docs/loudness.md, "Delivery specs".
  static const std::vector<DeliverySpec> specs = {
      {"ebu-r128", "EBU R 128", -23.0, 0.5, -1.0, SpecMeasure::Programme},
      {"atsc-a85", "ATSC A/85:2013", -24.0, 2.0, -2.0, SpecMeasure::Programme},
      {"netflix", "Netflix Sound Mix Specifications (Dolby Atmos home mix deliverables)", -27.0,
       2.0, -2.0, SpecMeasure::Dialogue},
  };
  return specs;
}

const DeliverySpec& findDeliverySpec(std::string_view name) {
  const auto& specs = deliverySpecs();
  const auto it = std::find_if(specs.begin(), specs.end(),
                               [&](const DeliverySpec& s) { return s.name == name; });
  if (it != specs.end()) return *it;
  std::string names;
  for (const DeliverySpec& s : specs) names += (names.empty() ? "" : ", ") + std::string(s.name);
  throw InputError("--spec", "", "\"" + std::string(name) + "\" is not one of " + names);
}

std::string deliverySpecSummary() {
  std::string text;
  for (const DeliverySpec& s : deliverySpecs()) {
    text += (text.empty() ? "" : ", ") + std::string(s.name) + " (" + number(s.targetLufs) + " +-" +
            number(s.toleranceLu) + " LU" +
            (s.measure == SpecMeasure::Dialogue ? " dialogue" : "") + ", " +
            number(s.truePeakMaxDbtp) + " dBTP)";
  }
  return text;
}

std::string_view specMeasureName(SpecMeasure measure) {
  return measure == SpecMeasure::Dialogue ? "dialogue" : "programme";
}

void checkSpecApplies(const DeliverySpec& spec, const Session& session) {
  if (spec.measure != SpecMeasure::Dialogue) return;
  const bool dialogue = std::any_of(session.tracks.begin(), session.tracks.end(),
                                    [](const Track& t) { return t.stem == "dialogue"; });
  if (!dialogue) {
    throw InputError("--spec", std::string(spec.name),
                     "measures dialogue, and the session has no track with stem \"dialogue\"");
  }
}

SpecResult checkSpec(const DeliverySpec& spec, const RenderReport& report) {
  SpecResult result{spec, {}, true};
  const bool dialogue = spec.measure == SpecMeasure::Dialogue;
  auto check = [&](const std::string& programme, double lufs, double truePeak) {
    lufs = asReported(lufs);
    truePeak = asReported(truePeak);
    SpecCheck c{programme, lufs, truePeak,
                !silent(lufs) && std::abs(lufs - spec.targetLufs) <= spec.toleranceLu + kEpsilon,
                truePeak <= spec.truePeakMaxDbtp + kEpsilon};
    result.pass = result.pass && c.loudnessPass && c.truePeakPass;
    result.checks.push_back(c);
  };
  double mixLufs = report.mix.integratedLufs;
  if (dialogue) {
    const auto stem = std::find_if(report.stems.begin(), report.stems.end(),
                                   [](const NamedLoudness& s) { return s.name == "dialogue"; });
    VKMIX_ASSERT(stem != report.stems.end(), "a dialogue-measured spec without a dialogue stem");
    mixLufs = stem->loudness.integratedLufs;
  }
  check("mix", mixLufs, report.mix.truePeakDbtp);
  for (const NamedLoudness& d : report.downmixes) {
    VKMIX_ASSERT(!dialogue || d.dialogueIntegratedLufs.has_value(),
                 "downmix " + d.name + " was not metered for its dialogue");
    check(d.name, dialogue ? *d.dialogueIntegratedLufs : d.loudness.integratedLufs,
          d.loudness.truePeakDbtp);
  }
  return result;
}

std::string specSummary(const SpecResult& result) {
  const DeliverySpec& s = result.spec;
  const auto failed =
      std::count_if(result.checks.begin(), result.checks.end(),
                    [](const SpecCheck& c) { return !c.loudnessPass || !c.truePeakPass; });
  const std::size_t downmixes = result.checks.size() - 1;
  std::string text = "spec " + std::string(s.name) + " (" + number(s.targetLufs) + " +-" +
                     number(s.toleranceLu) + " LU " + std::string(specMeasureName(s.measure)) +
                     ", " + number(s.truePeakMaxDbtp) + " dBTP): ";
  if (result.pass) {
    text += "pass, mix";
  } else {
    text += "FAIL, " + std::to_string(failed) + " of " + std::to_string(result.checks.size()) +
            " programmes failed; checked mix";
  }
  if (downmixes > 0)
    text += " and " + std::to_string(downmixes) + (downmixes == 1 ? " downmix" : " downmixes");
  return text;
}

std::vector<std::string> specFailures(const SpecResult& result) {
  const DeliverySpec& s = result.spec;
  const std::string measured =
      s.measure == SpecMeasure::Dialogue ? "dialogue loudness" : "loudness";
  std::vector<std::string> lines;
  for (const SpecCheck& c : result.checks) {
    if (!c.loudnessPass) {
      lines.push_back(c.programme + ": " + measured + " " + level(c.integratedLufs) +
                      (silent(c.integratedLufs) ? "" : " LUFS") + " is outside " +
                      number(s.targetLufs) + " +-" + number(s.toleranceLu) + " LU");
    }
    if (!c.truePeakPass) {
      lines.push_back(c.programme + ": true peak " + level(c.truePeakDbtp) + " dBTP is above " +
                      number(s.truePeakMaxDbtp) + " dBTP");
    }
  }
  return lines;
}

}  // namespace vkmix::engine
