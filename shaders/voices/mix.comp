#version 450
#extension GL_GOOGLE_include_directive : require
// Voice mixing for one block: every output channel is the sum over voices of
// sample x envelope (clip gain, fades) x speaker gain. The envelope is already applied: the
// samples arrive multiplied by it (dsp::applyEnvelope, in float, from envelopeAt). One
// invocation makes 4 consecutive frames of every channel, keeping all channels in registers so
// each voice's samples are read once. The CPU specification is
// src/dsp/voices/reference_mixer.cpp (referenceMix, envelopeAt). A voice's row follows from its
// index; static gains are read as texels, which lavapipe fetches for all lanes at once where a
// UBO read at a per-lane offset goes lane by lane. Moving voices read their grid point from the
// parameters (a UBO).

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int kChannels = 12;  // output channels, <= 16
// 0: every voice of the dispatch has static gains; 1: every one moves (gains from the grid).
// A pipeline per kind: with both loops compiled in, lavapipe ran the static one 2.6x slower.
layout(constant_id = 2) const int kMoving = 0;
const int kGridFrames = 256;  // dsp::kGridFrames

struct Voice {
  vec4 gains[4];   // 16 static speaker gains
  ivec4 clip;      // x: clip frame at block frame 0, y: clip length, z: fade-in, w: fade-out frames
  vec4 misc;       // the envelope's (gain, fade shapes, plain flag): applied before upload
  uvec4 grid;      // x: moving, y: its first grid point (moving voices), z: key (mix_wide.comp)
};

layout(std140, set = 0, binding = 0) uniform Voices { Voice voices[512]; };

#include "mix_common.glsl"

// Adds one moving voice (sample row `row`, gain grid from point `firstPoint`) to acc, for the 4
// frames of invocation i4. Gains are interpolated between grid points every kGridFrames frames
// of the timeline. The gain is always fma(b - a, frac, a), in both paths below, so a frame gets
// the same bits whichever path its block alignment sends it down.
void addMoving(uint row, uint firstPoint, uint i4, inout vec4 acc[kMaxChannels]) {
  vec4 x = texelFetch(samples, int(row * pc.stride4 + i4));
  uint local0 = pc.gridPhase + i4 * 4u;
  uint point = firstPoint + local0 / uint(kGridFrames);
  uint within = local0 % uint(kGridFrames);
  if (within <= uint(kGridFrames - 4)) {
    // The common case: all four frames between the same two grid points.
    vec4 frac = (vec4(float(within)) + vec4(0.0, 1.0, 2.0, 3.0)) / float(kGridFrames);
    for (int g = 0; g < (kChannels + 3) / 4; ++g) {
      vec4 a = texelFetch(gridPoints, int(point * 4u + uint(g)));
      vec4 d = texelFetch(gridPoints, int((point + 1u) * 4u + uint(g))) - a;
      for (int j = 0; j < 4; ++j) {
        if (g * 4 + j < kChannels) acc[g * 4 + j] += x * fma(vec4(d[j]), frac, vec4(a[j]));
      }
    }
  } else {
    // The four frames straddle a grid point: frame by frame.
    for (int k = 0; k < 4; ++k) {
      uint local = local0 + uint(k);
      uint p = firstPoint + local / uint(kGridFrames);
      float frac = float(local % uint(kGridFrames)) / float(kGridFrames);
      for (int g = 0; g < (kChannels + 3) / 4; ++g) {
        vec4 a = texelFetch(gridPoints, int(p * 4u + uint(g)));
        vec4 d = texelFetch(gridPoints, int((p + 1u) * 4u + uint(g))) - a;
        vec4 gain = fma(d, vec4(frac), a);
        for (int j = 0; j < 4; ++j) {
          if (g * 4 + j < kChannels) acc[g * 4 + j][k] += x[k] * gain[j];
        }
      }
    }
  }
}

void main() {
  uint i4 = gl_GlobalInvocationID.x;
  if (i4 >= pc.stride4) return;
  vec4 acc[kMaxChannels];
  for (int c = 0; c < kChannels; ++c) acc[c] = vec4(0.0);

  if (kMoving == 0) {
    // No parameter is read here: static voice k of the dispatch has row voiceBase + k, and its
    // gains are grid point gainBase + row (GpuMixer puts them there). lavapipe reads a UBO
    // member at a per-lane offset lane by lane, but fetches a texel for all lanes at once.
    // Four voices per iteration, added one after the other: the same sum in the same order as
    // one voice per iteration, but lavapipe stores a loop's accumulators (under the lane mask)
    // once per iteration, and those stores cost more than the multiply-adds.
    uint v = 0;
    for (; v + 4u <= pc.numVoices; v += 4u) {
      vec4 sum[kMaxChannels];
      for (int c = 0; c < kChannels; ++c) sum[c] = acc[c];
      for (uint k = 0; k < 4u; ++k) addStatic(pc.voiceBase + v + k, i4, sum);
      for (int c = 0; c < kChannels; ++c) acc[c] = sum[c];
    }
    for (; v < pc.numVoices; ++v) addStatic(pc.voiceBase + v, i4, acc);
  } else {
    // Moving voices: rows voiceBase + v as for static ones; the grid point from the parameters.
    // One voice per iteration: with four, as above, the frames that straddle a grid point made
    // every partial sum a masked store and the loop slower (2.12 -> 2.35 s at 256 voices).
    for (uint v = 0; v < pc.numVoices; ++v) addMoving(pc.voiceBase + v, voices[v].grid.y, i4, acc);
  }
  for (int c = 0; c < kChannels; ++c) {
    uint o = uint(c) * pc.stride4 + i4;
    mixOut[o] = (pc.accumulate != 0u ? mixOut[o] : vec4(0.0)) + acc[c];
  }
}
