// GpuDenoisedRows: the denoised tracks' signals kept on the device for the mixes of the same
// chunk's command buffer. Each track has a ring of output frames per channel (its GpuDenoiser's
// chunks copied in, in order, frame u of the ring being the denoiser's output frame u, counted from
// its first chunk's) and a shader (shaders/denoise/rows.comp) writes a mix's rows from the ring:
// a block's MixBlock::deviceRows, what the host would have read from the denoised signal, times
// the voice's gain. The ring holds the last chunkFrames + two denoise chunks of frames: a chunk's
// mixes read at most chunkFrames frames, all produced within a denoise chunk of their end.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dsp/denoise/gpu_denoiser.hpp"
#include "dsp/voices/params.hpp"
#include "gpu/buffer.hpp"
#include "gpu/compute_pipeline.hpp"
#include "gpu/context.hpp"

namespace vkmix::dsp {

class GpuDenoisedRows {
 public:
  // `channels` per denoised track, their StftShape; `chunkFrames`: the most frames one chunk's
  // mixes read; `batches` command buffers in flight, each recording at most `mixesPerBatch`
  // blocks with device rows.
  GpuDenoisedRows(const gpu::Context& ctx, const std::vector<int>& channels, const StftShape& shape,
                  std::int64_t chunkFrames, int batches, std::size_t mixesPerBatch);
  // After `denoiser`'s record() of track's next chunk: its output goes into the track's ring.
  void recordChunk(const vk::raii::CommandBuffer& commands, std::size_t track,
                   const GpuDenoiser& denoiser);
  // Batch `batch`'s command buffer is recorded anew, its previous work finished: the descriptor
  // sets it used go.
  void beginBatch(int batch);
  // Writes `block`'s deviceRows (source: the track; the frames asked for produced by
  // recordChunk before) into `rows`, voice v's row from float rowOf[v] * block.stride, in the
  // command buffer of batch `batch`. The caller orders the writes before what reads the rows.
  void recordRows(const vk::raii::CommandBuffer& commands, int batch, const MixBlock& block,
                  const gpu::Buffer& rows, std::span<const std::size_t> rowOf);

 private:
  const gpu::Context& ctx_;
  std::int64_t ringFrames_, latency_, chunk_;
  std::vector<std::int64_t> firstRow_;  // per track: its first channel's ring row
  std::vector<std::int64_t> produced_;  // per track: output frames copied in so far
  gpu::ComputePipeline pipeline_;
  gpu::Buffer ring_;                             // [track channel][ringFrames]
  std::vector<vk::raii::DescriptorPool> pools_;  // per batch: the sets of its rows
};

}  // namespace vkmix::dsp
