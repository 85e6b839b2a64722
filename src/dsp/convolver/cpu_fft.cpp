#include "dsp/convolver/cpu_fft.hpp"

#include <fftw3.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
#include <string>

#include "core/assert.hpp"
#include "core/files.hpp"

namespace vkmix::dsp {

std::recursive_mutex& fftwPlannerMutex() {
  static std::recursive_mutex mutex;
  return mutex;
}
namespace {

// Wisdom and bytes. FFTW_ESTIMATE's planner picks a plan from the problem alone (no timing), and
// wisdom records the plan it picked for each subproblem; planning again with that wisdom replays
// those picks: the same plan, the same bytes, without the search (about 8 ms a size on this
// project's 2-core host, 15-40 ms while it is busy; 0.5-2 ms with wisdom). FFTW_MEASURE's plans
// transform 1.2-1.7x faster here, but they are chosen by timing, so the bytes would depend on
// the run that made the wisdom (and differ run to run with no cache); and wisdom from
// FFTW_MEASURE would be used by an FFTW_ESTIMATE request as well. So only FFTW_ESTIMATE plans ever
// go into the file (this file's and the CPU denoiser's: vkmix plans nothing else), and the file is
// named after what the estimate depends on: FFTW's version and the SIMD codelets this CPU can run
// (wisdom made where AVX-512 is missing would otherwise steer a CPU that has it away from its own
// estimate).
constexpr char kMagic[] = "vkmix FFTW_ESTIMATE wisdom 1\n";

// Recursive: forBlock() holds it across the wisdom's import, the planning and the export.
std::recursive_mutex& gPlannerMutex = fftwPlannerMutex();

std::uint64_t fnv1a(const std::string& s) { return vkmix::fnv1a(s.data(), s.size()); }

std::string wisdomKey() {
  std::ostringstream key;
  key << fftwf_version;
#if defined(__x86_64__) && defined(__GNUC__)
  key << " sse2 " << __builtin_cpu_supports("sse2") << " avx " << __builtin_cpu_supports("avx")
      << " avx2 " << __builtin_cpu_supports("avx2") << " fma " << __builtin_cpu_supports("fma")
      << " avx512f " << __builtin_cpu_supports("avx512f");
#endif
  return key.str();
}

bool importWisdom(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // magic, key line, checksum line, wisdom: anything else is ignored (and rewritten).
  const std::string head = kMagic + wisdomKey() + "\n";
  if (bytes.compare(0, head.size(), head) != 0) return false;
  const std::size_t eol = bytes.find('\n', head.size());
  if (eol == std::string::npos) return false;
  const std::string wisdom = bytes.substr(eol + 1);
  if (bytes.substr(head.size(), eol - head.size()) != std::to_string(fnv1a(wisdom))) return false;
  return fftwf_import_wisdom_from_string(wisdom.c_str()) != 0;
}

void exportWisdom(const std::filesystem::path& file, const std::string& wisdom) {
  std::ostringstream bytes;
  bytes << kMagic << wisdomKey() << "\n" << fnv1a(wisdom) << "\n" << wisdom;
  writeCacheFile(file, bytes.str());
}

std::string currentWisdom() {
  char* w = fftwf_export_wisdom_to_string();
  VKMIX_ASSERT(w != nullptr, "FFTW could not export its wisdom");
  std::string s(w);
  std::free(w);
  return s;
}

}  // namespace

void FftwFree::operator()(void* p) const { fftwf_free(p); }

FftwArray<float> fftwAllocReal(std::size_t count) {
  FftwArray<float> a(fftwf_alloc_real(count));
  VKMIX_ASSERT(a != nullptr, "FFTW allocation failed");
  std::memset(a.get(), 0, count * sizeof(float));
  return a;
}

FftwArray<std::complex<float>> fftwAllocComplex(std::size_t count) {
  FftwArray<std::complex<float>> a(
      reinterpret_cast<std::complex<float>*>(fftwf_alloc_complex(count)));
  VKMIX_ASSERT(a != nullptr, "FFTW allocation failed");
  std::memset(static_cast<void*>(a.get()), 0, count * sizeof(std::complex<float>));
  return a;
}

std::optional<std::filesystem::path> fftwWisdomFile() {
  const std::optional<std::filesystem::path> dir = cacheDir();
  if (!dir) return std::nullopt;
  std::ostringstream name;
  name << "fftwf-estimate-" << std::hex << fnv1a(wisdomKey()) << ".wisdom";
  return *dir / name.str();
}

bool fftwImportWisdom(const std::filesystem::path& file) {
  std::lock_guard lock(gPlannerMutex);
  return importWisdom(file);
}

void fftwForgetWisdom() {
  std::lock_guard lock(gPlannerMutex);
  fftwf_forget_wisdom();
}

// FFTW_ESTIMATE's out-of-place real forward transforms of 32768 points and more cost 1.3-1.4x its
// in-place ones per frame on this project's CPUs (3.35 against 2.61 ns a frame at 32768, 4.6
// against 3.4 at 131072), and below that the other way round (1.7 against 2.6 at 8192); the
// inverse is best out of place at every size. FFTW alone, thread CPU time.
constexpr std::int64_t kInPlaceFromBlockFrames = 16384;

CpuFft::CpuFft(std::int64_t blockFrames) : inPlace_(blockFrames >= kInPlaceFromBlockFrames) {
  VKMIX_ASSERT(blockFrames > 0 && blockFrames <= (std::int64_t{1} << 28), "transform size");
  std::lock_guard lock(gPlannerMutex);
  const auto n = static_cast<std::size_t>(2 * blockFrames);
  // Planned on arrays of fftwf_malloc's alignment, so any such arrays may be used at execution.
  FftwArray<float> time = fftwAllocReal(n);
  FftwArray<std::complex<float>> spectrum = fftwAllocComplex(n / 2 + 1);
  auto* s = reinterpret_cast<fftwf_complex*>(spectrum.get());
  forward_ = fftwf_plan_dft_r2c_1d(
      static_cast<int>(n), inPlace_ ? reinterpret_cast<float*>(s) : time.get(), s, FFTW_ESTIMATE);
  inverse_ = fftwf_plan_dft_c2r_1d(static_cast<int>(n), s, time.get(), FFTW_ESTIMATE);
  VKMIX_ASSERT(forward_ != nullptr && inverse_ != nullptr, "FFTW planning failed");
}

CpuFft::~CpuFft() {
  std::lock_guard lock(gPlannerMutex);
  fftwf_destroy_plan(static_cast<fftwf_plan>(forward_));
  fftwf_destroy_plan(static_cast<fftwf_plan>(inverse_));
}

const CpuFft& CpuFft::forBlock(std::int64_t blockFrames) {
  static std::map<std::int64_t, std::unique_ptr<CpuFft>> plans;
  static bool imported = false;
  static std::string known;  // the wisdom the file holds, or held when this process read it
  std::lock_guard lock(gPlannerMutex);
  const std::optional<std::filesystem::path> file = fftwWisdomFile();
  if (!imported) {
    if (file) importWisdom(*file);
    known = currentWisdom();
    imported = true;
  }
  std::unique_ptr<CpuFft>& fft = plans[blockFrames];
  if (!fft) {
    fft.reset(new CpuFft(blockFrames));
    if (std::string now = currentWisdom(); now != known) {
      if (file) exportWisdom(*file, now);
      known = std::move(now);
    }
  }
  return *fft;
}

std::string CpuFft::describe() const {
  std::string text;
  for (void* plan : {forward_, inverse_}) {
    char* p = fftwf_sprint_plan(static_cast<fftwf_plan>(plan));
    VKMIX_ASSERT(p != nullptr, "FFTW could not describe a plan");
    text += p;
    text += "\n";
    std::free(p);
  }
  return text;
}

void CpuFft::forward(float* time, std::complex<float>* spectrum) const {
  VKMIX_ASSERT(inPlace_ == (time == reinterpret_cast<float*>(spectrum)),
               "a forward transform in place exactly where its plan is");
  fftwf_execute_dft_r2c(static_cast<fftwf_plan>(forward_), time,
                        reinterpret_cast<fftwf_complex*>(spectrum));
}

void CpuFft::inverse(std::complex<float>* spectrum, float* time) const {
  fftwf_execute_dft_c2r(static_cast<fftwf_plan>(inverse_),
                        reinterpret_cast<fftwf_complex*>(spectrum), time);
}

}  // namespace vkmix::dsp
