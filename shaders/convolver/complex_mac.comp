#version 450
// Partitioned convolution's frequency-domain multiply-accumulate: for every partition j of the
// batch, output and bin, Y = sum over its terms (input, IR) and partitions k of
// X_input[head + j - k] * H_IR[k], the delay line a ring of `ring` slots. The result goes into
// the inverse FFT's rows. CPU specification: src/dsp/convolver/reference.cpp.
// An invocation takes two neighbouring bins: the IR spectra are rows of (P + 2) complex values,
// whole RGBA32F texels, so one fetch brings two bins. The delay line's rows are the forward FFT's
// own, P + 1 bins (every other row starts mid-texel), so it is read a bin (RG32F) at a time.
layout(local_size_x_id = 0) in;  // kGroup

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
layout(std430, set = 0, binding = 3) writeonly buffer Acc { vec2 acc[]; };  // [j][output][bins]
layout(push_constant) uniform Push {
  uint bins;      // P + 1: complex values per FFT row (the delay line's, the inverse FFT's)
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

// 1: several outputs, each one term, on input 0 (a mono send into a per-speaker or stereo IR): an
// invocation makes four outputs' bins, and each read of the delay line serves all four.
layout(constant_id = 1) const int kShared = 0;

void main() {
  uint i = gl_GlobalInvocationID.x;
  uint j = gl_GlobalInvocationID.z;  // the partition within the batch
  uint b = 2u * i;
  if (kShared == 1) {
    uint o0 = gl_GlobalInvocationID.y * 4u;
    if (i >= pc.pairs || o0 >= pc.numOutputs) return;
    uint n = min(4u, pc.numOutputs - o0);
    uint last = pc.numOutputs - 1u;
    uvec4 ir = uvec4(outputs[o0].irs.x, outputs[min(o0 + 1u, last)].irs.x,
                     outputs[min(o0 + 2u, last)].irs.x, outputs[min(o0 + 3u, last)].irs.x) *
               (pc.partitions * pc.pairs) + uvec4(i);
    vec4 s0 = vec4(0.0), s1 = vec4(0.0), s2 = vec4(0.0), s3 = vec4(0.0);
    for (uint k = 0u; k < pc.partitions; ++k) {
      uint slot = (pc.head + j + pc.ring - k) % pc.ring;
      int x = int(slot * pc.numInputs * pc.bins + b);
      vec4 spectrum = vec4(texelFetch(fdl, x).xy, texelFetch(fdl, x + 1).xy);
      uint at = k * pc.pairs;
      s0 += cmul2(spectrum, texelFetch(irs, int(ir.x + at)));
      if (n > 1u) s1 += cmul2(spectrum, texelFetch(irs, int(ir.y + at)));
      if (n > 2u) s2 += cmul2(spectrum, texelFetch(irs, int(ir.z + at)));
      if (n > 3u) s3 += cmul2(spectrum, texelFetch(irs, int(ir.w + at)));
    }
    uint row = (j * pc.numOutputs + o0) * pc.bins + b;
    bool pair = b + 1u < pc.bins;
    acc[row] = s0.xy;
    if (pair) acc[row + 1u] = s0.zw;
    if (n > 1u) { acc[row + pc.bins] = s1.xy; if (pair) acc[row + pc.bins + 1u] = s1.zw; }
    if (n > 2u) { acc[row + 2u * pc.bins] = s2.xy; if (pair) acc[row + 2u * pc.bins + 1u] = s2.zw; }
    if (n > 3u) { acc[row + 3u * pc.bins] = s3.xy; if (pair) acc[row + 3u * pc.bins + 1u] = s3.zw; }
    return;
  }
  uint o = gl_GlobalInvocationID.y;
  if (i >= pc.pairs || o >= pc.numOutputs) return;
  Output out_ = outputs[o];
  vec4 sum = vec4(0.0);
  for (int t = 0; t < out_.count.x; ++t) {
    uint in_ = uint(out_.inputs[t]);
    uint irBase = uint(out_.irs[t]) * pc.partitions * pc.pairs;
    for (uint k = 0u; k < pc.partitions; ++k) {
      uint slot = (pc.head + j + pc.ring - k) % pc.ring;
      int x = int((slot * pc.numInputs + in_) * pc.bins + b);
      sum += cmul2(vec4(texelFetch(fdl, x).xy, texelFetch(fdl, x + 1).xy),
                   texelFetch(irs, int(irBase + k * pc.pairs + i)));
    }
  }
  uint row = (j * pc.numOutputs + o) * pc.bins;
  acc[row + b] = sum.xy;
  if (b + 1u < pc.bins) acc[row + b + 1u] = sum.zw;
}
