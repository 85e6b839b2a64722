#include "binaural/hrtf.hpp"

#include <mysofa.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <system_error>

#include "core/assert.hpp"
#include "vkmix/error.hpp"

namespace vkmix::binaural {
namespace {

std::string mysofaProblem(int err) {
  switch (err) {
    case MYSOFA_INVALID_FORMAT:
      return "invalid format (not an HDF5/SOFA file, or a damaged one)";
    case MYSOFA_UNSUPPORTED_FORMAT:
      return "unsupported SOFA format";
    case MYSOFA_NO_MEMORY:
      return "out of memory";
    case MYSOFA_READ_ERROR:
      return "read error";
    case MYSOFA_INVALID_ATTRIBUTES:
      return "invalid attributes (not a SimpleFreeFieldHRIR set?)";
    case MYSOFA_INVALID_DIMENSIONS:
    case MYSOFA_INVALID_DIMENSION_LIST:
      return "invalid dimensions";
    case MYSOFA_INVALID_COORDINATE_TYPE:
      return "invalid coordinate type";
    case MYSOFA_ONLY_EMITTER_WITH_ECI_SUPPORTED:
      return "only one emitter is supported";
    case MYSOFA_ONLY_DELAYS_WITH_IR_OR_MR_SUPPORTED:
      return "unsupported delay dimensions";
    case MYSOFA_ONLY_THE_SAME_SAMPLING_RATE_SUPPORTED:
      return "more than one sampling rate";
    case MYSOFA_RECEIVERS_WITH_RCI_SUPPORTED:
    case MYSOFA_RECEIVERS_WITH_CARTESIAN_SUPPORTED:
    case MYSOFA_INVALID_RECEIVER_POSITIONS:
      return "unsupported receivers (two ears expected)";
    case MYSOFA_ONLY_SOURCES_WITH_MC_SUPPORTED:
      return "unsupported source positions";
    default:
      // libmysofa passes the C library's errno through for files it cannot open.
      if (err > 0 && err < MYSOFA_INVALID_FORMAT) return std::generic_category().message(err);
      return "error " + std::to_string(err);
  }
}

}  // namespace

struct Hrtf::Easy {
  MYSOFA_EASY* handle;
  explicit Easy(MYSOFA_EASY* h) : handle(h) {}
  ~Easy() { mysofa_close(handle); }
  Easy(const Easy&) = delete;
  Easy& operator=(const Easy&) = delete;
};

std::filesystem::path Hrtf::defaultPath() { return "/usr/share/libmysofa/default.sofa"; }

Hrtf::Hrtf(const std::filesystem::path& path, double sampleRateHz)
    : path_(path), sampleRateHz_(sampleRateHz) {
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError(name, "", "no such SOFA file");
  if (!std::filesystem::is_regular_file(path, ec))
    throw InputError(name, "", "not a SOFA file (not a regular file)");
  int err = MYSOFA_OK;
  // The file's own rate, which mysofa_open overwrites with the session's when it resamples.
  if (MYSOFA_HRTF* raw = mysofa_load(name.c_str(), &err); raw != nullptr) {
    if (err == MYSOFA_OK && raw->DataSamplingRate.elements > 0)
      fileSampleRateHz_ = raw->DataSamplingRate.values[0];
    mysofa_free(raw);
  }
  if (err != MYSOFA_OK || fileSampleRateHz_ <= 0.0)
    throw InputError(name, "", "not a usable SOFA HRTF file: libmysofa: " + mysofaProblem(err));
  // Resampling keeps sample values, so a resampled filter's gain grows with the rate ratio; the
  // loudness normalisation that follows takes back only its square root. This makes the filters'
  // frequency responses the same at every session rate (as at the file's rate, where sofalizer
  // renders), so the LFE, which has no filter, keeps its level relative to the speakers.
  gain_ = static_cast<float>(std::sqrt(fileSampleRateHz_ / sampleRateHz));
  MYSOFA_EASY* h =
      mysofa_open(name.c_str(), static_cast<float>(sampleRateHz), &filterFrames_, &err);
  if (h == nullptr || err != MYSOFA_OK) {
    if (h != nullptr) mysofa_close(h);
    throw InputError(name, "", "not a usable SOFA HRTF file: libmysofa: " + mysofaProblem(err));
  }
  easy_ = std::make_unique<Easy>(h);
  // Two ears are what a binaural render needs; mysofa_check accepts only R = 2, but say so here
  // in case a later libmysofa relaxes it.
  if (h->hrtf->R != 2)
    throw InputError(name, "", "has " + std::to_string(h->hrtf->R) + " receivers, 2 expected");
  VKMIX_ASSERT(filterFrames_ > 0, "libmysofa returned an empty filter length");
}

Hrtf::~Hrtf() = default;
Hrtf::Hrtf(Hrtf&&) noexcept = default;
Hrtf& Hrtf::operator=(Hrtf&&) noexcept = default;

int Hrtf::numMeasurements() const { return static_cast<int>(easy_->handle->hrtf->M); }

HrirPair Hrtf::pair(double azimuthDeg, double elevationDeg, bool interpolate) const {
  constexpr double kDeg = std::numbers::pi / 180.0;
  // SOFA's listener frame: x ahead, y to the left, z up. A unit vector: libmysofa's lookup brings
  // any radius into the range the set was measured at.
  const double az = azimuthDeg * kDeg, el = elevationDeg * kDeg;
  const auto x = static_cast<float>(std::cos(el) * std::cos(az));
  const auto y = static_cast<float>(std::cos(el) * std::sin(az));
  const auto z = static_cast<float>(std::sin(el));
  const auto n = static_cast<std::size_t>(filterFrames_);
  std::vector<float> left(n), right(n);
  float delayLeftSeconds = 0.0f, delayRightSeconds = 0.0f;
  if (interpolate) {
    mysofa_getfilter_float(easy_->handle, x, y, z, left.data(), right.data(), &delayLeftSeconds,
                           &delayRightSeconds);
  } else {
    mysofa_getfilter_float_nointerp(easy_->handle, x, y, z, left.data(), right.data(),
                                    &delayLeftSeconds, &delayRightSeconds);
  }
  const auto frames = [&](float seconds) {
    return static_cast<std::size_t>(
        std::max(0.0, std::round(static_cast<double>(seconds) * sampleRateHz_)));
  };
  const std::size_t dl = frames(delayLeftSeconds), dr = frames(delayRightSeconds);
  const std::size_t total = n + std::max(dl, dr);
  HrirPair out;
  out.left.assign(total, 0.0f);
  out.right.assign(total, 0.0f);
  for (std::size_t i = 0; i < n; ++i) {
    out.left[dl + i] = gain_ * left[i];
    out.right[dr + i] = gain_ * right[i];
  }
  return out;
}

}  // namespace vkmix::binaural
