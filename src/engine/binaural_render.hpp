// A binaural render (`--layout binaural`, docs/binaural.md): the session rendered to the virtual
// loudspeakers (binaural::binauralVirtualLayout, 9.1.6; the session's own layout when a reverb's
// IR has one channel per speaker of it) by the usual plan and backend, each
// stem's feeds through the binaural renderer, and the ears handed on as the render's blocks
// (layout "binaural", 2 channels), so metering, normalisation, limiting, stems and writers treat
// them as any layout's. Tracks go through the HRTF filters of their binauralMode: the session is
// rendered with each stem split by mode (stem "fx" with tracks in "far" becomes "fx" and a part
// for its far tracks), each part through its mode's filters, the parts of a stem summed into it;
// the mix is the sum of the stems, as in any render.
#pragma once

#include <functional>

#include "engine/renderer.hpp"
#include "vkmix/render.hpp"
#include "vkmix/session.hpp"

namespace vkmix::engine {

inline constexpr const char* kBinauralLayout = "binaural";

// Whether `options` (or, without a layout there, the session) asks for the binaural layout.
bool isBinauralRender(const Session& session, const RenderOptions& options);

// The loudspeaker layout a binaural render of `session` renders before the ears: 9.1.6, unless a
// reverb's IR has one channel per speaker of the session's own layout (then that layout). The
// inspector shows its room for a binaural session.
std::string binauralVirtualLayoutFor(const Session& session);

// renderBlocks for a binaural render. The HRTF (RenderOptions::hrtf) is opened first: a missing
// or malformed file is an InputError naming it. The blocks run on past the loudspeaker render's
// end by the longest filter's tail (the HRIRs' and the "far" room's), so nothing rings off.
RenderReport renderBinauralBlocks(const Session& session, const RenderOptions& options,
                                  const std::function<void(const RenderPlanInfo&)>& onPlan,
                                  const BlockSink& sink, DryShape shape);

}  // namespace vkmix::engine
