// Scene-based (HOA) rendering as ITU-R BS.2127 specifies it: an AllRAD decoder (Zotter & Frank,
// "All-round ambisonic panning and decoding", JAES 2012) per output layout.
//  - The real spherical harmonics of BS.2127 (no Condon-Shortley phase; azimuth positive to the
//    left; degree m < 0 the sine terms) at SN3D, N3D or FuMa normalisation.
//  - A dense, near-uniform set of virtual loudspeakers (hoaVirtualSpeakers: a Fibonacci lattice
//    mirrored left-right; BS.2127's reference renderer uses a 5200-point spherical design), each
//    decoded by sampling (its N3D harmonics / the number of points) and played through the
//    layout's point-source panner, so D = G_virt * Y_virt^T / K.
//  - Each channel's column scaled from N3D to the input's normalisation, and the whole matrix so
//    that a plane wave's power summed over the loudspeakers, averaged over the virtual
//    loudspeakers' directions, is 1 (BS.2127's mean-power normalisation).
// No max-rE weighting (BS.2127's default) and no near-field compensation: BS.2127 renders
// loudspeakers without it, whatever nfcRefDist says. The LFE is never fed.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "layout/geometry.hpp"
#include "layout/point_source_panner.hpp"
#include "vkmix/layout.hpp"

namespace vkmix::layout {

// One HOA channel: its order n >= 0 and degree -n <= m <= n.
struct HoaComponent {
  int order = 0;
  int degree = 0;
};

// Ambisonics Channel Number of (n, m), and back.
constexpr int acnOf(int order, int degree) { return order * order + order + degree; }
HoaComponent componentOfAcn(int acn);

// The normalisation factor of order n, |m| (without the sqrt(2) of m != 0, which
// sphericalHarmonic applies). FuMa is defined up to order 3 only: above, std::invalid_argument
// (the session and ADM readers refuse such input first).
double hoaNormalizationFactor(int order, int absDegree, HoaNormalization norm);

// Y_n^m at a direction (ADM degrees), in `norm`.
double sphericalHarmonic(HoaComponent c, double azimuthDeg, double elevationDeg,
                         HoaNormalization norm);
double sphericalHarmonic(HoaComponent c, const Vec3& direction, HoaNormalization norm);

// The virtual loudspeakers: unit vectors, near-uniform on the sphere, symmetric left-right.
const std::vector<Vec3>& hoaVirtualSpeakers();

class HoaDecoder {
 public:
  // Pans every virtual loudspeaker into `layout` once; decoders for any format then come cheap.
  explicit HoaDecoder(const Layout& layout);

  // The decode matrix for these channels: [channel][loudspeaker] gains (LFE 0), as BS.2127
  // designs it. A channel's column is what its signal plays from each loudspeaker.
  std::vector<std::vector<double>> matrix(std::span<const HoaComponent> channels,
                                          HoaNormalization norm) const;

  int numChannels() const { return numChannels_; }

 private:
  int numChannels_;
  std::vector<double> gVirt_;  // [virtual point][loudspeaker]
};

// The decoder of a layout (its speakers' directions and LFE flags), built once per process and
// kept: planning a render and the inspector's track gains ask for it often. Thread-safe.
const HoaDecoder& hoaDecoderFor(const Layout& layout);

// The decode of channels ACN 0..(order + 1)^2 - 1 of which `present` says which are there (empty:
// all), [acn][loudspeaker]; absent channels' columns are 0. The decoder is designed for the
// present channels only, as BS.2127 designs one for the channels a pack has.
std::vector<std::vector<double>> hoaDecodeByAcn(const Layout& layout, int order,
                                                HoaNormalization norm,
                                                const std::vector<bool>& present = {});

}  // namespace vkmix::layout
