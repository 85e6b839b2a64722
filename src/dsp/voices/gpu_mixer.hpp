// GpuMixer: runs shaders/voices/mix.comp on one MixBlock. The envelope (clip gain, fades) is
// applied to each voice's samples before the device reads them; static voices then go through a
// pipeline specialised for static gains and moving ones through one for grid gains (on lavapipe
// one shader holding the envelope and both loops ran 2.6-4x slower). Each kind goes in chunks of
// kVoicesPerDispatch (one UBO range each) and each chunk accumulates onto the previous output, so
// the sum order is kind, then voice order: a voice's kind does not depend on the block, so the
// bytes are the same for any block size. Sample rows go in that order too (a row follows from the
// voice's index), and the block loop fills blocks in it, so it can read clips straight into the
// upload buffer (uploadRows); rows out of order are moved through a copy.
// Buffers grow on demand and are reused.
//
// kInFlight mixes can be in flight: submit() uploads a block into the next slot (buffers,
// descriptor sets, command buffer) and starts it without waiting; finish() waits for the oldest
// and copies its output. The renderer submits block k before collecting block k-2, so reading
// and uploading one block overlaps the device mixing the ones before, and a block the device is
// slow on does not stall the reading of the next (three slots: 2% faster than two on lavapipe).
//
// Static voices take one of two kernels. mix.comp gives each invocation 4 frames and all of a
// dispatch's voices, one after another: right for lavapipe, which runs few lanes and has no
// cheap shared memory. On a GPU that leaves most of the chip idle (an H200 mixed 1024 voices at
// 20x realtime), so GPUs get mix_wide.comp: the voices split kWideSplits ways by key, summed in
// parallel, then added in a fixed tree. The two round differently; each gives the same bits for
// any block size. MixPipelines picks by device type (CPU devices: mix.comp); VKMIX_MIX_KERNEL=
// narrow or wide overrides, for tests and measurements.
//
// The two pipelines live in a MixPipelines, made on first use (a session of static objects never
// compiles the moving one) and shared by every mixer of the same channel count: each is an LLVM
// compile of about 10 ms on lavapipe, and a render has a mixer per stem and per reverb send.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "dsp/voices/params.hpp"
#include "gpu/buffer.hpp"
#include "gpu/compute_pipeline.hpp"
#include "gpu/context.hpp"
#include "gpu/submitter.hpp"

namespace vkmix::dsp {

constexpr std::uint32_t kWideQuads = 8;    // mix_wide.comp: 4-frame groups per workgroup
constexpr std::uint32_t kWideSplits = 32;  // mix_wide.comp: parallel sums per 4 frames

// Which static-voice kernel: Auto picks by device type (and VKMIX_MIX_KERNEL).
enum class MixKernel { Auto, Narrow, Wide };

class MixPipelines {
 public:
  MixPipelines(const gpu::Context& ctx, int numChannels, MixKernel kernel = MixKernel::Auto);
  int numChannels() const { return numChannels_; }
  // Whether static voices go through mix_wide.comp (GPUs) rather than mix.comp's loop.
  bool wide() const { return wide_; }
  // The pipeline for static (false: mix_wide.comp where wide()) or moving (true) voices, made on
  // the first call.
  const gpu::ComputePipeline& get(bool moving);
  bool made(bool moving);  // whether get(moving) has made it yet
  // The set layout both pipelines are made with: sets allocated with it bind to either.
  const vk::raii::DescriptorSetLayout& setLayout() const { return setLayout_; }

 private:
  const gpu::Context& ctx_;
  int numChannels_;
  bool wide_;
  vk::raii::DescriptorSetLayout setLayout_;
  std::mutex mutex_;
  std::array<std::unique_ptr<gpu::ComputePipeline>, 2> pipelines_;  // static, moving
};

class GpuMixer {
 public:
  // `pipelines` (of numChannels) may be shared with other mixers; null: the mixer makes its own.
  GpuMixer(const gpu::Context& ctx, int numChannels,
           std::shared_ptr<MixPipelines> pipelines = nullptr);
  ~GpuMixer();

  static constexpr int kInFlight = 3;

  // Mixes `block` into `out` (channel-major, numChannels x block.stride). Blocks until done.
  void mix(const MixBlock& block, std::span<float> out) {
    submit(block);
    finish(out);
  }
  // Memory for the sample rows of the next submit() (numVoices x stride floats), in the device's
  // upload buffer: a block reset onto it (MixBlock::reset's `rows`) is mixed where it was
  // written, without a copy. Valid until that submit().
  std::span<float> uploadRows(std::size_t numVoices, std::int64_t stride);
  // Records the writes of a block's deviceRows into the buffer of rows the mix reads (block voice
  // v's row from float rowOf[v] * block.stride), into the mix's command buffer before its
  // dispatches, which submit() orders after them.
  using RowWriter =
      std::function<void(const vk::raii::CommandBuffer& commands, const gpu::Buffer& rows,
                         std::span<const std::size_t> rowOf)>;
  // Uploads `block` and starts mixing it; at most kInFlight mixes may be unfinished. Rows not
  // enveloped yet get their envelope here (in place, for rows in uploadRows' memory). With
  // `into`, the mix is recorded into that command buffer (a chunk's, shared by its mixes, which
  // its owner submits) instead of one of the mixer's own. A block with deviceRows needs
  // `writeRows`; the host leaves those rows alone.
  void submit(const MixBlock& block, const vk::raii::CommandBuffer* into = nullptr,
              const RowWriter& writeRows = {});
  // Waits for the oldest unfinished mix and copies it into `out` (numChannels x its stride). A
  // mix recorded `into` a shared command buffer is not waited for: its owner waits first.
  void finish(std::span<float> out);
  // The output of the last submit() (numChannels rows of its block's stride), for commands
  // recorded after it into the same command buffer (copies: the buffer is eTransferSrc).
  const gpu::Buffer& lastOutput() const;
  std::int64_t lastStride() const;

 private:
  struct Slot {
    // Capacity the buffers and descriptor sets below were made for: VoiceParams (whole chunks),
    // sample-row floats, output frames per channel, grid floats.
    std::size_t paramCapacity = 0;
    std::size_t rowCapacity = 0;
    std::int64_t strideCapacity = 0;
    std::size_t gridCapacity = 0;
    // Pool before its sets; buffers before the sets that point at them are rewritten. Sets are
    // plain handles freed by resetting the pool when capacity grows.
    vk::raii::DescriptorPool pool{nullptr};
    std::vector<vk::DescriptorSet> sets;  // one per chunk of kVoicesPerDispatch voices
    // What the host writes for each mix; on a GPU with memory of its own, copied there in the
    // mix's command buffer (gpu::StagedBuffer).
    std::unique_ptr<gpu::StagedBuffer> voices;
    std::unique_ptr<gpu::StagedBuffer> samples;
    std::unique_ptr<gpu::StagedBuffer> grid;
    std::unique_ptr<gpu::Buffer> out;
    // mix_wide.comp's split lists (paramCapacity + splits + 1)
    std::unique_ptr<gpu::StagedBuffer> order;
    vk::raii::BufferView samplesView{nullptr};  // RGBA32F texel views the shader reads through
    vk::raii::BufferView gridView{nullptr};
    std::unique_ptr<gpu::Submitter> submitter;  // last: waits for its work before buffers go
    std::int64_t stride = 0;                    // of the mix in flight
    bool shared = false;                        // recorded into a command buffer not ours
  };
  // Grows what is too small for `params` VoiceParams slots, `rowFloats` of samples, `stride`
  // output frames and `gridFloats` (0: whatever is there); buffers big enough are kept with
  // their contents.
  void ensureCapacity(Slot& slot, std::size_t params, std::size_t rowFloats, std::int64_t stride,
                      std::size_t gridFloats);
  // Writes mix_wide.comp's split lists for the block's first `plain` (static) voices.
  void writeSplits(Slot& slot, const MixBlock& block, std::size_t plain) const;

  const gpu::Context& ctx_;
  int numChannels_;
  std::shared_ptr<MixPipelines> pipelines_;
  std::vector<std::size_t> order_;  // parameter and row order: static voices, then moving ones
  std::vector<float> reorder_;      // rows in the upload buffer out of that order, copied
  std::vector<std::size_t> rowOf_;  // per block voice: its row (order_'s inverse)
  std::vector<char> onDevice_;      // per block voice: a device row
  std::array<Slot, kInFlight> slots_;
  int next_ = 0;      // the slot submit() fills
  int inFlight_ = 0;  // unfinished mixes, the oldest at (next_ - inFlight_) mod kInFlight
};

}  // namespace vkmix::dsp
