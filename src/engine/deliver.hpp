// renderToFile with the choice of where normalisation's delivery passes get the render from.
// The public vkmix::renderToFile replays what the measuring pass kept; rendering the session
// again is what a render falls back to when the disk has no room to keep it, and the oracle the
// tests hold the replay to (the same bytes).
#pragma once

#include "vkmix/render.hpp"

namespace vkmix::engine {

enum class DeliverFrom { KeptRender, FreshRender };

RenderReport renderToFile(const Session& session, const RenderOptions& options,
                          const DeliveryOptions& delivery, DeliverFrom from);

}  // namespace vkmix::engine
