#version 450
// Copies this partition's input spectra (the forward FFT's in-place output rows) into slot `head`
// of the frequency-domain delay line. Invocation (bin, input).
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) uniform samplerBuffer spectra;  // RG32F [input][P + 1 (+pad)]
layout(std430, set = 0, binding = 1) writeonly buffer Fdl { vec2 fdl[]; };         // [slot][input][P + 1]
layout(push_constant) uniform Push {
  uint bins;       // P + 1
  uint rowVec2s;   // vec2s per FFT row: P + 1
  uint numInputs;
  uint head;
} pc;

void main() {
  uint b = gl_GlobalInvocationID.x;
  uint in_ = gl_GlobalInvocationID.y;
  if (b >= pc.bins || in_ >= pc.numInputs) return;
  fdl[(pc.head * pc.numInputs + in_) * pc.bins + b] = texelFetch(spectra, int(in_ * pc.rowVec2s + b)).xy;
}
