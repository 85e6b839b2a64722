// renderToFile with the choice of where normalisation's delivery passes get the render from.
// The public vkmix::renderToFile replays what the measuring pass kept; rendering the session
// again is what a render falls back to when the disk has no room to keep it, and the oracle the
// tests hold the replay to (the same bytes).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/renderer.hpp"
#include "io/writer.hpp"
#include "vkmix/render.hpp"

namespace vkmix::engine {

enum class DeliverFrom { KeptRender, FreshRender };

RenderReport renderToFile(const Session& session, const RenderOptions& options,
                          const DeliveryOptions& delivery, DeliverFrom from);

// Everything the options ask of a delivery (format, downmixes, the HRTF, loudness target and
// ceiling, what a range cannot deliver), checked before any work: what renderToFile checks first.
// The output format. A binaural downmix of a session with tracks in binauralModes other than mid
// is warned about through options.warn (binauralDownmixModesWarning).
io::OutputFormat checkDelivery(const Session& session, const RenderOptions& options,
                               const DeliveryOptions& delivery);

// InputError naming `file` when the folder it is to be written in does not exist.
void checkOutputFolder(const std::filesystem::path& file);

// A binaural downmix is made from the delivered mix's speaker feeds, in which the tracks are
// summed (and limited) already: it goes through the default mode, mid, whole. The warning that
// says so when some of the session's tracks (muted ones left out) ask for another mode, naming
// them (a few) and --layout binaural, which renders each in its own; "" when every track that
// plays is in mid.
std::string binauralDownmixModesWarning(const Session& session);

// Replays a kept render into a sink, as StoredRender::replay does: `onPlan` first, then every
// block in order. Called once per delivery pass.
using ReplayRender = std::function<void(const std::function<void(const RenderPlanInfo&)>& onPlan,
                                        const BlockSink& sink, const RenderOptions& options)>;

// What renderToFile does once its measuring pass has kept the render, for a render kept
// elsewhere (a farm render's segments, docs/farm.md): the delivery passes from `replay`, with a
// loudness target normalised from `measuredLufs` (the reference's integrated loudness) and
// corrected after limiting as renderToFile does, every file renamed into place when the last pass
// succeeded. `rendered` has the render's own figures (device, voices, backend), `passes` the
// passes that made it (the report lists them first).
RenderReport deliverKeptRender(const Session& session, const RenderOptions& options,
                               const DeliveryOptions& delivery, std::optional<double> measuredLufs,
                               const RenderReport& rendered, std::vector<RenderPass> passes,
                               const ReplayRender& replay);

}  // namespace vkmix::engine
