// The CPU backend's convolver: the reference's uniform partitioned overlap-save (same partitions
// on the absolute timeline, same process() shape) in single precision on FFTW. IR spectra are
// computed once in double (irPartitionSpectra) and shared by every convolver of a bus. Plans are
// made with FFTW_ESTIMATE on buffers of one alignment, so the same input gives the same bytes in
// every run (FFTW_MEASURE's choice of algorithm would vary from run to run).
#pragma once

#include <complex>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dsp/convolver/params.hpp"

namespace vkmix::dsp {

// A bus's IR partition spectra, bins 0..P of each, as FFTW's complex floats.
class CpuIrSpectra {
 public:
  explicit CpuIrSpectra(const ConvolverSpec& spec);
  std::int64_t partitions() const { return partitions_; }
  std::size_t bins() const { return bins_; }
  const std::complex<float>* partition(int ir, std::int64_t k) const {
    return data_.data() + (static_cast<std::size_t>(ir) * static_cast<std::size_t>(partitions_) +
                           static_cast<std::size_t>(k)) *
                              bins_;
  }

 private:
  std::int64_t partitions_;
  std::size_t bins_;
  std::vector<std::complex<float>> data_;
};

class CpuConvolver {
 public:
  CpuConvolver(const ConvolverSpec& spec, std::shared_ptr<const CpuIrSpectra> irs);
  ~CpuConvolver();
  CpuConvolver(const CpuConvolver&) = delete;
  CpuConvolver& operator=(const CpuConvolver&) = delete;
  // inputs: numInputs x P planar; outputs: numOutputs x P planar (overwritten).
  void process(std::span<const float> inputs, std::span<float> outputs);
  int batch() const { return 1; }

 private:
  struct Fft;  // FFTW's plans and their buffers
  std::vector<std::vector<ConvolutionTerm>> outputs_;
  std::int64_t p_;
  std::shared_ptr<const CpuIrSpectra> irs_;
  std::vector<std::vector<std::complex<float>>> fdl_;  // [input][slot * bins]
  std::vector<std::vector<float>> previous_;           // [input] its last partition
  std::vector<std::complex<float>> acc_;
  std::int64_t head_ = 0;
  std::unique_ptr<Fft> fft_;
};

}  // namespace vkmix::dsp
