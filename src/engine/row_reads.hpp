// The rows of a mix block and their envelopes: one row read from its source (readRow), the fades'
// curves kept across chunks (FadeCurves), and rows left to be read later, on another thread
// (RowReads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "dsp/voices/params.hpp"
#include "engine/clip_source.hpp"

namespace vkmix::engine {

// The fade curves envelopes are computed from (dsp::fadeCurveTable), kept across chunks and
// mixes: a fade's factors cost a sine or cosine a frame, and clips share fade lengths and shapes
// (a long fade spans many chunks, and a clip's voice is in a stem and in its sends).
class FadeCurves {
 public:
  // dsp::envelopeRow's floats.
  void envelopeRow(const dsp::VoiceParams& v, float* env, std::size_t n);

 private:
  // The curves of v's fades, made where missing; false where they would not fit kMaxValues.
  bool curves(const dsp::VoiceParams& v, const std::vector<double>*& in,
              const std::vector<double>*& out);

  // (fade frames, shape bits) -> dsp::fadeCurveTable's table; at most kMaxValues in all (the
  // curves go when the next would not fit: a session with long fades of many lengths).
  static constexpr std::size_t kMaxValues = std::size_t{1} << 21;
  std::map<std::pair<std::int32_t, std::uint32_t>, std::vector<double>> curves_;
  std::size_t values_ = 0;
};

// Row `row` (`stride` floats): its clip's frames [from, to) read (a plain row's scaled by `gain`
// as the source reads them), zeros around them, times `envelope` (null: a plain row), the bits
// applyEnvelope gives.
void readRow(SampleSource& source, int channel, std::int64_t clipFrame, std::int64_t from,
             std::int64_t to, std::int64_t stride, float* row, float gain, const float* envelope);

// Rows fillBlock leaves to be read later (RowReads::run), on a thread of their own, while the loop
// records the chunk: their memory is the device's (RowMemory), read by it only once the chunk is
// submitted. Every read and envelope is the one fillBlock would make, in the same order.
struct RowReads {
  struct Row {
    SampleSource* source = nullptr;
    int channel = 0;
    std::int64_t clipFrame = 0;  // the clip's frame at the row's frame 0
    std::int64_t from = 0, to = 0, stride = 0;
    float* row = nullptr;
    float gain = 1.0f;             // plain rows: the source scales their samples
    std::ptrdiff_t envelope = -1;  // other rows: their envelope's offset in `envelopes`
  };
  // The envelopes still to compute, before the rows are read (with `fades` where given): a
  // voice's, at its offset in `envelopes`, `frames` floats.
  struct Envelope {
    dsp::VoiceParams voice;
    std::size_t offset = 0, frames = 0;
  };
  std::vector<Row> rows;
  std::vector<float> envelopes;  // the distinct envelopes of the rows, `stride` floats each
  std::vector<Envelope> pending;
  FadeCurves* fades = nullptr;  // this thread's own (FadeCurves is not shared between threads)
  void clear() {
    rows.clear();
    envelopes.clear();
    pending.clear();
  }
  void run();
};

}  // namespace vkmix::engine
