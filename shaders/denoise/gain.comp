#version 450
// Spectral suppression, frame after frame (the estimators recur in time), bins in parallel: the
// noise power (learned profile, or minimum statistics steering a recursive average by a soft
// speech-presence probability), the decision-directed a-priori SNR refined by a second step (TSNR),
// the optimally-modified
// log-spectral-amplitude gain, 3-bin frequency smoothing and the floor. Mirrors ReferenceDenoiser::processFrame line for
// line. One workgroup per channel; the spectra are the forward FFT's in-place output rows.
layout(local_size_x = 256) in;
struct Bin {
  float smoothed, minimum, runningMinimum, presence, noise, cleanPower;
};
layout(std430, set = 0, binding = 0) buffer Rows { vec2 spectra[]; };            // [row][rowVec2s]
layout(std430, set = 0, binding = 1) buffer States { Bin bins[]; };              // [channel][bins]
layout(std430, set = 0, binding = 2) readonly buffer Profile { float profile[]; };  // [channel][bins]
layout(push_constant) uniform Push {
  uint numBins;
  uint framesPerChunk;
  uint rowVec2s;
  uint frameIndex;  // index of this chunk's first STFT frame
  uint minWindowFrames;
  uint learned;
  float gainFloor;
  float alphaDd;
  float smoothingWeight;
  float xiMin;
  float powerSmoothing;
  float presenceSmoothing;
  float noiseSmoothing;
  float presenceLow;
  float presenceHigh;
  float tiny;
  float maxRatio;
  float absencePrior;
} pc;

shared float gains[2049];  // bins of frames up to 4096

float expint1(float x) {  // Abramowitz & Stegun 5.1.53 / 5.1.56, as dsp::expint1
  if (x <= 1.0) {
    return -log(x) - 0.57721566 +
           x * (0.99999193 + x * (-0.24991055 + x * (0.05519968 + x * (-0.00976004 + x * 0.00107857))));
  }
  float num = x * x + 2.334733 * x + 0.250621;
  float den = x * x + 3.330657 * x + 1.681534;
  return exp(-x) / x * (num / den);
}

void main() {
  uint c = gl_WorkGroupID.x;
  uint lid = gl_LocalInvocationID.x;
  uint stateBase = c * pc.numBins;
  for (uint f = 0; f < pc.framesPerChunk; ++f) {
    uint rowBase = (c * pc.framesPerChunk + f) * pc.rowVec2s;
    uint index = pc.frameIndex + f;
    bool windowEnd = index > 0 && index % pc.minWindowFrames == 0;
    for (uint b = lid; b < pc.numBins; b += gl_WorkGroupSize.x) {
      Bin s = bins[stateBase + b];
      vec2 y = spectra[rowBase + b];
      float power = dot(y, y);
      if (pc.learned != 0) {
        s.noise = profile[stateBase + b];
        if (s.cleanPower <= pc.tiny) s.cleanPower = power;
      } else if (s.noise <= pc.tiny) {
        s.smoothed = power;
        s.minimum = power;
        s.runningMinimum = power;
        s.noise = power;
        s.cleanPower = power;
        s.presence = 0.0;
      } else {
        s.smoothed = pc.powerSmoothing * s.smoothed + (1.0 - pc.powerSmoothing) * power;
        if (windowEnd) {
          s.minimum = min(s.runningMinimum, s.smoothed);
          s.runningMinimum = s.smoothed;
        } else {
          s.minimum = min(s.minimum, s.smoothed);
          s.runningMinimum = min(s.runningMinimum, s.smoothed);
        }
        float ratio = s.smoothed / max(s.minimum, pc.tiny);
        float speech = clamp((ratio - pc.presenceLow) / (pc.presenceHigh - pc.presenceLow), 0.0, 1.0);
        s.presence = pc.presenceSmoothing * s.presence + (1.0 - pc.presenceSmoothing) * speech;
        float alpha = pc.noiseSmoothing + (1.0 - pc.noiseSmoothing) * s.presence;
        s.noise = alpha * s.noise + (1.0 - alpha) * power;
      }
      float noise = max(s.noise, pc.tiny);
      float gamma = min(power / noise, pc.maxRatio);
      float xiDd = clamp(pc.alphaDd * s.cleanPower / noise + (1.0 - pc.alphaDd) * max(gamma - 1.0, 0.0),
                         pc.xiMin, pc.maxRatio);
      float g1 = xiDd / (1.0 + xiDd);
      float xi = clamp(g1 * g1 * gamma, pc.xiMin, pc.maxRatio);
      float v = max(xi * gamma / (1.0 + xi), 1e-8);
      float lsa = min(xi / (1.0 + xi) * exp(0.5 * expint1(v)), 1.0);
      float q = pc.absencePrior;
      float presence = 1.0 / (1.0 + q / (1.0 - q) * (1.0 + xi) * exp(-v));
      gains[b] = pow(lsa, presence) * pow(pc.gainFloor, 1.0 - presence);
      bins[stateBase + b] = s;
    }
    barrier();
    for (uint b = lid; b < pc.numBins; b += gl_WorkGroupSize.x) {
      float below = gains[b == 0 ? 1 : b - 1];
      float above = gains[b + 1 == pc.numBins ? pc.numBins - 2 : b + 1];
      float blended = (1.0 - pc.smoothingWeight) * gains[b] +
                     pc.smoothingWeight * (0.25 * below + 0.5 * gains[b] + 0.25 * above);
      float g = max(blended, pc.gainFloor);
      vec2 y = spectra[rowBase + b];
      bins[stateBase + b].cleanPower = g * g * dot(y, y);
      spectra[rowBase + b] = y * g;
    }
    barrier();
  }
}
