#version 450
// STFT synthesis: overlap-add of this chunk's inverse-FFT rows, times the window and 1 / (2N),
// onto the tail carried from the previous chunk. Output j of a channel covers chunk + latency
// frames; the host takes the first chunk frames and carries the rest. Invocation (j, channel).
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) readonly buffer Rows { float rows[]; };      // [row][fftRowFloats]
layout(std430, set = 0, binding = 1) readonly buffer Window { float window[]; };  // [N]
layout(std430, set = 0, binding = 2) readonly buffer Carry { float carry[]; };    // [channel][latency]
layout(std430, set = 0, binding = 3) writeonly buffer Acc { float acc[]; };       // [channel][accRowFloats]
layout(push_constant) uniform Push {
  uint frameSize;
  uint hop;
  uint framesPerChunk;
  uint channels;
  uint fftRowFloats;
  uint latency;
  uint accRowFloats;  // chunk + latency
  float scale;
} pc;

void main() {
  uint j = gl_GlobalInvocationID.x;
  uint c = gl_GlobalInvocationID.y;
  if (j >= pc.accRowFloats || c >= pc.channels) return;
  float sum = j < pc.latency ? carry[c * pc.latency + j] : 0.0;
  uint first = j + 1 > pc.frameSize ? (j + 1 - pc.frameSize + pc.hop - 1) / pc.hop : 0;
  uint last = min(pc.framesPerChunk - 1, j / pc.hop);
  for (uint f = first; f <= last; ++f) {
    uint i = j - f * pc.hop;
    sum += rows[(c * pc.framesPerChunk + f) * pc.fftRowFloats + i] * window[i] * pc.scale;
  }
  acc[c * pc.accRowFloats + j] = sum;
}
