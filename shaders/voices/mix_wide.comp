#version 450
#extension GL_GOOGLE_include_directive : require
// Static-voice mixing for GPUs: the same sum as mix.comp's static loop (sample x speaker gain,
// envelope already applied), spread over kSplits invocations per 4 frames instead of one, so a
// block of a few thousand frames and a thousand voices fills a GPU. mix.comp runs each
// invocation's voices one after another, which suits lavapipe (few lanes, no shared memory) but
// leaves a GPU's multiprocessors idle and every voice a round trip to memory.
//
// Invocation (q, s) of a workgroup sums, for frames 4q..4q+3 of its group, the static voices of
// split s: those whose plan index (VoiceParams::key) is s modulo kSplits, in plan order. The
// lists come from the CPU (`order`). The kSplits partial sums are then added in a fixed tree in
// shared memory. A voice's split and its place in it depend on its plan index, not on the
// block, and a voice silent at a frame adds an exact zero there: a frame gets the same bits
// whatever block it falls in.

layout(local_size_x_id = 0, local_size_y_id = 2) in;
layout(constant_id = 0) const int kQuads = 8;   // 4-frame groups per workgroup
layout(constant_id = 1) const int kChannels = 12;
layout(constant_id = 2) const int kSplits = 32;  // a power of two

#include "mix_common.glsl"

// [0, kSplits]: where each split's rows begin in rows[kSplits + 1 ...]; then the rows.
layout(std430, set = 0, binding = 4) readonly buffer Order { uint order[]; };

shared vec4 partial[kSplits][kQuads][4];

void main() {
  const uint q = gl_LocalInvocationID.x;
  const uint s = gl_LocalInvocationID.y;
  const uint i4 = gl_WorkGroupID.x * uint(kQuads) + q;
  const bool inside = i4 < pc.stride4;
  vec4 acc[kMaxChannels];
  for (int c = 0; c < kChannels; ++c) acc[c] = vec4(0.0);
  if (inside) {
    const uint end = order[s + 1u];
    for (uint k = order[s]; k < end; ++k) {
      addStatic(order[uint(kSplits) + 1u + k], i4, acc);
    }
  }
  // The splits' sums, four channels at a time: split s adds split s + h for h = kSplits/2 .. 1.
  for (int g = 0; g < (kChannels + 3) / 4; ++g) {
    for (int j = 0; j < 4; ++j) partial[s][q][j] = g * 4 + j < kChannels ? acc[g * 4 + j] : vec4(0.0);
    barrier();
    for (uint h = uint(kSplits) / 2u; h > 0u; h /= 2u) {
      if (s < h) {
        for (int j = 0; j < 4; ++j) partial[s][q][j] += partial[s + h][q][j];
      }
      barrier();
    }
    if (s == 0u && inside) {
      for (int j = 0; j < 4; ++j) {
        const int c = g * 4 + j;
        if (c < kChannels) {
          const uint o = uint(c) * pc.stride4 + i4;
          mixOut[o] = (pc.accumulate != 0u ? mixOut[o] : vec4(0.0)) + partial[0][q][j];
        }
      }
    }
    barrier();
  }
}
