// An HRTF set read from a SOFA file (AES69) with libmysofa: head-related impulse response pairs
// for any direction, at the session's sample rate. libmysofa resamples the set on opening,
// normalises its loudness (all filters scaled so that its "frontal" measurement, the one of least
// azimuth + elevation, has a pair energy of 2: about 0 dB per ear) and interpolates between the
// measurements nearest a direction. Directions here use the ADM/BS.2051 convention of vkmix's
// layouts (azimuth degrees positive to the left, elevation positive up), which is also SOFA's
// spherical convention, so no azimuth is mirrored.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace vkmix::binaural {

// One direction's impulse responses, both ears the same length. The SOFA file's per-ear onset
// delays (Data.Delay, separate from the filters in some files) are already in them, as leading
// zeros rounded to whole frames: at 48 kHz that shifts the ITD by at most half a frame (10.4 us).
struct HrirPair {
  std::vector<float> left;
  std::vector<float> right;
  std::int64_t numFrames() const { return static_cast<std::int64_t>(left.size()); }
};

class Hrtf {
 public:
  // libmysofa's default set (Debian's MIT KEMAR, normal pinna).
  static std::filesystem::path defaultPath();

  // Opens `path` at `sampleRateHz`. A missing, unreadable or malformed file throws InputError
  // naming it ("FILE: not a SOFA HRTF file: libmysofa: invalid format").
  Hrtf(const std::filesystem::path& path, double sampleRateHz);
  ~Hrtf();
  Hrtf(Hrtf&&) noexcept;
  Hrtf& operator=(Hrtf&&) noexcept;

  // The pair for a direction: libmysofa's inverse-distance interpolation of the measurements
  // around it when `interpolate`, else the nearest measurement. Not thread-safe (libmysofa
  // interpolates into one buffer per open file).
  HrirPair pair(double azimuthDeg, double elevationDeg, bool interpolate = true) const;

  // Filter taps per ear at this sample rate, before delays.
  int filterFrames() const { return filterFrames_; }
  int numMeasurements() const;
  double sampleRateHz() const { return sampleRateHz_; }
  // The rate the file's filters were measured at (libmysofa resamples them to sampleRateHz()).
  double fileSampleRateHz() const { return fileSampleRateHz_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  struct Easy;  // libmysofa's handle, closed with it
  std::filesystem::path path_;
  double sampleRateHz_;
  double fileSampleRateHz_ = 0.0;
  float gain_ = 1.0f;  // sqrt(file rate / session rate): see the constructor
  int filterFrames_ = 0;
  std::unique_ptr<Easy> easy_;
};

}  // namespace vkmix::binaural
