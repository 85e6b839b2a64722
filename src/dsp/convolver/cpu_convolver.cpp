#include "dsp/convolver/cpu_convolver.hpp"

#include <algorithm>
#include <thread>

#include "core/assert.hpp"
#include "core/simd.hpp"

namespace vkmix::dsp {
namespace {

// A multiply-accumulate pass is done over this many bins of every term and partition before the
// next bins: the sums' pieces stay in L1 (a few blocks) or L2 while the delay line and the IR
// stream past. A job takes kJobBins of one output, so a mono bus's sums split over threads too.
constexpr std::size_t kChunkBins = 512;
constexpr std::size_t kJobBins = 4 * kChunkBins;

int hardwareThreads() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// sum += x[0] * h[0], then += x[1] * h[1], ... up to x[N - 1] * h[N - 1], over `bins`
// interleaved complex bins, the sum kept in registers from one product to the next (the same
// operations in the same order as N passes, so the same bits, with 1/N of the sum's loads and
// stores). Written as real arithmetic over the bins: a loop the compiler vectorises
// (std::complex's operator* checks for NaN and does not), once per vector width
// (VKMIX_SIMD_CLONES: the same bits from each).
template <int N>
VKMIX_SIMD_CLONES void multiplyAccumulate(float* __restrict sum,
                                          const std::complex<float>* const* xp,
                                          const std::complex<float>* const* hp, std::size_t bins) {
  const float* __restrict x[N];
  const float* __restrict h[N];
  for (int i = 0; i < N; ++i) {
    x[i] = reinterpret_cast<const float*>(xp[i]);
    h[i] = reinterpret_cast<const float*>(hp[i]);
  }
  for (std::size_t b = 0; b < 2 * bins; b += 2) {
    float re = sum[b], im = sum[b + 1];
    for (int i = 0; i < N; ++i) {
      re += x[i][b] * h[i][b] - x[i][b + 1] * h[i][b + 1];
      im += x[i][b] * h[i][b + 1] + x[i][b + 1] * h[i][b];
    }
    sum[b] = re;
    sum[b + 1] = im;
  }
}

}  // namespace

// The block that costs least per frame on the CPU: each input and each output pays a transform
// per frame, whose cost per frame grows with the block (FFTW_ESTIMATE's larger plans leave L1 and
// L2), and each term pays one complex multiply-accumulate per frame per partition of its IR,
// whose count falls as the block grows. Costs per frame on this project's 2-core AMD EPYC (48 KB
// L1 and 1 MB L2 a core, FFTW's AVX codelets), fitted to convolver_benchmark's
// BM_CpuConvolverBlocks (one thread's CPU time, mono and true stereo, 2 s and 6 s IRs): a
// transform with its copies 1.6 ns at blocks of 4096 frames to 4.6 ns at 131072, a
// multiply-accumulate 0.2 ns. The choices: mono 2 s 8192, mono 6 s and true stereo 2 s 32768,
// true stereo 6 s and 16 outputs x 6 s 65536, 16 outputs x 2 s 32768, each the best
// BM_CpuConvolverBlocks measured or within its noise (10%) of it. The block changes the output's
// last bits (not its accuracy), so it depends on the bus alone.
std::int64_t cpuBlockFrames(const ConvolverSpec& spec) {
  constexpr double kTransformNs[] = {1.6, 2.0, 2.6, 3.1, 3.7, 4.6};  // 4096 ... 131072
  constexpr double kMultiplyAccumulateNs = 0.2;
  const auto transforms =
      static_cast<double>(spec.numInputs + static_cast<int>(spec.outputs.size()));
  auto nsPerFrame = [&](std::int64_t b) {
    std::size_t size = 0;  // kTransformNs's entry: the nearest power of two at or below b
    while (size < 5 && (std::int64_t{4096} << (size + 1)) <= b) ++size;
    double partitions = 0.0;
    for (const auto& terms : spec.outputs) {
      for (const ConvolutionTerm& t : terms) {
        const auto frames =
            static_cast<std::int64_t>(spec.irs[static_cast<std::size_t>(t.ir)].size());
        partitions += static_cast<double>(std::max<std::int64_t>(1, (frames + b - 1) / b));
      }
    }
    return transforms * kTransformNs[size] + partitions * kMultiplyAccumulateNs;
  };
  // The partition (a power of two: irPartitionSpectra's transform) and its halves down to 4096
  // frames: every candidate divides it.
  std::int64_t best = spec.partitionFrames;
  double bestNs = nsPerFrame(best);
  for (std::int64_t b = best; b % 2 == 0 && b / 2 >= 4096;) {
    b /= 2;
    if (const double ns = nsPerFrame(b); ns <= bestNs) {
      best = b;
      bestNs = ns;
    }
  }
  return best;
}

CpuIrSpectra::CpuIrSpectra(const ConvolverSpec& spec, std::int64_t blockFrames)
    : blockFrames_(blockFrames > 0 ? blockFrames : cpuBlockFrames(spec)),
      partitions_(
          std::max<std::int64_t>(1, (spec.maxIrFrames() + blockFrames_ - 1) / blockFrames_)),
      // Rows 64 bytes apart: every row has the base's alignment, as FFTW's plans require.
      rowStride_((static_cast<std::size_t>(blockFrames_) + 1 + 7) / 8 * 8),
      data_(
          fftwAllocComplex(spec.irs.size() * static_cast<std::size_t>(partitions_) * rowStride_)) {
  VKMIX_ASSERT(blockFrames_ > 0 && spec.partitionFrames % blockFrames_ == 0,
               "the CPU convolver's block divides the partition");
  for (const std::vector<float>& h : spec.irs) {
    irPartitions_.push_back(std::max<std::int64_t>(
        1, (static_cast<std::int64_t>(h.size()) + blockFrames_ - 1) / blockFrames_));
  }
  irPartitionSpectra(spec.irs, blockFrames_, partitions_, rowStride_, hardwareThreads(),
                     reinterpret_cast<float*>(data_.get()));
}

CpuConvolver::CpuConvolver(const ConvolverSpec& spec, std::shared_ptr<const CpuIrSpectra> irs,
                           int batch, int threads)
    : outputs_(spec.outputs),
      irs_(std::move(irs)),
      fft_(CpuFft::forBlock(irs_->blockFrames())),
      batch_(batch),
      b_(irs_->blockFrames()),
      callFrames_(spec.partitionFrames * batch),
      blocksPerCall_(callFrames_ / b_),
      // Block a of a call reads blocks a - (partitions - 1) .. a; the call's blocks are
      // transformed before any is read, so the ring holds this call's and the partitions before.
      slots_(irs_->partitions() + blocksPerCall_ - 1),
      fdl_(fftwAllocComplex(static_cast<std::size_t>(spec.numInputs) *
                            static_cast<std::size_t>(slots_) * irs_->rowStride())),
      sums_(fftwAllocComplex(spec.outputs.size() * static_cast<std::size_t>(blocksPerCall_) *
                             irs_->rowStride())),
      previous_(static_cast<std::size_t>(spec.numInputs),
                std::vector<float>(static_cast<std::size_t>(b_), 0.0f)),
      workers_(std::clamp(
          threads > 0 ? threads : hardwareThreads(), 1,
          static_cast<int>(std::max<std::int64_t>(
              1, blocksPerCall_ *
                     std::max<std::int64_t>(spec.numInputs,
                                            static_cast<std::int64_t>(spec.outputs.size())))))) {
  VKMIX_ASSERT(batch >= 1 && spec.partitionFrames % b_ == 0, "CPU convolver batch and block");
  for (int t = 0; t < workers_.threads(); ++t)
    lanes_.push_back(Lane{fftwAllocReal(static_cast<std::size_t>(2 * b_))});
}

const std::complex<float>* CpuConvolver::delayed(int input, std::int64_t absoluteBlock) const {
  const std::size_t slot = static_cast<std::size_t>(absoluteBlock % slots_);
  return fdl_.get() + (static_cast<std::size_t>(input) * static_cast<std::size_t>(slots_) + slot) *
                          irs_->rowStride();
}

// Overlap-save: [the block before | this block] of one input, transformed into the delay line
// (written there first where the transform is in place).
void CpuConvolver::transformBlock(std::span<const float> inputs, std::size_t input,
                                  std::int64_t block, Lane& lane) {
  const auto b = static_cast<std::size_t>(b_);
  const float* in = inputs.data() + input * static_cast<std::size_t>(callFrames_);
  const float* before =
      block == 0 ? previous_[input].data() : in + static_cast<std::size_t>(block - 1) * b;
  auto* spectrum =
      const_cast<std::complex<float>*>(delayed(static_cast<int>(input), firstBlock_ + block));
  float* time = fft_.inPlace() ? reinterpret_cast<float*>(spectrum) : lane.time.get();
  std::copy_n(before, b, time);
  std::copy_n(in + static_cast<std::size_t>(block) * b, b, time + b);
  fft_.forward(time, spectrum);
}

// Bins [from, to) of every block's sum of output `output` for this call: the part from the
// delay-line blocks before the call (`before`: the sums start from zero) or the part from the
// call's own blocks. Block s takes partition k of delay-line block j = first + s - k; each bin
// sums from the oldest j to the newest, each j's terms in the spec's order: the same operations
// in the same order for any split of the timeline into calls, and any thread, so the same bits.
// A piece of bins at a time: the call's blocks read the same delay-line and IR pieces, which stay
// in cache from one block to the next, so the spectra stream from memory once a call, not once a
// block.
void CpuConvolver::accumulate(std::size_t output, std::size_t from, std::size_t to, bool before) {
  const std::int64_t first = firstBlock_, m = blocksPerCall_;
  const std::size_t stride = irs_->rowStride();
  const std::vector<ConvolutionTerm>& terms = outputs_[output];
  std::int64_t parts = 0;  // the most any term has
  for (const ConvolutionTerm& t : terms) parts = std::max(parts, irs_->partitions(t.ir));
  std::complex<float>* sums = sums_.get() + output * static_cast<std::size_t>(m) * stride;
  std::vector<const std::complex<float>*> xs, hs;  // the products of one bin range, in order
  for (std::size_t c = from; c < to; c += kChunkBins) {
    const std::size_t n = std::min(kChunkBins, to - c);
    for (std::int64_t s = 0; s < m; ++s) {
      auto* sum = reinterpret_cast<float*>(sums + static_cast<std::size_t>(s) * stride + c);
      if (before) std::fill_n(sum, 2 * n, 0.0f);
      xs.clear();
      hs.clear();
      const std::int64_t oldest = std::max<std::int64_t>(0, first + s - parts + 1);
      for (std::int64_t j = before ? oldest : first; j < (before ? first : first + s + 1); ++j) {
        for (const ConvolutionTerm& t : terms) {
          if (first + s - j >= irs_->partitions(t.ir)) continue;
          xs.push_back(delayed(t.input, j) + c);
          hs.push_back(irs_->partition(t.ir, first + s - j) + c);
        }
      }
      std::size_t i = 0;
      for (; i + 4 <= xs.size(); i += 4) multiplyAccumulate<4>(sum, &xs[i], &hs[i], n);
      switch (xs.size() - i) {
        case 3:
          multiplyAccumulate<3>(sum, &xs[i], &hs[i], n);
          break;
        case 2:
          multiplyAccumulate<2>(sum, &xs[i], &hs[i], n);
          break;
        case 1:
          multiplyAccumulate<1>(sum, &xs[i], &hs[i], n);
          break;
        default:
          break;
      }
    }
  }
}

// The inverse transform of one block's sum; its second half is the linear convolution's output.
void CpuConvolver::inverseBlock(std::size_t output, std::int64_t block, std::span<float> outputs,
                                Lane& lane) {
  const std::size_t stride = irs_->rowStride();
  std::complex<float>* sum = sums_.get() + (output * static_cast<std::size_t>(blocksPerCall_) +
                                            static_cast<std::size_t>(block)) *
                                               stride;
  fft_.inverse(sum, lane.time.get());
  const auto b = static_cast<std::size_t>(b_);
  const float scale = 1.0f / static_cast<float>(2 * b_);
  float* out = outputs.data() + output * static_cast<std::size_t>(callFrames_) +
               static_cast<std::size_t>(block) * b;
  const float* time = lane.time.get() + b;
  for (std::size_t i = 0; i < b; ++i) out[i] = time[i] * scale;
}

void CpuConvolver::process(std::span<const float> inputs, std::span<float> outputs) {
  const std::size_t numInputs = previous_.size(), numOutputs = outputs_.size();
  const auto call = static_cast<std::size_t>(callFrames_);
  const auto blocks = static_cast<std::size_t>(blocksPerCall_);
  VKMIX_ASSERT(inputs.size() >= numInputs * call && outputs.size() >= numOutputs * call,
               "convolver buffers too small");
  // The sums from the blocks before this call need none of its input: after each call the
  // workers start on the next call's while the engine goes on (mixing, reading, delivering), and
  // the call takes what is left of them, then its own blocks' transforms, their share of the
  // sums, and the inverses.
  const std::size_t bins = irs_->bins(), pieces = (bins + kJobBins - 1) / kJobBins;
  auto sums = [this, bins, pieces](bool before) {
    return [this, bins, pieces, before](std::size_t job, int) {
      const std::size_t from = job % pieces * kJobBins;
      accumulate(job / pieces, from, std::min(bins, from + kJobBins), before);
    };
  };
  if (firstBlock_ == 0) workers_.start(numOutputs * pieces, sums(true));
  workers_.finish();
  workers_.run(numInputs * blocks, [&](std::size_t job, int lane) {
    transformBlock(inputs, job / blocks, static_cast<std::int64_t>(job % blocks),
                   lanes_[static_cast<std::size_t>(lane)]);
  });
  for (std::size_t in = 0; in < numInputs; ++in) {
    const auto last =
        inputs.begin() + static_cast<std::ptrdiff_t>(in * call + call - previous_[in].size());
    std::copy_n(last, previous_[in].size(), previous_[in].begin());
  }
  workers_.run(numOutputs * pieces, sums(false));
  workers_.run(numOutputs * blocks, [&](std::size_t job, int lane) {
    inverseBlock(job % numOutputs, static_cast<std::int64_t>(job / numOutputs), outputs,
                 lanes_[static_cast<std::size_t>(lane)]);
  });
  firstBlock_ += blocksPerCall_;
  workers_.start(numOutputs * pieces, sums(true));
}

}  // namespace vkmix::dsp
