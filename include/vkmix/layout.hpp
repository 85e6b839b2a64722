// Loudspeaker layouts vkmix renders to. Speakers are listed in the order their channels are
// written to files: for layouts expressible as a WAVE_FORMAT_EXTENSIBLE mask that is ascending mask
// bit order (so 7.1 is FL FR FC LFE BL BR SL SR, i.e. L R C LFE Lrs Rrs Lss Rss); see
// docs/layouts.md. Positions use the ADM convention: azimuth degrees positive to the left,
// elevation degrees up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vkmix {

struct Speaker {
  std::string label;  // ITU-R BS.2051 label, e.g. "M+030", "U-135", "LFE1"
  std::string name;   // film name, e.g. "L", "Lrs", "Ltf"
  double azimuthDeg = 0.0;
  double elevationDeg = 0.0;
  bool lfe = false;
  std::uint32_t wavMaskBit = 0;  // its WAVE_FORMAT_EXTENSIBLE dwChannelMask bit; 0 if it has none
};

struct Layout {
  std::string name;  // "7.1.4"
  std::string itu;   // "4+7+0", or "" where BS.2051 has no such layout
  std::vector<Speaker> speakers;

  int numChannels() const { return static_cast<int>(speakers.size()); }
  // The dwChannelMask for a WAV file, or 0 when a speaker has no mask bit (e.g. wides).
  std::uint32_t wavChannelMask() const;
  // Index of the speaker with this BS.2051 label, if any.
  std::optional<int> indexOfLabel(std::string_view label) const;
  int lfeCount() const;
};

// An ADM zoneExclusion zone (BS.2076 §5.4.3.3): the loudspeakers inside it are not used by an
// object (BS.2127 §7.3.12). Cartesian zones bound x/y/z (-1..1) of the speakers' unit-sphere
// positions; polar zones bound azimuth (from minAzimuth anticlockwise, i.e. towards the left, to
// maxAzimuth) and elevation.
struct ExclusionZone {
  bool cartesian = true;
  double minX = -1.0, maxX = 1.0, minY = -1.0, maxY = 1.0, minZ = -1.0, maxZ = 1.0;
  double minAzimuth = -180.0, maxAzimuth = 180.0, minElevation = -90.0, maxElevation = 90.0;
  bool operator==(const ExclusionZone&) const = default;
};

// How the channels of a scene-based (HOA) signal are scaled (BS.2076 `normalization`; real
// spherical harmonics without the Condon-Shortley phase, as BS.2127 defines them): SN3D (the
// default, AmbiX), N3D (orthonormal: each channel's mean square over the sphere is 1) and FuMa
// (SN3D times Furse-Malham's factors: W at 1/sqrt(2); defined up to order 3).
// Its names in files ("SN3D", "N3D", "FuMa"): vkmix/session.hpp.
enum class HoaNormalization { SN3D, N3D, FuMa };
// The highest HOA order vkmix decodes (BS.2094's common definitions go to 10: 121 channels).
constexpr int kMaxHoaOrder = 10;

// The built-in layout with this name ("2.0", "5.1", "5.1.2", "5.1.4", "7.1", "7.1.2", "7.1.4",
// "9.1.6"), or nullptr.
const Layout* findLayout(std::string_view name);
const std::vector<Layout>& builtinLayouts();

// Largest channel count of any output layout; GPU buffers are sized by it.
constexpr int kMaxOutputChannels = 16;

}  // namespace vkmix
