// The loop thread's per-sample passes over rows (a clip's samples into a voice row, envelopes,
// stems summed, reverb returns gained), each compiled per vector width (core/simd.hpp): the build
// targets baseline x86-64, whose loops run four floats wide on CPUs that do sixteen. Each does
// the float operations of its plain loop, in the same order, frame by frame: the same bits.
#pragma once

#include <cstdint>

namespace vkmix::engine {

// out[i] = in[i] * g.
void scaleRow(float* out, const float* in, float g, std::int64_t n);
// row[i] *= by[i].
void multiplyRow(float* row, const float* by, std::int64_t n);
// out[i] = a[i] + b[i].
void sumRows(float* out, const float* a, const float* b, std::int64_t n);
// row[i] += add[i].
void addRow(float* row, const float* add, std::int64_t n);
// row[i] = 0 + from[i] (-0 becomes +0).
void zeroPlusRow(float* row, const float* from, std::int64_t n);
// row[i] += 0 (-0 becomes +0).
void addZero(float* row, std::int64_t n);
// A reverb return's term: row[i] = 0 + g * (from[i] * scale) (`first`), else row[i] += that.
void addGainedRow(float* row, const float* from, float g, float scale, std::int64_t n, bool first);
// addGainedRow, returning the largest magnitude bits of from[i] * scale (finite_check's).
std::uint32_t addGainedRowChecked(float* row, const float* from, float g, float scale,
                                  std::int64_t n, bool first);
// The largest magnitude bits of from[i] * scale.
std::uint32_t largestScaledBits(const float* from, float scale, std::int64_t n);

}  // namespace vkmix::engine
