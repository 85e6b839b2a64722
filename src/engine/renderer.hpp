// The block loop: walks the timeline in blocks, gathers the voices active in each, fills a
// dsp::MixBlock (samples, envelopes, gains or the gain grid of moving objects), mixes it on the
// GPU (or the CPU reference) and hands the block to a sink (file writer, memory, meters).
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "vkmix/render.hpp"

namespace vkmix::engine {

// Receives each rendered block: channel c's frames at planar[c * stride + i], i < numFrames.
using BlockSink =
    std::function<void(std::span<const float> planar, std::int64_t stride, std::int64_t numFrames)>;

RenderReport renderBlocks(const Session& session, const RenderOptions& options,
                          const BlockSink& sink);

}  // namespace vkmix::engine
