#include "engine/row_kernels.hpp"

#include <algorithm>
#include <bit>

#include "core/simd.hpp"

namespace vkmix::engine {
namespace {

// The clones: restrict-qualified rows, so each loop vectorises without run-time overlap checks
// (a row is never another's).

VKMIX_SIMD_CLONES void scaleImpl(float* __restrict out, const float* __restrict in, float g,
                                 std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = in[i] * g;
}

VKMIX_SIMD_CLONES void multiplyImpl(float* __restrict row, const float* __restrict by,
                                    std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) row[i] *= by[i];
}

VKMIX_SIMD_CLONES void sumImpl(float* __restrict out, const float* __restrict a,
                               const float* __restrict b, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

VKMIX_SIMD_CLONES void addImpl(float* __restrict row, const float* __restrict add, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) row[i] += add[i];
}

VKMIX_SIMD_CLONES void zeroPlusImpl(float* __restrict row, const float* __restrict from,
                                    std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) row[i] = 0.0f + from[i];
}

VKMIX_SIMD_CLONES void addZeroImpl(float* __restrict row, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) row[i] += 0.0f;
}

VKMIX_SIMD_CLONES void gainedFirstImpl(float* __restrict row, const float* __restrict from, float g,
                                       float scale, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) row[i] = 0.0f + g * (from[i] * scale);
}

VKMIX_SIMD_CLONES void gainedAddImpl(float* __restrict row, const float* __restrict from, float g,
                                     float scale, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) row[i] += g * (from[i] * scale);
}

VKMIX_SIMD_CLONES std::uint32_t gainedFirstCheckedImpl(float* __restrict row,
                                                       const float* __restrict from, float g,
                                                       float scale, std::int64_t n) {
  std::uint32_t most = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const float y = from[i] * scale;
    most = std::max(most, std::bit_cast<std::uint32_t>(y) & 0x7fffffffu);
    row[i] = 0.0f + g * y;
  }
  return most;
}

VKMIX_SIMD_CLONES std::uint32_t gainedAddCheckedImpl(float* __restrict row,
                                                     const float* __restrict from, float g,
                                                     float scale, std::int64_t n) {
  std::uint32_t most = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const float y = from[i] * scale;
    most = std::max(most, std::bit_cast<std::uint32_t>(y) & 0x7fffffffu);
    row[i] += g * y;
  }
  return most;
}

VKMIX_SIMD_CLONES std::uint32_t largestScaledImpl(const float* __restrict from, float scale,
                                                  std::int64_t n) {
  std::uint32_t most = 0;
  for (std::int64_t i = 0; i < n; ++i)
    most = std::max(most, std::bit_cast<std::uint32_t>(from[i] * scale) & 0x7fffffffu);
  return most;
}

}  // namespace

void scaleRow(float* out, const float* in, float g, std::int64_t n) { scaleImpl(out, in, g, n); }
void multiplyRow(float* row, const float* by, std::int64_t n) { multiplyImpl(row, by, n); }
void sumRows(float* out, const float* a, const float* b, std::int64_t n) { sumImpl(out, a, b, n); }
void addRow(float* row, const float* add, std::int64_t n) { addImpl(row, add, n); }
void zeroPlusRow(float* row, const float* from, std::int64_t n) { zeroPlusImpl(row, from, n); }
void addZero(float* row, std::int64_t n) { addZeroImpl(row, n); }

void addGainedRow(float* row, const float* from, float g, float scale, std::int64_t n, bool first) {
  if (first) {
    gainedFirstImpl(row, from, g, scale, n);
  } else {
    gainedAddImpl(row, from, g, scale, n);
  }
}

std::uint32_t addGainedRowChecked(float* row, const float* from, float g, float scale,
                                  std::int64_t n, bool first) {
  return first ? gainedFirstCheckedImpl(row, from, g, scale, n)
               : gainedAddCheckedImpl(row, from, g, scale, n);
}

std::uint32_t largestScaledBits(const float* from, float scale, std::int64_t n) {
  return largestScaledImpl(from, scale, n);
}

}  // namespace vkmix::engine
