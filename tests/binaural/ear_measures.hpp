// What the binaural tests measure in two ear signals, written plainly in the test (its own radix-2
// FFT, not vkmix's): interaural time difference from the cross-correlation peak, band levels in
// octave and third-octave bands, and the raw HRIR pairs of a SOFA file read without vkmix's
// Hrtf (no resampling, no normalisation), as the oracle the renders are held to.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vkmix::test {

// Seconds by which the right ear lags the left (positive: the source is on the left), from the
// peak of the cross-correlation over +-maxLagSeconds, refined by a parabola through the peak.
double itdSeconds(const std::vector<float>& left, const std::vector<float>& right,
                  double sampleRateHz, double maxLagSeconds = 1.5e-3);

// Energy of x in each band [fc / 2^(1/(2 n)), fc * 2^(1/(2 n))] (n = bands per octave) from a
// zero-padded power-of-two FFT of the whole signal, in dB.
std::vector<double> bandLevelsDb(const std::vector<float>& x, double sampleRateHz,
                                 const std::vector<double>& centresHz, int bandsPerOctave);

// Octave centres 250 Hz .. 8 kHz; third-octave (base-10 nominal series) centres 100 Hz .. 16 kHz.
std::vector<double> octaveCentresHz();
std::vector<double> thirdOctaveCentresHz();

// The measured pair of a SOFA file at this direction (spherical SourcePosition, degrees, within
// 0.01 degrees), at the file's own rate, delays applied as whole frames. Fails the test if none.
struct RawPair {
  std::vector<float> left, right;
  double sampleRateHz = 0.0;
};
RawPair rawSofaPair(const std::string& path, double azimuthDeg, double elevationDeg);

}  // namespace vkmix::test
