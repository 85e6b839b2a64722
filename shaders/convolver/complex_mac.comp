#version 450
// Partitioned convolution's frequency-domain multiply-accumulate: for every partition j of the
// batch, output and bin, Y = sum over its terms (input, IR) and partitions k of
// X_input[head + j - k] * H_IR[k], the delay line a ring of `ring` slots. The result goes into
// the inverse FFT's rows. CPU specification: src/dsp/convolver/reference.cpp.
// An invocation takes two neighbouring bins: the IR spectra are rows of (P + 2) complex values,
// whole RGBA32F texels, so one fetch brings two bins. The delay line's rows are the forward FFT's
// own, P + 1 bins (every other row starts mid-texel), so it is read a bin (RG32F) at a time.
layout(local_size_x = 64) in;

struct Output {
  ivec4 inputs;  // term t reads input inputs[t] ...
  ivec4 irs;     // ... convolved with IR irs[t]
  ivec4 count;   // x: number of terms (<= 4)
};

layout(std140, set = 0, binding = 0) uniform Outputs { Output outputs[16]; };
// The delay line and the IR spectra are read through texel buffers: lavapipe fetches texels for
// all lanes at once but loads a storage buffer one lane at a time.
layout(set = 0, binding = 1) uniform samplerBuffer fdl;  // [slot][input][P + 1] bins
layout(set = 0, binding = 2) uniform samplerBuffer irs;  // [ir][partition][stride / 2] bin pairs
layout(std430, set = 0, binding = 3) writeonly buffer Acc { vec2 acc[]; };  // [j][output][rowVec2s]
layout(push_constant) uniform Push {
  uint bins;      // P + 1: complex values per delay-line row
  uint rowVec2s;  // complex values per inverse FFT row
  uint numInputs;
  uint head;
  uint partitions;
  uint numOutputs;
  uint pairs;     // (P + 2) / 2: bin pairs (texels) per IR row
  uint ring;      // delay-line slots
} pc;

// Two complex products at once: (a.xy * b.xy, a.zw * b.zw).
vec4 cmul2(vec4 a, vec4 b) {
  return vec4(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x, a.z * b.z - a.w * b.w,
              a.z * b.w + a.w * b.z);
}

void main() {
  uint i = gl_GlobalInvocationID.x;
  uint o = gl_GlobalInvocationID.y;
  uint j = gl_GlobalInvocationID.z;  // the partition within the batch
  if (i >= pc.pairs || o >= pc.numOutputs) return;
  Output out_ = outputs[o];
  vec4 sum = vec4(0.0);
  for (int t = 0; t < out_.count.x; ++t) {
    uint in_ = uint(out_.inputs[t]);
    uint irBase = uint(out_.irs[t]) * pc.partitions * pc.pairs;
    for (uint k = 0u; k < pc.partitions; ++k) {
      uint slot = (pc.head + j + pc.ring - k) % pc.ring;
      int x = int((slot * pc.numInputs + in_) * pc.bins + 2u * i);
      sum += cmul2(vec4(texelFetch(fdl, x).xy, texelFetch(fdl, x + 1).xy),
                   texelFetch(irs, int(irBase + k * pc.pairs + i)));
    }
  }
  uint b = 2u * i;
  uint row = (j * pc.numOutputs + o) * pc.rowVec2s;
  acc[row + b] = sum.xy;
  if (b + 1u < pc.bins) acc[row + b + 1u] = sum.zw;
}
