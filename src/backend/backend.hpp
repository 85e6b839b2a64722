// The seam between the engine and what executes a render's stages (STYLE §4b): the engine plans
// the render and drives it a chunk at a time; a Backend mixes voices into the dry groups and the
// reverb sends, convolves the sends and denoises tracks. Two implementations: vulkan (compute
// shaders and VkFFT, src/backend/vulkan_backend.cpp) and reference (the double-precision CPU
// specification, src/backend/reference_backend.cpp), and cpu (float, FFTW: a machine without a
// GPU, src/backend/cpu_backend.cpp). One factory, DeviceStart, picks one from
// --device; the engine includes this header and never gpu/.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dsp/convolver/params.hpp"
#include "dsp/denoise/params.hpp"
#include "dsp/voices/params.hpp"
#include "vkmix/error.hpp"
#include "vkmix/render.hpp"

namespace vkmix::backend {

// Where a mixer's next chunk writes its sample rows (voices x stride floats), when the backend
// has memory the device reads (fillBlock writes straight into it); empty: the block's own rows.
using RowMemory = std::function<std::span<float>(std::size_t voices, std::int64_t stride)>;

// What a render's backend is made for, from the plan. Made in this order (fault injection and
// the device's allocations follow it): a mixer per dry group, then per reverb instance a mixer
// for its send and a convolver of its bus, then a convolver per filter, then per denoised track a
// premixer and a denoiser (vulkan: then the rings their signals go to, dsp::GpuDenoisedRows).
struct BackendSetup {
  std::vector<int> groupChannels;                 // the dry groups: stems or prints
  std::vector<const dsp::ConvolverSpec*> buses;   // per reverb bus
  std::vector<int> instanceBus;                   // per reverb instance: its bus
  std::vector<const dsp::DenoiseSpec*> denoised;  // per denoised track
  std::int64_t chunkFrames = 0;  // the render's chunk: the most frames one chunk's mixes take
  int threads = 0;               // CPU backends: worker threads beside the caller's (RenderOptions)
  // Convolutions of rendered blocks the engine hands over from the host, after the reverbs (the
  // binaural render's filters: engine/binaural_render.cpp): convolve() instances
  // instanceBus.size() + k, k < filters.size(), made after the reverbs' convolvers (cpu and
  // vulkan share a spec's IR spectra among its filters).
  std::vector<const dsp::ConvolverSpec*> filters;
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Mixers 0..groups-1 are the dry groups, then one per reverb instance. submitMix starts a
  // chunk's mix; finishMix collects the oldest one that mixer started (at most inFlight() are
  // started and not collected); every sample of `out` is written.
  virtual void submitMix(std::size_t mixer, const dsp::MixBlock& block) = 0;
  // After a chunk's last submitMix, for every chunk (mixes or none): the chunk's numFrames, and
  // whether it is the render's last. The chunk's work may start (a GPU submits it together).
  virtual void endChunk(std::int64_t numFrames, bool last) {
    (void)numFrames;
    (void)last;
  }
  virtual void finishMix(std::size_t mixer, std::span<float> out) = 0;
  virtual RowMemory rowMemory(std::size_t mixer) = 0;
  static constexpr int kInFlight = 3;  // mixes a mixer keeps started; the output does not depend
  // Reverb instance k: partitions per convolve() call, and one call (inputs: numInputs x span
  // planar, outputs: numOutputs x span, span = partitionFrames x batch). The calls take the
  // instance's send mixes in order, span after span from the render's first chunk, the last one
  // zero-padded. A backend may convolve them as it mixes them (vulkan: in device memory, in the
  // work of the chunk that completes a span, or the last chunk; endChunk's frames place them):
  // it then hands back those outputs, and `inputs`, the same sends read back, is the engine's to
  // check. Instances past the reverbs' are BackendSetup::filters: no mixer feeds them, the
  // engine's `in` is their input, and the call returns their outputs.
  virtual std::int64_t convolverBatch(std::size_t instance) const = 0;
  virtual void convolve(std::size_t instance, std::span<const float> in, std::span<float> out) = 0;
  // convolve(), its outputs left where the backend holds them when it can (vulkan: the span's
  // readback buffer): output o's frame i is data[o * span + i] * scale, in float, the value
  // convolve() writes, until the next call into the backend. Otherwise they go into `out`.
  struct Convolved {
    const float* data = nullptr;
    float scale = 1.0f;
  };
  virtual Convolved convolveView(std::size_t instance, std::span<const float> in,
                                 std::span<float> out) {
    convolve(instance, in, out);
    return {out.data(), 1.0f};
  }
  // Whether the filters' spans go into the chunks' work (vulkan: each span recorded into the
  // next chunk's command buffer, its outputs read after that chunk's fence): the engine then
  // calls queueFilter and takeFilter for them, not convolve. queueFilter copies the span's
  // inputs (convolve()'s `in`), spans of an instance convolved in the order queued; filterDone
  // says, without waiting, whether the oldest span queued is convolved; takeFilter writes its
  // outputs (convolve()'s `out`), waiting for its work, and submits it first when no chunk has
  // taken it (the render's end: the spans left go in one submission).
  virtual bool filtersInChunk() const { return false; }
  virtual void queueFilter(std::size_t instance, std::span<const float> in) {
    (void)instance, (void)in;
    throw InternalError("this backend convolves filters when asked");
  }
  virtual bool filterDone(std::size_t instance) const {
    (void)instance;
    return true;
  }
  virtual void takeFilter(std::size_t instance, std::span<float> out) {
    (void)instance, (void)out;
    throw InternalError("this backend convolves filters when asked");
  }
  // Denoised track k: its clips premixed into its channels, and one chunk of denoising.
  virtual void premix(std::size_t track, const dsp::MixBlock& block, std::span<float> out) = 0;
  virtual void denoise(std::size_t track, std::span<const float> in, std::span<float> out) = 0;
  // Whether denoised tracks are denoised in the work of the chunk that plays them (vulkan: its
  // one submission), their signal staying on the device: the engine then calls denoiseInChunk,
  // not premix and denoise, and the chunk's mixes name the signal's rows (MixBlock::deviceRows,
  // source: the track) instead of reading it.
  virtual bool denoisesInChunk() const { return false; }
  // Into the chunk being recorded: the premix of `block` (whole denoise chunks on the track's
  // grid, in order; null: silence) and the denoising of its `chunks` chunks, their output kept on
  // the device for this chunk's mixes and the next ones'. `check` gets the premix (channels x
  // block->stride) once the chunk's work has finished, before any of its mixes is handed back
  // (the engine's check of the denoiser's input; it may throw).
  using PremixCheck = std::function<void(std::span<const float>)>;
  virtual void denoiseInChunk(std::size_t track, const dsp::MixBlock* block, int chunks,
                              PremixCheck check) {
    (void)track, (void)block, (void)chunks, (void)check;
    throw InternalError("this backend denoises tracks on the host");
  }
  // Whether premix and denoise of different tracks may run at once on different threads (each
  // track's state its own): the engine then denoises tracks ahead on its workers.
  virtual bool concurrentTracks() const { return false; }
  // Whether the chunk's mixing, convolving and denoising run on the device's own threads, the
  // engine's thread only recording and collecting them (vulkan; on lavapipe the driver's threads
  // take every core): the engine then decodes clips on a worker of its own, not in the loop.
  virtual bool mixesOnDevice() const { return false; }

  // The device as the report names it ("llvmpipe (LLVM 15.0.6, 256 bits) [cpu]",
  // "cpu-reference"), Vulkan validation errors so far, and the backend's report figures.
  virtual const std::string& deviceName() const = 0;
  virtual int validationErrors() const = 0;
  virtual void fill(BackendFigures& figures) const = 0;
};

// The backend --device names: "" a discrete GPU, else an integrated one, else the native CPU
// backend (a CPU's Vulkan, lavapipe, only when named: --device llvmpipe); an index or a name
// substring: that Vulkan device; "cpu" the native CPU backend; "reference" (or "cpu-reference", its
// name before the CPU backend) the double-precision CPU reference. A Vulkan device comes up on a
// thread of its own from the constructor on (instance, driver, the output width's mix pipelines: on
// lavapipe an LLVM compile; outputChannels 0: no mixing), while the caller plans; make() waits for
// it, and its errors surface there.
class DeviceStart {
 public:
  DeviceStart(const std::string& device, bool validation, int outputChannels);
  ~DeviceStart();
  DeviceStart(const DeviceStart&) = delete;
  DeviceStart& operator=(const DeviceStart&) = delete;
  std::unique_ptr<Backend> make(const BackendSetup& setup);

  struct Pending;  // the device on its way (vulkan_backend.cpp)

 private:
  std::unique_ptr<Pending> pending_;
};

}  // namespace vkmix::backend
