// FFTW single-precision transforms for the CPU convolver: real 2B frames <-> bins 0..B, planned
// once per size in the process and shared (FFTW executes one plan on several threads at once,
// on other arrays of the same alignment: those from fftwAlloc). Plans use FFTW_ESTIMATE, which
// picks the algorithm from the size alone, so every run computes the same bytes; the planner's
// choices are kept as FFTW wisdom beside the VkFFT cache, which skips the planner's search
// (8-40 ms a size) in later runs and replays the same choices (see cpu_fft.cpp).
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace vkmix::dsp {

// The lock around FFTW's planner and wisdom, which are process-wide and not thread-safe (executing
// a plan is): every FFTW user in vkmix plans under it (the convolver here, the CPU denoiser).
std::recursive_mutex& fftwPlannerMutex();

// Memory from fftwf_malloc: the alignment FFTW's SIMD codelets want, the same for every array.
struct FftwFree {
  void operator()(void* p) const;
};
template <typename T>
using FftwArray = std::unique_ptr<T[], FftwFree>;
FftwArray<float> fftwAllocReal(std::size_t count);                   // zeroed
FftwArray<std::complex<float>> fftwAllocComplex(std::size_t count);  // zeroed

class CpuFft {
 public:
  // The transforms of 2 * blockFrames real frames, made on first use (thread-safe).
  static const CpuFft& forBlock(std::int64_t blockFrames);
  ~CpuFft();
  CpuFft(const CpuFft&) = delete;
  CpuFft& operator=(const CpuFft&) = delete;
  // time: 2B frames -> spectrum: B + 1 bins, unnormalised. In place (time is the spectrum's
  // first 2B floats) where inPlace(), else out of place, time kept.
  void forward(float* time, std::complex<float>* spectrum) const;
  bool inPlace() const { return inPlace_; }
  // spectrum: B + 1 bins -> time: 2B frames, unnormalised (2B times the forward's input);
  // spectrum is overwritten.
  void inverse(std::complex<float>* spectrum, float* time) const;
  // FFTW's description of the two plans (fftwf_sprint_plan): equal texts, equal arithmetic.
  std::string describe() const;

  // Plans of its own, from the wisdom the process holds (forBlock's are shared).
  explicit CpuFft(std::int64_t blockFrames);

 private:
  void* forward_ = nullptr;  // fftwf_plan, kept out of this header
  void* inverse_ = nullptr;
  bool inPlace_;
};

// Where the wisdom file lives: $VKMIX_CACHE_DIR (empty: nowhere), else $XDG_CACHE_HOME/vkmix
// or ~/.cache/vkmix, the VkFFT cache's folder.
std::optional<std::filesystem::path> fftwWisdomFile();
// The process's FFTW wisdom: what a file holds added to it (false if the file is missing, not
// vkmix's, for another FFTW or CPU, or damaged), and all of it dropped (the planner searches
// again). For tests: forBlock() reads the file itself, once per process.
bool fftwImportWisdom(const std::filesystem::path& file);
void fftwForgetWisdom();

}  // namespace vkmix::dsp
