// What one block of voice mixing needs, shared by the CPU reference and the GPU mixer.
// A voice is one mono signal (a clip's channel) with an envelope (clip gain x fades) and a speaker
// gain vector. Static voices carry their gains directly; moving voices carry gain vectors sampled
// on a fixed grid of the absolute timeline (every kGridFrames frames), interpolated per sample, so
// the result does not depend on where blocks begin.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "vkmix/layout.hpp"

namespace vkmix::dsp {

constexpr int kGridFrames = 256;         // gain grid spacing: 5.3 ms at 48 kHz (see docs/panner.md)
constexpr int kVoicesPerDispatch = 512;  // VoiceParams that fit one 64 KiB uniform buffer

enum class FadeCode : std::int32_t { Linear = 0, EqualPower = 1, SCurve = 2 };

// One voice for one block. Layout matches `struct Voice` in shaders/voices/mix.comp (std140).
struct VoiceParams {
  float gains[kMaxOutputChannels] = {};  // static speaker gains (moving voices: unused)
  std::int32_t clipFrame = 0;   // clip-relative frame at the block's first frame (may be < 0)
  std::int32_t clipLength = 0;  // clip length in frames
  std::int32_t fadeInFrames = 0;
  std::int32_t fadeOutFrames = 0;
  float gainLinear = 1.0f;   // clip gain x track gain
  float fadeInShape = 0.0f;  // FadeCode as float
  float fadeOutShape = 0.0f;
  float plain = 0.0f;            // 1: no fade and inside the clip for the whole block
  std::uint32_t moving = 0;      // 1: gains come from the grid
  std::uint32_t gridOffset = 0;  // index of this voice's first grid point in MixBlock::grid
  // The voice's place in its mix, the same in every block (fillBlock: its plan index). GPUs sum
  // static voices in parallel groups by key (shaders/voices/mix_wide.comp), so that a frame's
  // sum does not depend on the block.
  std::uint32_t key = 0;
  std::uint32_t pad = 0;
};
static_assert(sizeof(VoiceParams) == 112, "must match std140 struct Voice in mix.comp");

// A row the backend fills on its device rather than the host (a denoised track's signal, made in
// the same chunk's work: engine/denoise_stage): frames [from, to) of the row are channel `channel`
// of device source `source` from clip frame voices[voice].clipFrame + from on, times the voice's
// gainLinear (the voice has no fades, so that is its envelope); the other frames are zeros.
struct DeviceRow {
  std::uint32_t voice = 0;
  int source = 0;
  int channel = 0;
  std::int64_t from = 0, to = 0;
};

struct MixBlock {
  int numChannels = 0;
  std::int64_t numFrames = 0;   // frames to produce
  std::int64_t stride = 0;      // frames per channel/voice row: numFrames rounded up to 4
  std::uint32_t gridPhase = 0;  // (absolute frame of the block's first frame) % kGridFrames
  std::vector<VoiceParams> voices;
  // Voice v's frame i is row(v)[i]: rows are in `samples`, or in memory the block was reset onto
  // (`external`: a GPU mixer's upload buffer, so the rows are written once, where the device
  // reads them).
  std::vector<float> samples;
  float* external = nullptr;
  // The rows already carry each voice's envelope (applyEnvelope); the mixers then use them as
  // they are. Else the mixers apply it.
  bool enveloped = false;
  std::vector<float> grid;  // gain grid points, kMaxOutputChannels floats each
  // Rows the device fills (their memory here is left as it was); only for a backend that
  // denoises in the chunk's own work (backend::Backend::denoisesInChunk).
  std::vector<DeviceRow> deviceRows;

  // Resizes for `numVoices` voices of `frames` frames, rows in `samples` or, when `rows` is given
  // (numVoices x stride floats), there. Rows are zeros unless `zeroSamples` is false, when they
  // hold whatever was there (for a caller that writes every row's full stride).
  void reset(int channels, std::int64_t frames, std::uint32_t phase, std::size_t numVoices,
             bool zeroSamples = true, std::span<float> rows = {});
  float* row(std::size_t v) { return (external ? external : samples.data()) + v * stride; }
  const float* row(std::size_t v) const {
    return (external ? external : samples.data()) + v * stride;
  }
};

// Multiplies n samples of a voice, from its block's first frame, by its envelope, rounded to
// float: the gain alone in a plain block, else envelopeAt frame by frame. A frame's value does not
// depend on the block it falls in. `in` may be `out`.
void applyEnvelope(const VoiceParams& v, const float* in, float* out, std::size_t n);

// The floats applyEnvelope multiplies n frames by, from the block's first frame: envelopeAt
// frame by frame, rounded to float (any plain flag aside). The voices of one clip share them.
void envelopeRow(const VoiceParams& v, float* env, std::size_t n);

// The factors of a fade of `frames` frames of `shape` (a FadeCode as float), fade frame t's at
// [t]: what envelopeAt multiplies by, the same for every clip with that fade (computed once, they
// save a sine a frame per clip).
void fadeCurveTable(std::int32_t frames, float shape, std::vector<double>& table);
// envelopeRow with the fades' factors looked up in fadeCurveTable's tables of v's fade-in
// (`inCurve`) and fade-out (`outCurve`): the same floats.
void envelopeRowFromCurves(const VoiceParams& v, std::span<const double> inCurve,
                           std::span<const double> outCurve, float* env, std::size_t n);

// Envelope gain of a voice at clip-relative frame t (exactly what the shader computes).
double envelopeAt(const VoiceParams& v, std::int64_t t);

// The CPU reference mix: accumulates in double, in voice order. `out` is channel-major
// (numChannels x stride) and is overwritten.
void referenceMix(const MixBlock& block, std::span<float> out);

}  // namespace vkmix::dsp
