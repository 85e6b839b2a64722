#version 450
// A mix's sample row from a denoised track's ring of output frames on the device (GpuDenoisedRows):
// row frame i is ring frame (first + i) mod ringFrames times the voice's gain over [from, to) and
// zero elsewhere, what the host gave a row it read from the denoised signal (the plain product of
// a voice without fades: readScaled and applyEnvelope round it alike). Invocation i.
layout(local_size_x = 64) in;
layout(std430, set = 0, binding = 0) readonly buffer Ring { float ring[]; };  // [track channel][ringFrames]
layout(std430, set = 0, binding = 1) writeonly buffer Rows { float rows[]; };  // the mix's rows
layout(push_constant) uniform Push {
  uint ringBase;    // the channel's first float in the ring
  uint ringFrames;
  uint first;       // ring frame at row frame 0, < ringFrames
  uint rowBase;     // the row's first float
  uint from;
  uint to;
  uint stride;      // the row's floats
  float gain;
} pc;

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= pc.stride) return;
  float x = 0.0;
  if (i >= pc.from && i < pc.to) x = ring[pc.ringBase + (pc.first + i) % pc.ringFrames] * pc.gain;
  rows[pc.rowBase + i] = x;
}
