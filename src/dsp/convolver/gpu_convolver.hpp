// GpuConvolver: uniform partitioned overlap-save convolution on the GPU. Forward and inverse real
// FFTs by VkFFT; the frequency-domain delay line, the IR spectra and the complex multiply-
// accumulate (shaders/convolver/) stay on the GPU across partitions. Same process() shape as
// ReferenceConvolver, for batch() consecutive partitions at a time: a bus of one input and one
// output takes two per call, since VkFFT runs one row at a time 1.4x slower per row than two
// (benchmarks/convolver_benchmark.cpp, BM_FftBatch). The output does not depend on the batch.
#pragma once

#include <future>
#include <memory>
#include <span>
#include <vector>

#include "dsp/convolver/params.hpp"
#include "gpu/buffer.hpp"
#include "gpu/compute_pipeline.hpp"
#include "gpu/context.hpp"
#include "gpu/fft_plan.hpp"
#include "gpu/stage_timer.hpp"
#include "gpu/submitter.hpp"

namespace vkmix::dsp {

// The spectra of a spec's IRs on the device, [ir][partition][P + 2] complex: bins 0..P and a zero,
// so rows are whole RGBA32F texels for complex_mac.comp. Read-only once made, so every convolver
// of one bus (one per stem that sends to it) can share them: 12 channels x 10 s are 50 MB. The
// transforms (double precision, on the CPU's cores) start in the constructor and run while the
// caller goes on (making FFT plans); wait() ends them. `spec` must outlive wait().
class GpuIrSpectra {
 public:
  // GpuError when the spectra exceed the device's texel buffer range.
  GpuIrSpectra(const gpu::Context& ctx, const ConvolverSpec& spec);
  ~GpuIrSpectra();  // waits for the transforms
  GpuIrSpectra(const GpuIrSpectra&) = delete;
  GpuIrSpectra& operator=(const GpuIrSpectra&) = delete;
  // Waits for the transforms; their error, once. Not for several threads at once.
  void wait();
  std::int64_t partitionFrames() const { return p_; }
  std::int64_t partitions() const { return partitions_; }
  vk::BufferView view() const { return *view_; }

 private:
  const gpu::Context& ctx_;
  std::int64_t p_, partitions_;
  gpu::Buffer buffer_;
  // Where the context stages uploads: the transforms' host buffer, copied into buffer_ (device
  // memory) once they are done, then freed.
  std::unique_ptr<gpu::Buffer> upload_;
  vk::raii::BufferView view_{nullptr};
  std::future<void> transforms_;
};

// A convolver's inverse stage: the multiply-accumulate's output rows, [batch][output][2P + 2]
// floats, which an inverse-only VkFFT plan transforms in place and process() reads back. They
// hold nothing from one call to the next, so convolvers of one shape (partition size, batch x
// outputs) whose calls never overlap can share a stage: the engine's do, one convolution at a
// time (12 outputs of 131072-frame partitions are 12.6 MB and a plan, 35-50 ms on lavapipe).
class GpuInverseStage {
 public:
  // `scratch`: VkFFT's scratch buffer, at least GpuConvolver::fftScratchBytes(spec, batch); null:
  // the plan makes its own where it needs one.
  GpuInverseStage(const gpu::Context& ctx, const ConvolverSpec& spec, int batch,
                  std::shared_ptr<gpu::Buffer> scratch = nullptr);
  // Whether convolvers of `spec` with `batch` partitions per call can use this stage.
  bool fits(const ConvolverSpec& spec, int batch) const;

 private:
  friend class GpuConvolver;
  std::int64_t p_;
  std::size_t rows_;
  gpu::Buffer buffer_;
  std::shared_ptr<gpu::Buffer> scratch_;  // before the plan: outlives it
  std::unique_ptr<gpu::FftPlan> plan_;
};

class GpuConvolver {
 public:
  // `batch`: partitions per process() call; 0 chooses (defaultBatch). `spectra`: the IR spectra
  // of `spec` (its partition size and IRs) to share; null: the convolver makes its own.
  // `scratch`: VkFFT's scratch buffer, at least fftScratchBytes(spec, batch), which convolvers
  // whose process() calls never overlap (one thread, each call waits for its work) can share;
  // null: the convolver makes its own. `inverse`: an inverse stage to share on the same terms
  // (it must fit the spec and batch); null: the convolver makes its own.
  GpuConvolver(const gpu::Context& ctx, const ConvolverSpec& spec, int batch = 0,
               std::shared_ptr<GpuIrSpectra> spectra = nullptr,
               std::shared_ptr<gpu::Buffer> scratch = nullptr,
               std::shared_ptr<GpuInverseStage> inverse = nullptr);
  ~GpuConvolver();
  // inputs: numInputs x (batch x P) planar, the next batch() partitions of every input; outputs:
  // numOutputs x (batch x P) planar (overwritten). An input that has ended is passed as zeros.
  void process(std::span<const float> inputs, std::span<float> outputs);
  std::int64_t partitions() const { return partitions_; }
  int batch() const { return batch_; }

  // Device time per stage, summed over the process() calls since measureStages(true): for
  // profiling (convolver_benchmark); off by default. Needs timestamps (gpu::StageTimer).
  struct StageTimes {
    double forwardMs = 0.0, macMs = 0.0, inverseMs = 0.0;
    std::int64_t calls = 0;
  };
  void measureStages(bool on);
  const StageTimes& stageTimes() const { return stageTimes_; }
  static int defaultBatch(const ConvolverSpec& spec);

  // Fed on the device, by a caller that keeps the sends in device memory and records a chunk's
  // work into one command buffer (the Vulkan backend): the sends gather in a buffer of the
  // convolver's, [input][P + span()] floats (the partition before the batch, then the batch),
  // as mixes land in it; a full batch (or the last, zero-padded) is convolved by commands
  // recorded after them, its outputs copied to a buffer the host reads once that command buffer's
  // fence has signalled. The same rows, transforms and scaling as process(): the same bits.
  // Recordings go to one queue in order; each begins with the barrier that orders it after what
  // was recorded before, in this command buffer or an earlier submission.
  std::int64_t span() const { return static_cast<std::int64_t>(batch_) * p_; }
  // Copies `frames` frames of each input row of `rows` (numInputs rows `stride` floats apart,
  // from frame `from`; written by shaders) to frames at..at + frames of the batch being gathered.
  void recordSend(const vk::raii::CommandBuffer& commands, const gpu::Buffer& rows,
                  std::int64_t stride, std::int64_t from, std::int64_t frames, std::int64_t at);
  // Convolves the batch gathered (frames not sent are zeros) into `outputs` (numOutputs x span()
  // floats, made with outputBufferBytes() and eTransferDst), and starts the next batch.
  void recordBatch(const vk::raii::CommandBuffer& commands, const gpu::Buffer& outputs);
  vk::DeviceSize outputBufferBytes() const;
  // The outputs of a recorded batch, once its submission has finished, as process() gives them.
  void readBatch(const gpu::Buffer& recorded, std::span<float> outputs) const;
  // The same outputs where they lie: output o's frame i is at [o * span() + i], times
  // outputScale() (the inverse transform's normalisation, which readBatch applies).
  const float* batchOutputs(const gpu::Buffer& recorded) const;
  float outputScale() const { return 1.0f / static_cast<float>(2 * p_); }
  std::size_t numOutputs() const { return numOutputs_; }
  // The scratch buffer a convolver of `spec` with `batch` (0: defaultBatch) needs for its FFTs.
  static vk::DeviceSize fftScratchBytes(const ConvolverSpec& spec, int batch = 0);

 private:
  void makeSends();
  void recordTransforms(const vk::raii::CommandBuffer& commands, gpu::StageTimer* timer);

  const gpu::Context& ctx_;
  std::int64_t p_, partitions_;
  int batch_;
  // Delay-line slots: enough for the oldest partition the batch's first output needs and the
  // batch's own, rounded up to whole batches so that a batch's slots are one run of rows.
  std::uint32_t ring_;
  std::uint32_t numInputs_, numOutputs_;
  bool shared_;                  // complex_mac.comp makes four outputs per invocation
  std::uint32_t head_ = 0;       // the batch's first slot: a multiple of batch_
  std::vector<float> previous_;  // [input][P]: the last partition, first half of the next FFT
  gpu::ComputePipeline mac_;
  // Buffers before the FFT plans and descriptor sets that refer to them.
  // The delay line, [slot][input][P + 1] complex. The CPU writes a slot's overlap-save input (2P
  // real samples) and the forward FFT turns it into bins 0..P in place.
  gpu::Buffer fdl_;
  std::shared_ptr<GpuIrSpectra> irs_;
  std::shared_ptr<gpu::Buffer> scratch_;  // VkFFT's, for both plans (before them: outlives them)
  std::shared_ptr<GpuInverseStage> inverse_;  // spectrum in, time out, and its plan
  gpu::Buffer terms_;                         // UBO: per output, its (input, IR) terms
  vk::raii::BufferView fdlView_{nullptr};
  std::unique_ptr<gpu::FftPlan> forwardPlan_;
  vk::raii::DescriptorPool pool_{nullptr};  // sets freed with the pool
  vk::DescriptorSet macSet_;
  gpu::Submitter submitter_;
  std::unique_ptr<gpu::Buffer> sends_;  // fed on the device: [input][P + span] (made on first use)
  std::unique_ptr<gpu::StageTimer> timer_;  // set while measuring stages
  StageTimes stageTimes_;
};

// Convolvers whose process() calls never overlap (one thread, each call waiting for its work, as
// the engine runs them), made together so that they share what they can: a bus's IR spectra among
// that bus's convolvers (one per stem that sends to it), VkFFT's scratch buffer, sized for the
// largest, among all, and an inverse stage among those of one shape.
class GpuConvolverSet {
 public:
  // `buses`: each bus's spec, null for a bus nothing sends to; they outlive the make() calls.
  GpuConvolverSet(const gpu::Context& ctx, std::vector<const ConvolverSpec*> buses);
  // A convolver of bus `bus` (its default batch).
  std::unique_ptr<GpuConvolver> make(std::size_t bus);

 private:
  const gpu::Context& ctx_;
  std::vector<const ConvolverSpec*> buses_;
  std::vector<std::shared_ptr<GpuIrSpectra>> spectra_;  // per bus, made by its first convolver
  std::shared_ptr<gpu::Buffer> scratch_;
  std::vector<std::shared_ptr<GpuInverseStage>> inverses_;
};

}  // namespace vkmix::dsp
