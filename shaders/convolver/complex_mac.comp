#version 450
// Partitioned convolution's frequency-domain multiply-accumulate: for every output and bin,
// Y = sum over its terms (input, IR) and partitions k of X_input[head - k] * H_IR[k]. The result
// goes into the inverse FFT's rows. CPU specification: src/dsp/convolver/reference.cpp.
layout(local_size_x = 64) in;

struct Output {
  ivec4 inputs;  // term t reads input inputs[t] ...
  ivec4 irs;     // ... convolved with IR irs[t]
  ivec4 count;   // x: number of terms (<= 4)
};

layout(std140, set = 0, binding = 0) uniform Outputs { Output outputs[16]; };
// The delay line and the IR spectra are read through RG32F texel buffers: lavapipe fetches texels
// for all lanes at once but loads a storage buffer one lane at a time.
layout(set = 0, binding = 1) uniform samplerBuffer fdl;  // [slot][input][bins]
layout(set = 0, binding = 2) uniform samplerBuffer irs;  // [ir][partition][bins]
layout(std430, set = 0, binding = 3) writeonly buffer Acc { vec2 acc[]; };     // [output][rowVec2s]
layout(push_constant) uniform Push {
  uint bins;
  uint rowVec2s;
  uint numInputs;
  uint head;
  uint partitions;
  uint numOutputs;
} pc;

vec2 cmul(vec2 a, vec2 b) { return vec2(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }

void main() {
  uint b = gl_GlobalInvocationID.x;
  uint o = gl_GlobalInvocationID.y;
  if (b >= pc.bins || o >= pc.numOutputs) return;
  Output out_ = outputs[o];
  vec2 sum = vec2(0.0);
  for (int t = 0; t < out_.count.x; ++t) {
    uint in_ = uint(out_.inputs[t]);
    uint irBase = uint(out_.irs[t]) * pc.partitions * pc.bins;
    for (uint k = 0u; k < pc.partitions; ++k) {
      uint slot = (pc.head + pc.partitions - k) % pc.partitions;
      sum += cmul(texelFetch(fdl, int((slot * pc.numInputs + in_) * pc.bins + b)).xy,
                  texelFetch(irs, int(irBase + k * pc.bins + b)).xy);
    }
  }
  acc[o * pc.rowVec2s + b] = sum;
}
