#version 450
// Copies this partition's input spectra (the forward FFT's in-place output rows) into slot `head`
// of the frequency-domain delay line, whose rows are `stride` complex values: bins 0..P, then
// zeros (complex_mac.comp reads two bins at a time). Invocation (bin, input).
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) uniform samplerBuffer spectra;  // RG32F [input][P + 1 (+pad)]
layout(std430, set = 0, binding = 1) writeonly buffer Fdl { vec2 fdl[]; };  // [slot][input][stride]
layout(push_constant) uniform Push {
  uint bins;       // P + 1
  uint rowVec2s;   // vec2s per FFT row: P + 1
  uint numInputs;
  uint head;
  uint stride;     // complex values per delay-line row
} pc;

void main() {
  uint b = gl_GlobalInvocationID.x;
  uint in_ = gl_GlobalInvocationID.y;
  if (b >= pc.stride || in_ >= pc.numInputs) return;
  fdl[(pc.head * pc.numInputs + in_) * pc.stride + b] =
      b < pc.bins ? texelFetch(spectra, int(in_ * pc.rowVec2s + b)).xy : vec2(0.0);
}
