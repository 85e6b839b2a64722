#version 450
// Hum notches (dsp/denoise/params.hpp humNotches): one biquad section of the cascade per channel,
// run in double precision (the poles sit within 1.3e-4 of the unit circle, where float recursion
// loses about four digits). Filters this chunk's new input in place (the samples between
// sections are stored as float: a rounding at -150 dB the notches do not amplify). Invocation:
// channel.
#extension GL_ARB_gpu_shader_fp64 : require
layout(local_size_x = 1) in;
layout(std430, set = 0, binding = 0) buffer Input { float samples[]; };           // [channel][rowFloats]
layout(std430, set = 0, binding = 1) readonly buffer Coeffs { double coeffs[]; };  // [section][5]
layout(std430, set = 0, binding = 2) buffer State { double state[]; };             // [channel][section][4]
layout(push_constant) uniform Push {
  uint rowFloats;  // floats per channel row of Input
  uint offset;     // where this chunk's new frames start in a row
  uint frames;
  uint sections;
  uint channels;
  uint section;    // the section this dispatch runs
} pc;

// One dispatch per section, with a barrier between (a loop over sections inside one invocation
// read stale samples on lavapipe; separate dispatches order them by the API's rules).
void main() {
  uint c = gl_GlobalInvocationID.x;
  if (c >= pc.channels) return;
  uint base = c * pc.rowFloats + pc.offset;
  uint s = pc.section;
  uint k = (c * pc.sections + s) * 4;
  double b0 = coeffs[s * 5], b1 = coeffs[s * 5 + 1], b2 = coeffs[s * 5 + 2];
  double a1 = coeffs[s * 5 + 3], a2 = coeffs[s * 5 + 4];
  double x1 = state[k], x2 = state[k + 1], y1 = state[k + 2], y2 = state[k + 3];
  for (uint i = 0; i < pc.frames; ++i) {
    double x = double(samples[base + i]);
    double y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    samples[base + i] = float(y);
  }
  state[k] = x1;
  state[k + 1] = x2;
  state[k + 2] = y1;
  state[k + 3] = y2;
}
