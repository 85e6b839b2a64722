// What mix.comp and mix_wide.comp share: the sample rows, the grid (gain points), the output,
// the push constants, and one static voice's contribution. Included after the shader declares
// kChannels (its constant_id 1).
const int kMaxChannels = 16;

// Samples and grid are read through texel buffers (RGBA32F), not storage buffers: lavapipe loads
// a storage buffer at a per-lane address one lane at a time in a branchy loop, but fetches texels
// for all lanes at once; GPUs read both through their caches.
layout(set = 0, binding = 1) uniform samplerBuffer samples;     // [voice][frame/4]
layout(set = 0, binding = 2) uniform samplerBuffer gridPoints;  // [point][4]
layout(std430, set = 0, binding = 3) buffer Mix { vec4 mixOut[]; };               // [channel][frame/4]

layout(push_constant) uniform Push {
  uint stride4;     // vec4s per voice row and per channel row
  uint numVoices;   // voices in this dispatch
  uint accumulate;  // 0: overwrite the output, 1: add to it
  uint gridPhase;   // absolute frame of the block's first frame, mod kGridFrames
  uint voiceBase;   // the dispatch's first voice's row (voice k of the dispatch: row + k)
  uint gainBase;    // static voices: grid point of the block's first static voice's gains
} pc;

// Adds one static voice (sample row `row`, gains at grid point gainBase + row) to acc, for the 4
// frames of invocation i4.
void addStatic(uint row, uint i4, inout vec4 acc[kMaxChannels]) {
  vec4 x = texelFetch(samples, int(row * pc.stride4 + i4));
  for (int g = 0; g < (kChannels + 3) / 4; ++g) {
    vec4 gain = texelFetch(gridPoints, int((pc.gainBase + row) * 4u + uint(g)));
    for (int j = 0; j < 4; ++j) {
      if (g * 4 + j < kChannels) acc[g * 4 + j] += x * gain[j];
    }
  }
}
