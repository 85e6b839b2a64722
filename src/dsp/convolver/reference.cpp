#include "dsp/convolver/reference.hpp"

#include <algorithm>
#include <cmath>

#include "core/assert.hpp"

namespace vkmix::dsp {

std::int64_t ConvolverSpec::maxIrFrames() const {
  std::int64_t n = 0;
  for (const auto& h : irs) n = std::max<std::int64_t>(n, static_cast<std::int64_t>(h.size()));
  return n;
}

std::vector<double> directConvolve(const std::vector<float>& x, const std::vector<float>& h) {
  if (x.empty() || h.empty()) return {};
  std::vector<double> y(x.size() + h.size() - 1, 0.0);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double xi = x[i];
    if (xi == 0.0) continue;
    for (std::size_t k = 0; k < h.size(); ++k) y[i + k] += xi * h[k];
  }
  return y;
}

void fftInPlace(std::vector<double>& re, std::vector<double>& im, bool inverse) {
  const std::size_t n = re.size();
  VKMIX_ASSERT(n > 0 && (n & (n - 1)) == 0 && im.size() == n, "FFT size must be a power of two");
  for (std::size_t i = 1, j = 0; i < n; ++i) {  // bit reversal
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      std::swap(re[i], re[j]);
      std::swap(im[i], im[j]);
    }
  }
  // Twiddles exp(-+2 pi i k / n) once per call; stage `len` uses every (n / len)-th.
  std::vector<double> wr(n / 2), wi(n / 2);
  const double sign = inverse ? 1.0 : -1.0;
  for (std::size_t k = 0; k < n / 2; ++k) {
    const double angle =
        2.0 * 3.14159265358979323846 * static_cast<double>(k) / static_cast<double>(n);
    wr[k] = std::cos(angle);
    wi[k] = sign * std::sin(angle);
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const std::size_t step = n / len;
    for (std::size_t i = 0; i < n; i += len) {
      for (std::size_t k = 0; k < len / 2; ++k) {
        const double cr = wr[k * step], ci = wi[k * step];
        const std::size_t a = i + k, b = i + k + len / 2;
        const double tr = re[b] * cr - im[b] * ci, ti = re[b] * ci + im[b] * cr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
}

ReferenceConvolver::ReferenceConvolver(const ConvolverSpec& spec)
    : spec_(spec),
      p_(spec.partitionFrames),
      partitions_(std::max<std::int64_t>(
          1, (spec.maxIrFrames() + spec.partitionFrames - 1) / spec.partitionFrames)) {
  const auto n = static_cast<std::size_t>(2 * p_);
  for (const auto& h : spec_.irs) {
    std::vector<Spectrum> parts;
    for (std::int64_t k = 0; k < partitions_; ++k) {
      Spectrum s{std::vector<double>(n, 0.0), std::vector<double>(n, 0.0)};
      for (std::int64_t i = 0; i < p_; ++i) {
        const std::size_t src = static_cast<std::size_t>(k * p_ + i);
        if (src < h.size()) s.first[static_cast<std::size_t>(i)] = h[src];  // zero-padded to 2P
      }
      fftInPlace(s.first, s.second, false);
      parts.push_back(std::move(s));
    }
    irSpectra_.push_back(std::move(parts));
  }
  fdl_.assign(
      static_cast<std::size_t>(spec_.numInputs),
      std::vector<Spectrum>(static_cast<std::size_t>(partitions_),
                            Spectrum{std::vector<double>(n, 0.0), std::vector<double>(n, 0.0)}));
  previous_.assign(static_cast<std::size_t>(spec_.numInputs),
                   std::vector<double>(static_cast<std::size_t>(p_), 0.0));
}

void ReferenceConvolver::process(std::span<const float> inputs, std::span<float> outputs) {
  const auto n = static_cast<std::size_t>(2 * p_);
  const auto p = static_cast<std::size_t>(p_);
  // Overlap-save: transform [previous partition | this partition] of each input into the FDL.
  for (std::size_t in = 0; in < fdl_.size(); ++in) {
    Spectrum& s = fdl_[in][static_cast<std::size_t>(head_)];
    for (std::size_t i = 0; i < p; ++i) {
      s.first[i] = previous_[in][i];
      s.first[p + i] = inputs[in * p + i];
      previous_[in][i] = inputs[in * p + i];
    }
    std::fill(s.second.begin(), s.second.end(), 0.0);
    fftInPlace(s.first, s.second, false);
  }
  for (std::size_t o = 0; o < spec_.outputs.size(); ++o) {
    std::vector<double> re(n, 0.0), im(n, 0.0);
    for (const ConvolutionTerm& t : spec_.outputs[o]) {
      for (std::int64_t k = 0; k < partitions_; ++k) {
        const Spectrum& x = fdl_[static_cast<std::size_t>(t.input)]
                                [static_cast<std::size_t>((head_ - k + partitions_) % partitions_)];
        const Spectrum& h = irSpectra_[static_cast<std::size_t>(t.ir)][static_cast<std::size_t>(k)];
        for (std::size_t b = 0; b < n; ++b) {
          re[b] += x.first[b] * h.first[b] - x.second[b] * h.second[b];
          im[b] += x.first[b] * h.second[b] + x.second[b] * h.first[b];
        }
      }
    }
    fftInPlace(re, im, true);
    // The second half is the linear convolution's output for this partition.
    for (std::size_t i = 0; i < p; ++i)
      outputs[o * p + i] = static_cast<float>(re[p + i] / static_cast<double>(n));
  }
  head_ = (head_ + 1) % partitions_;
}

}  // namespace vkmix::dsp
