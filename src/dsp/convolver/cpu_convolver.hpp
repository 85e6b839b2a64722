// The CPU backend's convolver: uniform partitioned overlap-save in single precision on FFTW, in
// blocks of its own size B (a power of two dividing the engine's partition, chosen per bus by
// cpuBlockFrames), on the absolute timeline, with no added latency. A call brings whole engine
// partitions, so every block of the call's input is known before any of its output is due: the
// blocks' forward transforms, the frequency-domain sums (jobs over bin ranges) and the inverse
// transforms are independent jobs spread over threads. The sums' part from blocks before the call
// needs none of its input, so the threads make it between calls. Each bin sums from the oldest
// block to the newest in one fixed order, so the bytes do not depend on the thread count, the
// batch or the call size. IR spectra are computed once in double precision (irPartitionSpectra)
// and shared by every convolver of a bus.
#pragma once

#include <complex>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dsp/convolver/cpu_fft.hpp"
#include "dsp/convolver/cpu_workers.hpp"
#include "dsp/convolver/params.hpp"

namespace vkmix::dsp {

// The block the CPU convolver transforms in, for a bus: a power of two dividing
// spec.partitionFrames, chosen from the bus's shape (see cpu_convolver.cpp for the measurements).
std::int64_t cpuBlockFrames(const ConvolverSpec& spec);

// A bus's IR partition spectra for one block size: bins 0..B of each B-frame partition of each
// IR, rows rowStride() bins apart (FFTW's alignment for every row).
class CpuIrSpectra {
 public:
  // blockFrames 0: cpuBlockFrames(spec).
  explicit CpuIrSpectra(const ConvolverSpec& spec, std::int64_t blockFrames = 0);
  std::int64_t blockFrames() const { return blockFrames_; }
  std::int64_t partitions() const { return partitions_; }  // of the longest IR
  std::int64_t partitions(int ir) const { return irPartitions_[static_cast<std::size_t>(ir)]; }
  std::size_t bins() const { return static_cast<std::size_t>(blockFrames_) + 1; }
  std::size_t rowStride() const { return rowStride_; }
  const std::complex<float>* partition(int ir, std::int64_t k) const {
    return data_.get() + (static_cast<std::size_t>(ir) * static_cast<std::size_t>(partitions_) +
                          static_cast<std::size_t>(k)) *
                             rowStride_;
  }

 private:
  std::int64_t blockFrames_, partitions_;
  std::vector<std::int64_t> irPartitions_;  // partitions holding any of each IR
  std::size_t rowStride_;
  FftwArray<std::complex<float>> data_;
};

class CpuConvolver {
 public:
  // batch: engine partitions per call. threads: 0 for one per core.
  CpuConvolver(const ConvolverSpec& spec, std::shared_ptr<const CpuIrSpectra> irs, int batch = 1,
               int threads = 0);
  CpuConvolver(const CpuConvolver&) = delete;
  CpuConvolver& operator=(const CpuConvolver&) = delete;
  // inputs: numInputs x (P * batch) planar; outputs: numOutputs x (P * batch) planar, every
  // sample written. Not thread-safe (one call at a time); the call uses the convolver's threads.
  void process(std::span<const float> inputs, std::span<float> outputs);
  int batch() const { return batch_; }
  int threads() const { return workers_.threads(); }

 private:
  struct Lane {             // one thread's scratch
    FftwArray<float> time;  // 2B frames
  };
  void transformBlock(std::span<const float> inputs, std::size_t input, std::int64_t block,
                      Lane& lane);
  void accumulate(std::size_t output, std::size_t from, std::size_t to, bool before);
  void inverseBlock(std::size_t output, std::int64_t block, std::span<float> outputs, Lane& lane);
  const std::complex<float>* delayed(int input, std::int64_t absoluteBlock) const;

  std::vector<std::vector<ConvolutionTerm>> outputs_;
  std::shared_ptr<const CpuIrSpectra> irs_;
  const CpuFft& fft_;
  int batch_;
  std::int64_t b_, callFrames_, blocksPerCall_;
  // The frequency-domain delay line: per input a ring of the last `slots_` blocks' spectra (the
  // IR's partitions plus this call's other blocks), at absolute block index mod slots_.
  std::int64_t slots_;
  FftwArray<std::complex<float>> fdl_;
  FftwArray<std::complex<float>> sums_;       // [output][block of the call] the spectra to invert
  std::vector<std::vector<float>> previous_;  // [input] the last block of the previous call
  std::int64_t firstBlock_ = 0;               // absolute index of this call's first block
  std::vector<Lane> lanes_;
  CpuWorkers workers_;  // last: its threads stop before the scratch they use goes
};

}  // namespace vkmix::dsp
