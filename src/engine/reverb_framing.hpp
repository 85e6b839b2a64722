// The wet signal kept sample-aligned with the dry one, whatever the partition size: the dry
// groups wait in FIFOs until every reverb instance has returned the same frames. The sends go
// into the convolvers a batch of partitions at a time as they fill (the frames past a send's end
// are zeros, and what they give is not returned); the returns are each convolver output times
// its speaker gains, summed into the dry group its stem's returns join. Takes chunks of any
// length and hands out frames as soon as every FIFO holds them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "engine/finite_check.hpp"
#include "engine/planar_fifo.hpp"
#include "engine/render_plan.hpp"
#include "engine/row_kernels.hpp"

namespace vkmix::engine {

// Adds a stem's channel row into the mix's (`stride` floats: the padding too), the mix being the
// sum of the stems in stem order from silence (0 + the first stem's, so -0 reads as 0 as it
// always has; the stems then sum to it exactly). With `last`, returns the largest magnitude bits
// of the row's first n frames (finite_check's), else 0.
inline std::uint32_t sumStemRow(float* mix, const float* stem, std::int64_t stride, std::int64_t n,
                                bool first, bool last) {
  if (first) {
    zeroPlusRow(mix, stem, stride);
  } else {
    addRow(mix, stem, stride);
  }
  return last ? largestMagnitudeBits(mix, n) : 0;
}

class ReverbFraming {
 public:
  ReverbFraming(const RenderPlan& plan, backend::Backend& backend);
  // n frames of dry group g's or reverb instance k's send mix, channel rows `stride` apart.
  void addDry(std::size_t group, std::span<const float> rows, std::int64_t stride, std::int64_t n);
  void addSend(std::size_t instance, std::span<const float> rows, std::int64_t stride,
               std::int64_t n);
  // Convolves what the sends hold, the last partial batch too (the render's end).
  void flush();
  // Frames every dry group and every return holds.
  std::int64_t ready() const;
  // Moves n <= ready() frames of each dry group, its returns added, into stems[g] (channel rows
  // `stride` apart, zeros past n). With `mix` (groups of the output's channels): the mix too,
  // sumStemRow's of the stems in order, each row while the stems' are in cache; returns the
  // largest magnitude bits of its frames (0 without).
  std::uint32_t take(std::int64_t n, std::int64_t stride, std::vector<std::vector<float>>& stems,
                     std::vector<float>* mix = nullptr);

 private:
  void runPartitions(std::size_t instance, bool flush);

  const RenderPlan& plan_;
  backend::Backend& backend_;
  std::vector<PlanarFifo> dry_, sendIn_, returns_;
  std::vector<std::vector<int>> returnChannels_;  // return k's FIFO channel r: speaker [k][r]
  std::vector<float> convIn_, convOut_;
  std::vector<std::vector<const float*>> feeds_;  // take(): per speaker, the returns it adds
  std::vector<char> checked_;  // runPartitions(): per output, checked for overflow
  // The timeline frame of the next frame handed out: where the returns' next frames fall. The
  // sends go into the convolvers from plan.loopStart, on their partition grid.
  std::int64_t taken_ = 0;
};

}  // namespace vkmix::engine
