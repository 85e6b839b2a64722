#include "io/pcm_wave.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/simd.hpp"
#include "vkmix/error.hpp"

namespace vkmix::io {
namespace {

// Frames per read: large enough that a read costs little per frame, small enough that a poly
// file's buffer stays small (128 channels x 4 bytes x 8192 = 4 MiB).
constexpr std::int64_t kReadFrames = 8192;

// The bytes of the frames being converted. Readers fetch what they are asked for into this one
// buffer per thread, not into a read-ahead window each: hundreds of open clips would hold that
// many windows (8 MiB at 256 clips), each cold by its next use and each page of it a first-touch
// fault. Measured against 32 KiB windows at 256 clips (12 KiB reads): twice the read calls, the
// same time, 8 MB less peak memory. Reads of a quarter window or less are another matter (see
// kWindowBytes).
std::vector<std::uint8_t>& threadBytes() {
  static thread_local std::vector<std::uint8_t> bytes;
  return bytes;
}

// One sample as FFmpeg produces it: the PCM decoder widens 24-bit to the top of an int32 and
// libswresample scales integers by a power of two (exact) after converting to float.
template <int Bits, bool Float>
float sampleAt(const std::uint8_t* p) {
  if constexpr (Float && Bits == 32) {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  } else if constexpr (Float) {
    double v;
    std::memcpy(&v, p, 8);
    return static_cast<float>(v);
  } else if constexpr (Bits == 8) {
    return static_cast<float>(static_cast<int>(p[0]) - 0x80) * (1.0f / (1 << 7));
  } else if constexpr (Bits == 16) {
    const auto v = static_cast<std::int16_t>(p[0] | (p[1] << 8));
    return static_cast<float>(v) * (1.0f / (1 << 15));
  } else {
    // Little-endian 32-bit loads; a 24-bit sample takes the next byte too (the buffer has slack
    // past its end) and shifts it out, which leaves the sample at the top as FFmpeg puts it.
    std::uint32_t u = 0;
    std::memcpy(&u, p, 4);
    if constexpr (Bits == 24) u <<= 8;
    return static_cast<float>(static_cast<std::int32_t>(u)) * (1.0f / 2147483648.0f);
  }
}

// The sample times `gain`, rounded once more: what converting and then scaling give (x 1 is
// exact, so gain 1 gives the sample itself).
template <int Bits, bool Float>
inline void convert(const std::uint8_t* src, std::int64_t stride, std::int64_t n, float* dst,
                    float gain) {
  for (std::int64_t i = 0; i < n; ++i) dst[i] = sampleAt<Bits, Float>(src + i * stride) * gain;
}

#if defined(__x86_64__) && defined(__GNUC__)
// Packed 24-bit samples (a mono file: most clips), eight at a time: each 128-bit lane's shuffle
// puts a sample's three bytes at the top of a 32-bit integer, as sampleAt's shift does, then the
// same conversion and products, so the bits are sampleAt's. The compiler's own vectorisation of
// the 3-byte stride was slower than the scalar loop; this is four to five times faster than it.
__attribute__((target("avx2"))) std::int64_t convertPacked24(const std::uint8_t* src,
                                                             std::int64_t n, float* dst,
                                                             float gain) {
  const __m256i spread = _mm256_setr_epi8(-1, 0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11,  //
                                          -1, 0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11);
  const __m256 scale = _mm256_set1_ps(1.0f / 2147483648.0f);
  const __m256 g = _mm256_set1_ps(gain);
  std::int64_t i = 0;
  // Each step loads 28 bytes from 3 * i, so it stops while 3 * i + 28 is inside the n samples.
  for (; i + 10 <= n; i += 8) {
    const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 3 * i));
    const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 3 * i + 12));
    const __m256i words = _mm256_shuffle_epi8(_mm256_set_m128i(hi, lo), spread);
    const __m256 x = _mm256_mul_ps(_mm256_cvtepi32_ps(words), scale);
    _mm256_storeu_ps(dst + i, _mm256_mul_ps(x, g));
  }
  return i;
}

bool hasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

// Converts n samples `stride` bytes apart in the file's sample format, times `gain`; compiled
// per vector width, the format picked once per call.
VKMIX_SIMD_CLONES void convertSamples(const wave::Bw64Info& info, const std::uint8_t* src,
                                      std::int64_t stride, std::int64_t n, float* dst, float gain) {
  if (info.isFloat) {
    if (info.bitsPerSample == 32) return convert<32, true>(src, stride, n, dst, gain);
    return convert<64, true>(src, stride, n, dst, gain);
  }
  switch (info.bitsPerSample) {
    case 8:
      return convert<8, false>(src, stride, n, dst, gain);
    case 16:
      return convert<16, false>(src, stride, n, dst, gain);
    case 24:
#if defined(__x86_64__) && defined(__GNUC__)
      if (stride == 3 && hasAvx2()) {
        const std::int64_t done = convertPacked24(src, n, dst, gain);
        return convert<24, false>(src + 3 * done, stride, n - done, dst + done, gain);
      }
#endif
      return convert<24, false>(src, stride, n, dst, gain);
    default:
      return convert<32, false>(src, stride, n, dst, gain);
  }
}

}  // namespace

std::unique_ptr<PcmWaveReader> PcmWaveReader::open(const std::filesystem::path& path) {
  wave::Bw64Info info;
  try {
    info = wave::readBw64(path, wave::Bw64Read::AudioOnly);
  } catch (const InputError&) {
    return nullptr;
  }
  // A data chunk that declares no frames may be a stream whose writer never came back to fill in
  // the size (FFmpeg then reads to the end); a block alignment other than the samples' own is
  // not plain PCM. Both are left to FFmpeg, as is anything over its 128-channel limit.
  const int frameBytes = info.numChannels * (info.bitsPerSample / 8);
  if (info.numFrames == 0 || info.blockAlign != frameBytes || info.numChannels > 128)
    return nullptr;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  return std::unique_ptr<PcmWaveReader>(new PcmWaveReader(fd, path.string(), std::move(info)));
}

PcmWaveReader::PcmWaveReader(int fd, std::string file, wave::Bw64Info info)
    : fd_(fd), file_(std::move(file)), info_(std::move(info)) {
  frameBytes_ = static_cast<std::int64_t>(info_.blockAlign);
}

PcmWaveReader::~PcmWaveReader() { ::close(fd_); }

std::uint64_t PcmWaveReader::channelMask() const {
  return std::popcount(info_.channelMask) == info_.numChannels ? info_.channelMask : 0;
}

void PcmWaveReader::seek(std::int64_t frame) {
  position_ = std::clamp<std::int64_t>(frame, 0, static_cast<std::int64_t>(info_.numFrames));
}

std::int64_t PcmWaveReader::read(const std::vector<int>& keep, std::vector<std::vector<float>>& out,
                                 std::int64_t maxFrames) {
  const std::int64_t left = static_cast<std::int64_t>(info_.numFrames) - position_;
  const std::int64_t n = std::min({maxFrames, left, kReadFrames});
  if (n <= 0) return 0;
  rows_.resize(keep.size());
  for (std::size_t k = 0; k < keep.size(); ++k) {
    const std::size_t base = out[k].size();
    out[k].resize(base + static_cast<std::size_t>(n));
    rows_[k] = out[k].data() + base;
  }
  const std::int64_t frames = readInto(keep, rows_.data(), n);
  for (std::size_t k = 0; k < keep.size(); ++k)
    out[k].resize(out[k].size() - static_cast<std::size_t>(n - frames));
  return frames;
}

const std::uint8_t* PcmWaveReader::fetch(std::int64_t n, std::int64_t& got) {
  if (n * frameBytes_ * 4 <= kWindowBytes) {
    const std::int64_t end = windowStart_ + windowFrames_;
    if (position_ < windowStart_ || position_ + n > end) {
      // Refill from position_: as many whole frames as the window holds, up to the data's end.
      const std::int64_t frames = std::min<std::int64_t>(
          kWindowBytes / frameBytes_, static_cast<std::int64_t>(info_.numFrames) - position_);
      window_.resize(static_cast<std::size_t>(kWindowBytes) + 4);  // + slack for 32-bit loads
      windowStart_ = position_;
      windowFrames_ = readAt(position_, frames, window_.data());  // >= n: readInto clamps n
    }
    got = std::clamp<std::int64_t>(windowStart_ + windowFrames_ - position_, 0, n);
    return window_.data() + (position_ - windowStart_) * frameBytes_;
  }
  std::vector<std::uint8_t>& bytes = threadBytes();
  bytes.resize(static_cast<std::size_t>(n * frameBytes_) + 4);  // + slack for 32-bit loads
  got = readAt(position_, n, bytes.data());
  return bytes.data();
}

std::int64_t PcmWaveReader::readAt(std::int64_t frame, std::int64_t n, std::uint8_t* to) {
  const auto at =
      static_cast<off_t>(info_.dataOffset + static_cast<std::uint64_t>(frame) *
                                                static_cast<std::uint64_t>(frameBytes_));
  const auto want = static_cast<std::size_t>(n * frameBytes_);
  std::size_t have = 0;
  while (have < want) {
    const ssize_t r = ::pread(fd_, to + have, want - have, at + static_cast<off_t>(have));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw InputError(file_, "", std::string("read failed: ") + std::strerror(errno));
    // The file shrank since it was opened (cut or rewritten during the render): what it held is
    // gone, and silence in its place would be a wrong mix delivered without a word.
    if (r == 0)
      throw IoError(file_ + ": the file shrank during the render (frame " +
                    std::to_string(frame + static_cast<std::int64_t>(have) / frameBytes_) + " of " +
                    std::to_string(info_.numFrames) + " could not be read)");
    have += static_cast<std::size_t>(r);
  }
  return static_cast<std::int64_t>(have) / frameBytes_;
}

std::int64_t PcmWaveReader::readInto(const std::vector<int>& keep, float* const* dst,
                                     std::int64_t maxFrames, float gain) {
  const std::int64_t left = static_cast<std::int64_t>(info_.numFrames) - position_;
  const std::int64_t n = std::min({maxFrames, left, kReadFrames});
  if (n <= 0) return 0;
  std::int64_t frames = 0;
  const std::uint8_t* at = fetch(n, frames);
  const std::int64_t sampleBytes = info_.bitsPerSample / 8;
  for (std::size_t k = 0; k < keep.size(); ++k) {
    float* out = dst[k];
    // Float samples are checked as the file has them, then scaled.
    convertSamples(info_, at + keep[k] * sampleBytes, frameBytes_, frames, out,
                   info_.isFloat ? 1.0f : gain);
    if (!info_.isFloat) continue;
    for (std::int64_t i = 0; i < frames; ++i) {
      if (!std::isfinite(out[i])) {
        throw InputError(file_, "",
                         "contains NaN or infinite samples near " +
                             std::to_string(static_cast<double>(position_ + i) / info_.sampleRate) +
                             " s");
      }
    }
    if (gain != 1.0f)
      for (std::int64_t i = 0; i < frames; ++i) out[i] *= gain;
  }
  position_ += frames;
  if (frames < n) position_ = static_cast<std::int64_t>(info_.numFrames);  // nothing more to read
  return frames;
}

}  // namespace vkmix::io
