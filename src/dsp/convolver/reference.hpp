// ReferenceConvolver: the convolver's specification, in double precision on the CPU — uniform
// partitioned overlap-save with a frequency-domain delay line, as the GPU does it. process() takes
// one partition of every input and returns one partition of every output.
#pragma once

#include <span>
#include <vector>

#include "dsp/convolver/params.hpp"

namespace vkmix::dsp {

class ReferenceConvolver {
 public:
  explicit ReferenceConvolver(const ConvolverSpec& spec);
  // inputs: numInputs x P planar; outputs: numOutputs x P planar (overwritten).
  void process(std::span<const float> inputs, std::span<float> outputs);
  int batch() const { return 1; }  // partitions per process() call, as GpuConvolver::batch()

 private:
  using Spectrum = std::pair<std::vector<double>, std::vector<double>>;  // re, im (2P bins)
  ConvolverSpec spec_;
  std::int64_t p_;
  std::int64_t partitions_;
  std::vector<std::vector<Spectrum>> irSpectra_;  // [ir][partition]
  std::vector<std::vector<Spectrum>> fdl_;        // [input][slot]
  std::vector<std::vector<double>> previous_;     // [input] last partition of input
  std::int64_t head_ = 0;
};

}  // namespace vkmix::dsp
