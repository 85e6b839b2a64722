#include "dsp/convolver/cpu_convolver.hpp"

#include <fftw3.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "core/assert.hpp"

namespace vkmix::dsp {
namespace {

// FFTW's planner is not thread-safe; execution of a plan is.
std::mutex gPlannerMutex;

}  // namespace

CpuIrSpectra::CpuIrSpectra(const ConvolverSpec& spec)
    : partitions_(std::max<std::int64_t>(
          1, (spec.maxIrFrames() + spec.partitionFrames - 1) / spec.partitionFrames)),
      bins_(static_cast<std::size_t>(spec.partitionFrames + 1)) {
  std::vector<float> interleaved(spec.irs.size() * static_cast<std::size_t>(partitions_) * bins_ *
                                 2);
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  irPartitionSpectra(spec.irs, spec.partitionFrames, partitions_, bins_, threads,
                     interleaved.data());
  data_.resize(interleaved.size() / 2);
  for (std::size_t i = 0; i < data_.size(); ++i)
    data_[i] = {interleaved[2 * i], interleaved[2 * i + 1]};
}

struct CpuConvolver::Fft {
  float* time = nullptr;              // 2P real samples
  fftwf_complex* spectrum = nullptr;  // P + 1 bins
  fftwf_plan forward = nullptr, inverse = nullptr;
  explicit Fft(std::int64_t p) {
    const auto n = static_cast<int>(2 * p);
    std::lock_guard lock(gPlannerMutex);
    time = fftwf_alloc_real(static_cast<std::size_t>(n));
    spectrum = fftwf_alloc_complex(static_cast<std::size_t>(p + 1));
    VKMIX_ASSERT(time != nullptr && spectrum != nullptr, "FFTW allocation failed");
    forward = fftwf_plan_dft_r2c_1d(n, time, spectrum, FFTW_ESTIMATE);
    inverse = fftwf_plan_dft_c2r_1d(n, spectrum, time, FFTW_ESTIMATE);
    VKMIX_ASSERT(forward != nullptr && inverse != nullptr, "FFTW planning failed");
  }
  ~Fft() {
    std::lock_guard lock(gPlannerMutex);
    fftwf_destroy_plan(forward);
    fftwf_destroy_plan(inverse);
    fftwf_free(time);
    fftwf_free(spectrum);
  }
};

CpuConvolver::CpuConvolver(const ConvolverSpec& spec, std::shared_ptr<const CpuIrSpectra> irs)
    : outputs_(spec.outputs),
      p_(spec.partitionFrames),
      irs_(std::move(irs)),
      fdl_(static_cast<std::size_t>(spec.numInputs),
           std::vector<std::complex<float>>(static_cast<std::size_t>(irs_->partitions()) *
                                            irs_->bins())),
      previous_(static_cast<std::size_t>(spec.numInputs),
                std::vector<float>(static_cast<std::size_t>(spec.partitionFrames), 0.0f)),
      acc_(irs_->bins()),
      fft_(std::make_unique<Fft>(spec.partitionFrames)) {}

CpuConvolver::~CpuConvolver() = default;

void CpuConvolver::process(std::span<const float> inputs, std::span<float> outputs) {
  const auto p = static_cast<std::size_t>(p_);
  const std::size_t bins = irs_->bins();
  const std::int64_t parts = irs_->partitions();
  VKMIX_ASSERT(inputs.size() >= fdl_.size() * p && outputs.size() >= outputs_.size() * p,
               "convolver buffers too small");
  // Overlap-save: [previous partition | this one] of each input, transformed into the FDL.
  for (std::size_t in = 0; in < fdl_.size(); ++in) {
    std::copy_n(previous_[in].begin(), p, fft_->time);
    std::copy_n(inputs.begin() + static_cast<std::ptrdiff_t>(in * p), p, fft_->time + p);
    std::copy_n(inputs.begin() + static_cast<std::ptrdiff_t>(in * p), p, previous_[in].begin());
    fftwf_execute(fft_->forward);
    const auto* s = reinterpret_cast<const std::complex<float>*>(fft_->spectrum);
    std::copy_n(s, bins, fdl_[in].begin() + static_cast<std::ptrdiff_t>(head_ * bins));
  }
  const float scale = 1.0f / static_cast<float>(2 * p);
  for (std::size_t o = 0; o < outputs_.size(); ++o) {
    // The multiply-accumulate as separate real and imaginary parts: a loop over bins the
    // compiler vectorises (std::complex's operator* checks for NaN and does not).
    std::fill(acc_.begin(), acc_.end(), std::complex<float>{});
    float* __restrict a = reinterpret_cast<float*>(acc_.data());
    for (const ConvolutionTerm& t : outputs_[o]) {
      for (std::int64_t k = 0; k < parts; ++k) {
        const std::int64_t slot = (head_ - k + parts) % parts;
        const float* __restrict x =
            reinterpret_cast<const float*>(fdl_[static_cast<std::size_t>(t.input)].data() +
                                           slot * static_cast<std::int64_t>(bins));
        const float* __restrict h = reinterpret_cast<const float*>(irs_->partition(t.ir, k));
        for (std::size_t b = 0; b < 2 * bins; b += 2) {
          const float xr = x[b], xi = x[b + 1], hr = h[b], hi = h[b + 1];
          a[b] += xr * hr - xi * hi;
          a[b + 1] += xr * hi + xi * hr;
        }
      }
    }
    std::copy(acc_.begin(), acc_.end(), reinterpret_cast<std::complex<float>*>(fft_->spectrum));
    fftwf_execute(fft_->inverse);
    // The second half is the linear convolution's output for this partition.
    for (std::size_t i = 0; i < p; ++i) outputs[o * p + i] = fft_->time[p + i] * scale;
  }
  head_ = (head_ + 1) % parts;
}

}  // namespace vkmix::dsp
