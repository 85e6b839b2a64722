// Delivery specs (`vkmix render --spec NAME`): the loudness target, tolerance and true-peak limit
// of a broadcaster's or platform's delivery specification, and the check of a render's figures
// against them. The presets, and the documents their numbers come from, are tabled in
// docs/loudness.md ("Delivery specs"). The check reads the report's figures: it measures nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "vkmix/render.hpp"
#include "vkmix/session.hpp"

namespace vkmix::engine {

// What a spec's loudness is measured on.
enum class SpecMeasure {
  Programme,  // the whole programme: BS.1770 integrated loudness of the mix, of each downmix
  Dialogue,   // dialogue-gated: here the session's "dialogue" stem, alone and through each downmix
};

struct DeliverySpec {
  std::string_view name;    // as --spec takes it: "ebu-r128"
  std::string_view source;  // the document the numbers come from
  double targetLufs;
  double toleranceLu;      // loudness passes within targetLufs +- toleranceLu
  double truePeakMaxDbtp;  // true peak passes at or below this
  SpecMeasure measure;
};

// Every preset, in the order --help lists them.
const std::vector<DeliverySpec>& deliverySpecs();

// The preset named `name`; InputError on --spec listing the presets otherwise.
const DeliverySpec& findDeliverySpec(std::string_view name);

// "ebu-r128 (-23 +-0.2 LU, -1 dBTP), ..." for --help.
std::string deliverySpecSummary();

std::string_view specMeasureName(SpecMeasure measure);

// InputError on --spec when this session cannot be checked against `spec`: a spec measured on
// dialogue needs a track with stem "dialogue". Called before rendering, so nothing is written.
void checkSpecApplies(const DeliverySpec& spec, const Session& session);

// One delivered programme against the spec.
struct SpecCheck {
  std::string programme;  // "mix" or a downmix's layout ("2.0")
  double integratedLufs;  // of what the spec measures (programme or dialogue); -200 silent
  double truePeakDbtp;    // of the programme itself
  bool loudnessPass;
  bool truePeakPass;
};

struct SpecResult {
  DeliverySpec spec;
  std::vector<SpecCheck> checks;  // the mix, then each downmix in the report's order
  bool pass = false;              // every check passed both limits
};

// Checks the mix and every downmix of a render. Figures are judged as the report prints them, to
// 0.01 dB, so the verdict can be re-derived from the report. A silent measurement fails the
// loudness check. A dialogue-measured spec reads the "dialogue" stem in `report.stems` and each
// downmix's NamedLoudness::dialogueIntegratedLufs (render with
// DeliveryOptions::meterDialogueDownmixes).
SpecResult checkSpec(const DeliverySpec& spec, const RenderReport& report);

// One line for the terminal: "spec ebu-r128 (-23 +-0.2 LU, -1 dBTP): pass, mix and 1 downmix".
std::string specSummary(const SpecResult& result);

// One line for each limit a check failed, naming the programme, the figure and the limit:
// "2.0: dialogue loudness -30.12 LUFS is outside -27 +-2 LU".
std::vector<std::string> specFailures(const SpecResult& result);

}  // namespace vkmix::engine
