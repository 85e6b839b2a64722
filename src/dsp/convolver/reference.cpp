#include "dsp/convolver/reference.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <thread>

#include "core/assert.hpp"
#include "core/simd.hpp"
#include "core/thread_cpu.hpp"

namespace vkmix::dsp {

std::int64_t ConvolverSpec::maxIrFrames() const {
  std::int64_t n = 0;
  for (const auto& h : irs) n = std::max<std::int64_t>(n, static_cast<std::int64_t>(h.size()));
  return n;
}

// The oracle is plain arithmetic within bounds it sets itself, and what the tests hold to it are
// the convolvers: a sanitized build leaves its loop uninstrumented, and it goes through raw
// pointers (a debug build calls vector::operator[] out of line). Instrumented, the tests' 2 s and
// 5.5 s IRs (8.8e9 multiply-adds) spent over a minute of the sanitizer suite's CPU here.
__attribute__((no_sanitize("address", "undefined"))) std::vector<double> directConvolve(
    const std::vector<float>& x, const std::vector<float>& h) {
  if (x.empty() || h.empty()) return {};
  std::vector<double> y(x.size() + h.size() - 1, 0.0);
  const float* hp = h.data();
  const std::size_t taps = h.size();
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double xi = x.data()[i];
    if (xi == 0.0) continue;
    double* out = y.data() + i;
    for (std::size_t k = 0; k < taps; ++k) out[k] += xi * hp[k];
  }
  return y;
}

namespace {

// One group of a radix-2 stage: a[k], b[k] <- a[k] + w[k] b[k], a[k] - w[k] b[k], k < half, with
// w = cos + i sign sin. The same operations as the short stages' loop, on every lane.
VKMIX_SIMD_CLONES void butterflies(double* __restrict ar, double* __restrict ai,
                                   double* __restrict br, double* __restrict bi,
                                   const double* __restrict wr, const double* __restrict ws,
                                   double sign, std::size_t half) {
  for (std::size_t k = 0; k < half; ++k) {
    const double cr = wr[k], ci = sign * ws[k];
    const double tr = br[k] * cr - bi[k] * ci, ti = br[k] * ci + bi[k] * cr;
    br[k] = ar[k] - tr;
    bi[k] = ai[k] - ti;
    ar[k] += tr;
    ai[k] += ti;
  }
}

}  // namespace

DoubleFft::DoubleFft(std::size_t n)
    : n_(n), reversed_(n), cos_(n > 1 ? n - 1 : 0), sin_(cos_.size()) {
  VKMIX_ASSERT(n > 0 && (n & (n - 1)) == 0 && n <= (std::size_t{1} << 31),
               "FFT size must be a power of two");
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    reversed_[i] = static_cast<std::uint32_t>(j);
  }
  // Each angle as 2 pi (k n / len) / n, exactly as one table of n / 2 would give it to every
  // stage: the stages' twiddles, and so the transform's bits, do not depend on the layout.
  std::vector<double> c(n / 2), sn(n / 2);
  for (std::size_t k = 0; k < n / 2; ++k) {
    const double angle =
        2.0 * 3.14159265358979323846 * static_cast<double>(k) / static_cast<double>(n);
    c[k] = std::cos(angle);
    sn[k] = std::sin(angle);
  }
  for (std::size_t half = 1; half < n; half <<= 1) {
    const std::size_t step = n / (2 * half);
    for (std::size_t k = 0; k < half; ++k) {
      cos_[half - 1 + k] = c[k * step];
      sin_[half - 1 + k] = sn[k * step];
    }
  }
}

void DoubleFft::transform(std::vector<double>& re, std::vector<double>& im, bool inverse) const {
  const std::size_t n = n_;
  VKMIX_ASSERT(re.size() == n && im.size() == n, "FFT input size differs from the plan's");
  for (std::size_t i = 1; i < n; ++i) {
    const std::size_t j = reversed_[i];
    if (i < j) {
      std::swap(re[i], re[j]);
      std::swap(im[i], im[j]);
    }
  }
  transformReversed(re, im, inverse);
}

void DoubleFft::transformReversed(std::vector<double>& re, std::vector<double>& im,
                                  bool inverse) const {
  const std::size_t n = n_;
  VKMIX_ASSERT(re.size() == n && im.size() == n, "FFT input size differs from the plan's");
  // Twiddles exp(-+2 pi i k / len) for butterflies half = len / 2 apart. Short stages run here;
  // from 8 butterflies per group on, the widest vector clone of butterflies() does each group.
  const double sign = inverse ? 1.0 : -1.0;
  for (std::size_t half = 1; half < n; half <<= 1) {
    const double* wr = cos_.data() + half - 1;
    const double* ws = sin_.data() + half - 1;
    for (std::size_t i = 0; i < n; i += 2 * half) {
      double* ar = re.data() + i;
      double* ai = im.data() + i;
      if (half >= 8) {
        butterflies(ar, ai, ar + half, ai + half, wr, ws, sign, half);
        continue;
      }
      for (std::size_t k = 0; k < half; ++k) {
        const double cr = wr[k], ci = sign * ws[k];
        const double tr = ar[half + k] * cr - ai[half + k] * ci;
        const double ti = ar[half + k] * ci + ai[half + k] * cr;
        ar[half + k] = ar[k] - tr;
        ai[half + k] = ai[k] - ti;
        ar[k] += tr;
        ai[k] += ti;
      }
    }
  }
}

void fftInPlace(std::vector<double>& re, std::vector<double>& im, bool inverse) {
  // The CPU references transform a few sizes over and over (a denoiser frame, a convolver
  // partition): each thread keeps the plans it has made.
  thread_local std::map<std::size_t, DoubleFft> plans;
  auto it = plans.find(re.size());
  if (it == plans.end()) it = plans.emplace(re.size(), DoubleFft(re.size())).first;
  it->second.transform(re, im, inverse);
}

void irPartitionSpectra(const std::vector<std::vector<float>>& irs, std::int64_t partitionFrames,
                        std::int64_t partitions, std::size_t rowStride, int threads, float* out) {
  const auto p = static_cast<std::size_t>(partitionFrames);
  const std::size_t n = 2 * p, bins = p + 1;
  VKMIX_ASSERT(rowStride >= bins, "an IR spectrum row holds bins 0..P");
  const auto parts = static_cast<std::size_t>(partitions);
  const DoubleFft fft(n);
  // Job j transforms partitions 2j and 2j + 1 of the flattened (ir, partition) list.
  const std::size_t total = irs.size() * parts, jobs = (total + 1) / 2;
  auto run = [&](std::size_t first, std::size_t last) {
    std::vector<double> re(n), im(n);
    for (std::size_t j = first; j < last; ++j) {
      std::fill(re.begin(), re.end(), 0.0);
      std::fill(im.begin(), im.end(), 0.0);
      for (std::size_t half = 0; half < 2; ++half) {
        const std::size_t item = 2 * j + half;
        if (item >= total) break;
        const std::vector<float>& h = irs[item / parts];
        const std::size_t from = (item % parts) * p;
        std::vector<double>& dst = half == 0 ? re : im;
        // Straight to bit-reversed places: the zero padding needs no permuting.
        for (std::size_t i = 0; i < p && from + i < h.size(); ++i)
          dst[fft.reversed(i)] = h[from + i];
      }
      fft.transformReversed(re, im, false);
      // Z = A + iB with A, B the spectra of real signals: A[k] = (Z[k] + conj(Z[n-k])) / 2,
      // B[k] = (Z[k] - conj(Z[n-k])) / 2i.
      for (std::size_t half = 0; half < 2; ++half) {
        const std::size_t item = 2 * j + half;
        if (item >= total) break;
        float* dst = out + item * rowStride * 2;
        std::fill(dst + bins * 2, dst + rowStride * 2, 0.0f);
        for (std::size_t k = 0; k < bins; ++k) {
          const std::size_t m = k == 0 ? 0 : n - k;  // bin -k
          const double zr = re[k], zi = im[k], wr = re[m], wi = im[m];
          const double a = half == 0 ? 0.5 * (zr + wr) : 0.5 * (zi + wi);
          const double b = half == 0 ? 0.5 * (zi - wi) : 0.5 * (wr - zr);
          dst[2 * k] = static_cast<float>(a);
          dst[2 * k + 1] = static_cast<float>(b);
        }
      }
    }
  };
  const std::size_t workers =
      std::min(static_cast<std::size_t>(std::max(threads, 1)), std::max<std::size_t>(jobs, 1));
  std::vector<std::thread> pool;
  for (std::size_t w = 1; w < workers; ++w) {
    pool.emplace_back([&run, first = jobs * w / workers, last = jobs * (w + 1) / workers] {
      nameThisThread("vkmix-ir");
      run(first, last);
      accountThreadCpu();  // set-up work of the render: in its host CPU
    });
  }
  run(0, jobs / workers);
  for (std::thread& t : pool) t.join();
}

ReferenceConvolver::ReferenceConvolver(const ConvolverSpec& spec)
    : spec_(spec),
      p_(spec.partitionFrames),
      partitions_(std::max<std::int64_t>(
          1, (spec.maxIrFrames() + spec.partitionFrames - 1) / spec.partitionFrames)) {
  const auto n = static_cast<std::size_t>(2 * p_);
  const DoubleFft fft(n);
  for (const auto& h : spec_.irs) {
    std::vector<Spectrum> parts;
    for (std::int64_t k = 0; k < partitions_; ++k) {
      Spectrum s{std::vector<double>(n, 0.0), std::vector<double>(n, 0.0)};
      for (std::int64_t i = 0; i < p_; ++i) {
        const std::size_t src = static_cast<std::size_t>(k * p_ + i);
        if (src < h.size()) s.first[static_cast<std::size_t>(i)] = h[src];  // zero-padded to 2P
      }
      fft.transform(s.first, s.second, false);
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
