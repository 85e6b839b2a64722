// What renderToFile checks before any work: the output format, folders, downmixes, the HRTF,
// the loudness target and ceiling, and what a range cannot deliver.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "binaural/hrtf.hpp"
#include "engine/binaural_render.hpp"
#include "engine/deliver.hpp"
#include "engine/delivery.hpp"
#include "engine/renderer.hpp"
#include "io/writer.hpp"
#include "layout/downmix.hpp"
#include "vkmix/error.hpp"

namespace vkmix {
namespace {

io::OutputFormat resolveFormat(const DeliveryOptions& d) {
  if (d.format.empty()) return io::defaultFormatFor(d.output);
  auto parsed = io::parseOutputFormat(d.format);
  if (!parsed)
    throw InputError(
        "--format", "",
        "\"" + d.format + "\" is not one of " + io::outputFormatNames() + " (see 'vkmix formats')");
  return *parsed;
}

}  // namespace

void engine::checkOutputFolder(const std::filesystem::path& file) {
  if (file.has_parent_path() && !std::filesystem::is_directory(file.parent_path())) {
    throw InputError(file.string(), "", "the output folder does not exist");
  }
}

std::string engine::binauralDownmixModesWarning(const Session& session) {
  std::vector<std::string> named;
  std::size_t others = 0;
  for (const Track& t : session.tracks) {
    // A muted track is not in the mix: its mode changes nothing.
    if (t.mute || t.binauralMode == BinauralMode::Mid) continue;
    ++others;
    if (named.size() < 3) named.push_back("\"" + t.name + "\" " + binauralModeName(t.binauralMode));
  }
  if (others == 0) return "";
  std::string list;
  for (const std::string& n : named) list += (list.empty() ? "" : ", ") + n;
  if (others > named.size()) list += ", ...";
  return "--downmix binaural: " + std::to_string(others) +
         (others == 1 ? " track asks" : " tracks ask") + " for a binauralMode other than mid (" +
         list +
         "), but a binaural downmix is of the mixed loudspeaker feeds, all in mid; render with "
         "--layout binaural to honour each track's mode";
}

io::OutputFormat engine::checkDelivery(const Session& session, const RenderOptions& options,
                                       const DeliveryOptions& delivery) {
  const io::OutputFormat format = resolveFormat(delivery);
  const Layout layout = engine::outputLayout(session, options);
  checkOutputFolder(delivery.output);
  for (const auto& [name, file] : delivery.downmixes) {
    if (name == engine::kBinaural) {
      if (layout.name == engine::kBinauralLayout)
        throw InputError("--downmix", name,
                         options.layout.empty()
                             ? "the mix is binaural already (the session's layout is binaural)"
                             : "the mix is binaural already (--layout binaural)");
      // The HRTF is read now, so a missing or malformed file is an error before any work.
      binaural::Hrtf(engine::hrtfPath(delivery), session.sampleRate);
      if (const std::string w = binauralDownmixModesWarning(session); !w.empty() && options.warn)
        options.warn(w);
      checkOutputFolder(file);
      if (delivery.format.empty()) io::defaultFormatFor(file);
      continue;
    }
    const Layout* to = findLayout(name);
    if (to == nullptr)
      throw InputError("--downmix", name, "unknown layout; see 'vkmix layouts' (or binaural)");
    layout::downmixMatrix(layout, *to);  // throws when there is no path
    checkOutputFolder(file);
    if (delivery.format.empty()) io::defaultFormatFor(file);  // throws for an unknown extension
  }
  if (delivery.loudnessTargetLufs &&
      !(*delivery.loudnessTargetLufs <= 0.0 && *delivery.loudnessTargetLufs >= -60.0)) {
    throw InputError("--loudness-target", "", "must be within -60..0 LUFS");
  }
  if (!(delivery.truePeakCeilingDbtp <= 0.0 && delivery.truePeakCeilingDbtp >= -20.0)) {
    throw InputError("--true-peak-ceiling", "", "must be within -20..0 dBTP");
  }
  // A range delivers its frames alone: normalising it would measure the range, not the
  // programme, and a binaural downmix's HRIR convolution would start from silence at it.
  if (options.range && delivery.loudnessTargetLufs) {
    throw InputError("--range", "",
                     "cannot normalise a range (--loudness-target measures the whole programme)");
  }
  if (options.range && (engine::isBinauralRender(session, options) ||
                        std::any_of(delivery.downmixes.begin(), delivery.downmixes.end(),
                                    [](const auto& d) { return d.first == engine::kBinaural; }))) {
    throw InputError("--range", "",
                     "a binaural render of a range is not supported (its HRIR convolution needs "
                     "the frames before the range)");
  }
  return format;
}

}  // namespace vkmix
