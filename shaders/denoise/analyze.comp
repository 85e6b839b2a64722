#version 450
// STFT analysis: frame f of channel c is input frames [f * hop, f * hop + N) of the channel's row
// (history then this chunk), times the sqrt-Hann window, written as the real input of FFT row
// c * framesPerChunk + f. Invocation (sample, row).
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) readonly buffer Input { float samples[]; };  // [channel][inRowFloats]
layout(std430, set = 0, binding = 1) readonly buffer Window { float window[]; };  // [N]
layout(std430, set = 0, binding = 2) writeonly buffer Rows { float rows[]; };     // [row][fftRowFloats]
layout(push_constant) uniform Push {
  uint frameSize;
  uint hop;
  uint framesPerChunk;
  uint rowsTotal;  // channels * framesPerChunk
  uint inRowFloats;
  uint fftRowFloats;
} pc;

void main() {
  uint i = gl_GlobalInvocationID.x;
  uint row = gl_GlobalInvocationID.y;
  if (i >= pc.frameSize || row >= pc.rowsTotal) return;
  uint c = row / pc.framesPerChunk, f = row % pc.framesPerChunk;
  rows[row * pc.fftRowFloats + i] = samples[c * pc.inRowFloats + f * pc.hop + i] * window[i];
}
