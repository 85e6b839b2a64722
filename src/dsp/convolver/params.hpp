// What a convolution bus computes, shared by the CPU reference and the GPU convolver: a few input
// signals, impulse responses (IRs), and outputs that each sum input x IR terms (a true-stereo IR
// has outputs L = inL * hLL + inR * hRL, R = inL * hLR + inR * hRR). Processing goes in partitions
// of kPartitionFrames on the absolute timeline (uniform partitioned overlap-save), so block size
// never changes the result; offline, the engine aligns the wet signal with the dry one exactly.
#pragma once

#include <cstdint>
#include <vector>

namespace vkmix::dsp {

// 16384 frames: offline the engine hides the latency, and a partition four times longer than
// 4096 cuts the multiply-accumulate work per sample fourfold (measured in benchmarks/RESULTS.md).
constexpr std::int64_t kPartitionFrames = 16384;
// IRs longer than this partition use it: fewer partitions to multiply-accumulate per sample for
// a slightly longer FFT (16 channels x 6 s on lavapipe: 3.3 s -> 2.1 s).
constexpr std::int64_t kLongPartitionFrames = 65536;
// IRs longer than four long partitions (5.5 s at 48 kHz) use this one: the multiply-accumulate
// reads half the IR spectra per sample, and on lavapipe that outweighs the FFTs' extra stage
// (16 channels x 6 s: 37-40 -> 46x realtime per partition call; 16 x 10 s over 120 s of input,
// 6.7-7.3 -> 5.7-6.8 s). Below that, 131072 gained nothing.
constexpr std::int64_t kLongestPartitionFrames = 131072;
constexpr std::int64_t partitionFramesFor(std::int64_t irFrames) {
  if (irFrames > 4 * kLongPartitionFrames) return kLongestPartitionFrames;
  return irFrames > kLongPartitionFrames ? kLongPartitionFrames : kPartitionFrames;
}

struct ConvolutionTerm {
  int input = 0;  // which input signal
  int ir = 0;     // which impulse response
};

struct ConvolverSpec {
  int numInputs = 1;
  std::vector<std::vector<float>> irs;                // impulse responses, any lengths (>= 1)
  std::vector<std::vector<ConvolutionTerm>> outputs;  // per output: the terms it sums
  std::int64_t partitionFrames = kPartitionFrames;
  std::int64_t maxIrFrames() const;
};

// Direct time-domain convolution in double precision: y[n] = sum_k x[n - k] h[k], length
// x.size() + h.size() - 1. The outside oracle for the convolvers.
std::vector<double> directConvolve(const std::vector<float>& x, const std::vector<float>& h);

// Radix-2 complex FFT of one power-of-two size in double precision, its twiddles computed once;
// the inverse is unnormalised. transform() may run on several threads at once.
class DoubleFft {
 public:
  explicit DoubleFft(std::size_t n);
  void transform(std::vector<double>& re, std::vector<double>& im, bool inverse) const;
  // The same transform of an input already in bit-reversed order: x[i] at reversed(i). A caller
  // that builds its input can place it there and skip the permutation's pass over both arrays.
  void transformReversed(std::vector<double>& re, std::vector<double>& im, bool inverse) const;
  std::size_t reversed(std::size_t i) const { return reversed_[i]; }
  std::size_t size() const { return n_; }

 private:
  std::size_t n_;
  std::vector<std::uint32_t> reversed_;  // i with its log2(n) bits reversed
  // The twiddles of each stage side by side, so a stage reads its own contiguously: the stage of
  // butterflies `half` apart uses cos and sin of 2 pi k / (2 half), k < half, at [half - 1 + k].
  std::vector<double> cos_, sin_;
};

// One transform of any power-of-two size (a DoubleFft made for the call).
void fftInPlace(std::vector<double>& re, std::vector<double>& im, bool inverse);

// Bins 0..P of the spectrum of every P-frame partition of each IR (zero-padded to 2P), in double
// precision and rounded to float: out[((ir * partitions) + k) * rowStride + bin] as (re, im), bins
// past P (up to rowStride >= P + 1) zero. Two
// real partitions share one complex transform (one as its real part, one as its imaginary part,
// parted again by conjugate symmetry), and the transforms are spread over `threads` threads; the
// result does not depend on the thread count.
void irPartitionSpectra(const std::vector<std::vector<float>>& irs, std::int64_t partitionFrames,
                        std::int64_t partitions, std::size_t rowStride, int threads, float* out);

}  // namespace vkmix::dsp
