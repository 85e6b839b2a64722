// Voice mixing: the GPU shader equals the CPU reference (double accumulation) within 1e-5 of full
// scale on seeded noise, across fade shapes, partial clips, moving voices and more voices than one
// dispatch holds; and the reference's envelope equals the closed-form fade curves.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dsp/voices/gpu_mixer.hpp"
#include "dsp/voices/params.hpp"
#include "gpu/context.hpp"
#include "support/gpu_fixture.hpp"
#include "support/signals.hpp"
#include "vkmix/error.hpp"

namespace vkmix::dsp {
namespace {

using test::GpuFixture;

// A block of `voices` random voices at realistic levels (the mix stays within full scale).
MixBlock randomBlock(int channels, std::int64_t frames, std::size_t voices, std::uint32_t seed,
                     std::uint32_t phase) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  MixBlock b;
  b.reset(channels, frames, phase, voices);
  const float level = 0.9f / std::sqrt(static_cast<float>(voices));
  for (std::size_t v = 0; v < voices; ++v) {
    auto n = test::noise(static_cast<std::size_t>(frames),
                         seed * 1000 + static_cast<std::uint32_t>(v), level);
    std::copy(n.begin(), n.end(), b.samples.begin() + static_cast<std::ptrdiff_t>(v * b.stride));
    VoiceParams& p = b.voices[v];
    p.key = static_cast<std::uint32_t>(v);
    p.clipLength = static_cast<std::int32_t>(frames / 2 + rng() % frames);
    p.clipFrame =
        static_cast<std::int32_t>(static_cast<int>(rng() % frames) - static_cast<int>(frames / 2));
    p.fadeInFrames = static_cast<std::int32_t>(rng() % (frames / 2));
    p.fadeOutFrames = static_cast<std::int32_t>(rng() % (frames / 2));
    p.fadeInShape = static_cast<float>(rng() % 3);
    p.fadeOutShape = static_cast<float>(rng() % 3);
    p.gainLinear = 0.25f + unit(rng);
    double norm = 0.0;
    for (int c = 0; c < channels; ++c) {
      p.gains[c] = unit(rng);
      norm += p.gains[c] * p.gains[c];
    }
    for (int c = 0; c < channels; ++c)
      p.gains[c] = static_cast<float>(p.gains[c] / std::sqrt(norm));
    if (v % 3 == 1) {  // every third voice moves: its own grid with random gains
      p.moving = 1;
      p.gridOffset = static_cast<std::uint32_t>(b.grid.size() / kMaxOutputChannels);
      std::int64_t points = (phase + b.stride - 1) / kGridFrames + 2;
      for (std::int64_t k = 0; k < points * kMaxOutputChannels; ++k) b.grid.push_back(unit(rng));
    }
  }
  return b;
}

// A voice fully inside its clip with no fade may be marked plain; the GPU's fast path must then
// give exactly what the envelope path gives.
void markPlainVoices(MixBlock& b) {
  for (VoiceParams& p : b.voices) {
    bool inside = p.clipFrame >= 0 && p.clipFrame + b.stride <= p.clipLength;
    bool fading =
        p.clipFrame < p.fadeInFrames || p.clipFrame + b.stride > p.clipLength - p.fadeOutFrames;
    p.plain = inside && !fading ? 1.0f : 0.0f;
  }
}

void expectGpuMatchesReference(const gpu::Context& ctx, MixBlock& block, MixKernel kernel) {
  markPlainVoices(block);
  std::vector<float> ref(static_cast<std::size_t>(block.numChannels * block.stride));
  std::vector<float> gpu(ref.size(), -7.0f);
  referenceMix(block, ref);
  GpuMixer mixer(ctx, block.numChannels,
                 std::make_shared<MixPipelines>(ctx, block.numChannels, kernel));
  mixer.mix(block, gpu);
  // Tolerance 1e-5 of full scale (-100 dBFS): float accumulation of a few hundred terms, each
  // rounded at 2^-24 relative, stays two orders of magnitude below it.
  for (int c = 0; c < block.numChannels; ++c) {
    std::size_t where = 0;
    std::span<const float> g(&gpu[c * block.stride], static_cast<std::size_t>(block.numFrames));
    std::span<const float> r(&ref[c * block.stride], static_cast<std::size_t>(block.numFrames));
    double err = test::maxAbsDiff(g, r, &where);
    EXPECT_LE(err, 1e-5) << "channel " << c << " frame " << where << ": gpu " << g[where]
                         << " reference " << r[where];
  }
  EXPECT_GT(test::rms({ref.data(), ref.size()}), 1e-3) << "the test signal must not be silent";
}

// Both static-voice kernels (mix.comp's loop, mix_wide.comp's split sums) against the reference.
void expectGpuMatchesReference(const gpu::Context& ctx, MixBlock& block) {
  for (MixKernel kernel : {MixKernel::Narrow, MixKernel::Wide}) {
    SCOPED_TRACE(kernel == MixKernel::Wide ? "mix_wide.comp" : "mix.comp");
    expectGpuMatchesReference(ctx, block, kernel);
  }
}

TEST_F(GpuFixture, MixMatchesReferenceSmallBlock) {
  MixBlock b = randomBlock(12, 256, 24, 1, 0);
  expectGpuMatchesReference(context(), b);
}

TEST_F(GpuFixture, MixMatchesReferenceOddLengthAndGridPhase) {
  MixBlock b = randomBlock(6, 1001, 40, 2, 17);
  expectGpuMatchesReference(context(), b);
}

TEST_F(GpuFixture, MixMatchesReferenceAcrossDispatchChunks) {
  // 700 voices: two dispatches of kVoicesPerDispatch, the second accumulating onto the first.
  MixBlock b = randomBlock(16, 512, 700, 3, 5);
  expectGpuMatchesReference(context(), b);
}

// A discrete GPU's mixer copies what the host writes into device memory before the shaders read
// it (gpu::StagedBuffer); forced on this device, the mixes are the same bits as the direct ones,
// with both kernels, slots reused and grown (blocks of 24, 700 and 40 voices, the last with rows a
// slot already held), and no validation error.
TEST_F(GpuFixture, StagedUploadsMixTheSameBitsAsDirectOnes) {
  gpu::Context staged(gpu::ContextOptions{
      .device = std::to_string(context().info().index), .validation = true, .stageUploads = true});
  ASSERT_TRUE(staged.stagesUploads());
  std::vector<MixBlock> blocks;
  blocks.push_back(randomBlock(12, 256, 24, 1, 0));
  blocks.push_back(randomBlock(12, 512, 700, 3, 5));
  blocks.push_back(randomBlock(12, 1001, 40, 2, 17));
  blocks.push_back(randomBlock(12, 256, 0, 4, 0));  // no voices: zeros
  for (MixBlock& b : blocks) markPlainVoices(b);
  for (MixKernel kernel : {MixKernel::Narrow, MixKernel::Wide}) {
    SCOPED_TRACE(kernel == MixKernel::Wide ? "mix_wide.comp" : "mix.comp");
    GpuMixer direct(context(), 12, std::make_shared<MixPipelines>(context(), 12, kernel));
    GpuMixer copied(staged, 12, std::make_shared<MixPipelines>(staged, 12, kernel));
    for (int round = 0; round < 2; ++round) {
      for (std::size_t i = 0; i < blocks.size(); ++i) {
        const MixBlock& b = blocks[i];
        std::vector<float> want(static_cast<std::size_t>(12 * b.stride), -7.0f);
        std::vector<float> got(want.size(), 7.0f);
        direct.mix(b, want);
        copied.mix(b, got);
        EXPECT_TRUE(got == want) << "block " << i << ", round " << round;
        if (b.voices.empty()) {
          EXPECT_EQ(test::energy(got), 0.0);
        }
      }
    }
  }
  EXPECT_EQ(staged.validationErrorCount(), 0)
      << (staged.validationMessages().empty() ? "" : staged.validationMessages().front());
}

// mix_wide.comp sums static voices in groups by key, so a voice's share of a frame must not depend
// on the other voices of the block: a block boundary elsewhere brings other clips in. The same
// voices mixed alone and with silent voices of other keys among them give the same bits.
TEST_F(GpuFixture, WideMixGivesAFrameTheSameBitsWhateverElseIsInTheBlock) {
  const int channels = 12;
  MixBlock alone = randomBlock(channels, 512, 100, 7, 0);
  for (VoiceParams& p : alone.voices) p.moving = 0;
  markPlainVoices(alone);
  MixBlock crowded;
  crowded.reset(channels, 512, 0, 0);
  std::mt19937 rng(8);
  for (std::size_t v = 0; v < alone.voices.size(); ++v) {
    if (v % 3 == 0) {  // a silent voice with a key no voice of `alone` has
      VoiceParams silent = alone.voices[v];
      silent.key = 1000 + static_cast<std::uint32_t>(rng() % 1000);
      crowded.voices.push_back(silent);
      crowded.samples.insert(crowded.samples.end(), static_cast<std::size_t>(crowded.stride), 0.0f);
    }
    crowded.voices.push_back(alone.voices[v]);
    crowded.samples.insert(crowded.samples.end(), alone.row(v), alone.row(v) + alone.stride);
  }
  auto pipelines = std::make_shared<MixPipelines>(context(), channels, MixKernel::Wide);
  GpuMixer mixer(context(), channels, pipelines);
  std::vector<float> a(static_cast<std::size_t>(channels * alone.stride)), b(a.size());
  mixer.mix(alone, a);
  mixer.mix(crowded, b);
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(float)));
  EXPECT_GT(test::rms(a), 1e-3);
}

// A block without voices still gives its frames, all zeros, through either kernel: a mixer's
// output buffer is reused, so nothing of the block before may show.
TEST_F(GpuFixture, ABlockWithoutVoicesMixesToSilenceWithEitherKernel) {
  for (MixKernel kernel : {MixKernel::Narrow, MixKernel::Wide}) {
    GpuMixer mixer(context(), 12, std::make_shared<MixPipelines>(context(), 12, kernel));
    MixBlock loud = randomBlock(12, 4096, 40, 9, 0);
    markPlainVoices(loud);
    std::vector<float> out(12 * loud.stride);
    mixer.mix(loud, out);
    for (int k = 0; k < GpuMixer::kInFlight; ++k) mixer.mix(loud, out);  // every slot used
    ASSERT_GT(test::rms(out), 1e-3);
    MixBlock none;
    none.reset(12, 4096, 0, 0);
    for (int k = 0; k < GpuMixer::kInFlight; ++k) {
      std::fill(out.begin(), out.end(), -7.0f);
      mixer.mix(none, out);
      EXPECT_EQ(test::energy(out), 0.0) << (kernel == MixKernel::Wide ? "wide" : "narrow");
    }
  }
}

TEST_F(GpuFixture, MixerReusesBuffersAcrossGrowingBlocks) {
  GpuMixer mixer(context(), 2);
  for (std::size_t voices : {3u, 600u, 5u}) {
    MixBlock b = randomBlock(2, 300, voices, 10 + static_cast<std::uint32_t>(voices), 0);
    markPlainVoices(b);
    std::vector<float> ref(2 * b.stride), gpu(2 * b.stride);
    referenceMix(b, ref);
    mixer.mix(b, gpu);
    EXPECT_LE(test::maxAbsDiff(gpu, ref), 1e-5) << voices << " voices";
  }
}

// Mixers of one width share their pipelines: the static one is made when a block first needs it,
// the moving one only once a moving voice comes, and a mixer on shared pipelines gives the bits
// of a mixer with its own.
TEST_F(GpuFixture, MixersShareTheirPipelinesAndMakeThemOnFirstUse) {
  auto shared = std::make_shared<MixPipelines>(context(), 12);
  GpuMixer a(context(), 12, shared), b(context(), 12, shared), own(context(), 12);
  EXPECT_FALSE(shared->made(false));
  EXPECT_FALSE(shared->made(true));
  MixBlock still = randomBlock(12, 512, 30, 41, 0);
  for (VoiceParams& p : still.voices) p.moving = 0;
  markPlainVoices(still);
  std::vector<float> x(12 * still.stride), y(x.size());
  a.mix(still, x);
  EXPECT_TRUE(shared->made(false));
  EXPECT_FALSE(shared->made(true)) << "no moving voice yet";
  MixBlock moving = randomBlock(12, 512, 30, 42, 0);
  markPlainVoices(moving);
  b.mix(moving, x);
  EXPECT_TRUE(shared->made(true));
  own.mix(moving, y);
  EXPECT_EQ(x, y);
}

// kInFlight mixes in flight: each finishes in submission order with exactly the bits mix() gives
// it alone, while a block of another size and the slot reuse after it go through the same mixer.
TEST_F(GpuFixture, MixesInFlightFinishInOrderWithTheirOwnBits) {
  std::vector<MixBlock> blocks;
  for (std::uint32_t k = 0; k < 5; ++k) {
    blocks.push_back(randomBlock(12, k == 2 ? 700 : 512, 30 + 20 * k, 20 + k, 64 * k));
    markPlainVoices(blocks.back());
  }
  std::vector<std::vector<float>> alone;
  {
    GpuMixer mixer(context(), 12);
    for (const MixBlock& b : blocks) {
      alone.emplace_back(static_cast<std::size_t>(12 * b.stride));
      mixer.mix(b, alone.back());
    }
  }
  GpuMixer mixer(context(), 12);
  constexpr std::size_t kAhead = GpuMixer::kInFlight - 1;
  for (std::size_t k = 0; k < kAhead; ++k) mixer.submit(blocks[k]);
  for (std::size_t k = 0; k < blocks.size(); ++k) {
    if (k + kAhead < blocks.size()) mixer.submit(blocks[k + kAhead]);
    std::vector<float> out(static_cast<std::size_t>(12 * blocks[k].stride), -7.0f);
    mixer.finish(out);
    EXPECT_EQ(out, alone[k]) << "block " << k;
  }
  std::vector<float> out(static_cast<std::size_t>(12 * blocks[0].stride));
  EXPECT_THROW(mixer.finish(out), InternalError);  // nothing left in flight
  for (std::size_t k = 0; k < GpuMixer::kInFlight; ++k) mixer.submit(blocks[k]);
  EXPECT_THROW(mixer.submit(blocks[0]), InternalError);  // every slot busy
}  // the mixer waits for its unfinished mixes before its buffers go

// Rows written straight into the mixer's upload buffer (uploadRows), with or without their
// envelope already applied, mix to exactly the bits of a block that keeps its own rows; the CPU
// reference takes an enveloped block the same way. Growing blocks between them keep the rows.
TEST_F(GpuFixture, RowsWrittenInTheUploadBufferMixToTheSameBits) {
  GpuMixer mixer(context(), 12), plainMixer(context(), 12);
  for (std::uint32_t k = 0; k < 4; ++k) {
    MixBlock own = randomBlock(12, 500 + 300 * k, 20 + 90 * k, 60 + k, 32 * k);
    markPlainVoices(own);
    std::vector<float> expected(static_cast<std::size_t>(12 * own.stride));
    plainMixer.mix(own, expected);
    const bool enveloped = k % 2 == 1;
    MixBlock staged;
    staged.reset(12, own.numFrames, own.gridPhase, own.voices.size(), false,
                 mixer.uploadRows(own.voices.size(), own.stride));
    ASSERT_NE(staged.external, nullptr);
    staged.voices = own.voices;
    staged.grid = own.grid;
    for (std::size_t v = 0; v < own.voices.size(); ++v) {
      float* row = staged.row(v);
      std::copy_n(own.row(v), own.stride, row);
      if (enveloped)
        applyEnvelope(staged.voices[v], row, row, static_cast<std::size_t>(own.stride));
    }
    staged.enveloped = enveloped;
    std::vector<float> ref(expected.size()), refStaged(expected.size());
    referenceMix(own, ref);
    referenceMix(staged, refStaged);  // before the mixer envelopes unenveloped rows in place
    std::vector<float> got(expected.size(), -7.0f);
    mixer.mix(staged, got);
    EXPECT_EQ(got, expected) << "block " << k << (enveloped ? " (enveloped)" : "");
    EXPECT_LE(test::maxAbsDiff(refStaged, ref), 1e-6) << "block " << k;
  }
}

TEST(Envelope, FadesFollowTheirClosedForms) {
  VoiceParams v;
  v.clipLength = 1000;
  v.fadeInFrames = 100;
  v.fadeOutFrames = 200;
  v.gainLinear = 0.5f;
  const double pi = 3.14159265358979323846;
  for (float shape : {0.0f, 1.0f, 2.0f}) {
    v.fadeInShape = v.fadeOutShape = shape;
    auto curve = [&](double x) {
      return shape == 1.0f   ? std::sin(x * pi / 2)
             : shape == 2.0f ? 0.5 - 0.5 * std::cos(x * pi)
                             : x;
    };
    EXPECT_EQ(envelopeAt(v, -1), 0.0);
    EXPECT_EQ(envelopeAt(v, 1000), 0.0);
    EXPECT_DOUBLE_EQ(envelopeAt(v, 0), 0.0) << "a fade-in starts from silence";
    EXPECT_NEAR(envelopeAt(v, 50), 0.5 * curve(0.5), 1e-12);
    EXPECT_DOUBLE_EQ(envelopeAt(v, 500), 0.5);
    EXPECT_NEAR(envelopeAt(v, 899), 0.5 * curve(100.0 / 200.0), 1e-12);
    EXPECT_DOUBLE_EQ(envelopeAt(v, 999), 0.0) << "a fade-out ends in silence";
  }
}

// applyEnvelope takes the gain alone between the fades: the bits must be those of envelopeAt
// frame by frame, for blocks starting before, inside, across and past the fades, overlapping
// fades and fades longer than the clip included.
TEST(Envelope, ApplyEnvelopeIsEnvelopeAtFrameByFrame) {
  std::vector<float> in(256);
  for (std::size_t i = 0; i < in.size(); ++i)
    in[i] = (i % 3 == 0 ? -1.0f : 1.0f) * (0.1f + 0.37f * static_cast<float>(i));
  struct Case {
    std::int32_t length, fadeIn, fadeOut;
  };
  for (const Case c : {Case{1000, 100, 200}, Case{150, 100, 120}, Case{80, 200, 300},
                       Case{500, 0, 0}, Case{500, 0, 64}, Case{500, 64, 0}}) {
    for (float shape : {0.0f, 1.0f, 2.0f}) {
      for (std::int32_t from : {-300, -100, -7, 0, 1, 50, 99, 100, 101, 400, 700, 900, 999, 1200}) {
        VoiceParams v;
        v.clipLength = c.length;
        v.fadeInFrames = c.fadeIn;
        v.fadeOutFrames = c.fadeOut;
        v.gainLinear = 0.7f;
        v.fadeInShape = shape;
        v.fadeOutShape = 2.0f - shape;
        v.clipFrame = from;
        std::vector<float> out(in.size());
        applyEnvelope(v, in.data(), out.data(), in.size());
        for (std::size_t i = 0; i < in.size(); ++i) {
          const float want =
              in[i] * static_cast<float>(envelopeAt(v, from + static_cast<std::int64_t>(i)));
          ASSERT_EQ(std::bit_cast<std::uint32_t>(out[i]), std::bit_cast<std::uint32_t>(want))
              << "clip " << c.length << " fades " << c.fadeIn << "/" << c.fadeOut << " block at "
              << from << " frame " << i;
        }
      }
    }
  }
}

// A row from the fade curves computed once per fade length and shape gives each frame the bits
// envelopeAt gives it.
TEST(Envelope, ARowFromFadeCurvesIsEnvelopeAtFrameByFrame) {
  struct Case {
    std::int32_t length, fadeIn, fadeOut;
  };
  std::vector<double> in, out;
  for (const Case c : {Case{1000, 100, 200}, Case{150, 100, 120}, Case{80, 200, 300},
                       Case{500, 0, 0}, Case{500, 0, 64}, Case{500, 64, 0}}) {
    for (float shape : {0.0f, 1.0f, 2.0f}) {
      for (std::int32_t from : {-300, -100, -7, 0, 1, 50, 99, 100, 101, 400, 700, 900, 999, 1200}) {
        VoiceParams v;
        v.clipLength = c.length;
        v.fadeInFrames = c.fadeIn;
        v.fadeOutFrames = c.fadeOut;
        v.fadeInShape = shape;
        v.fadeOutShape = 2.0f - shape;
        v.clipFrame = from;
        fadeCurveTable(v.fadeInFrames, v.fadeInShape, in);
        fadeCurveTable(v.fadeOutFrames, v.fadeOutShape, out);
        const std::size_t n = 256;
        for (float gain : {0.7f, 1.0f, 0.0312f, 3.5f}) {
          v.gainLinear = gain;
          std::vector<float> row(n);
          envelopeRowFromCurves(v, in, out, row.data(), n);
          for (std::size_t i = 0; i < n; ++i) {
            const auto want =
                static_cast<float>(envelopeAt(v, from + static_cast<std::int64_t>(i)));
            ASSERT_EQ(std::bit_cast<std::uint32_t>(row[i]), std::bit_cast<std::uint32_t>(want))
                << "clip " << c.length << " fades " << c.fadeIn << "/" << c.fadeOut << " block at "
                << from << " frame " << i << " gain " << gain;
          }
        }
      }
    }
  }
}

TEST(ReferenceMix, AStaticVoiceIsScaledByItsGains) {
  MixBlock b;
  b.reset(2, 8, 0, 1);
  for (int i = 0; i < 8; ++i) b.samples[i] = static_cast<float>(i + 1);
  b.voices[0].clipLength = 100;
  b.voices[0].gains[0] = 0.6f;
  b.voices[0].gains[1] = 0.8f;
  b.voices[0].gainLinear = 0.5f;
  std::vector<float> out(2 * b.stride);
  referenceMix(b, out);
  for (int i = 0; i < 8; ++i) {
    EXPECT_FLOAT_EQ(out[i], 0.5f * 0.6f * static_cast<float>(i + 1));
    EXPECT_FLOAT_EQ(out[b.stride + i], 0.5f * 0.8f * static_cast<float>(i + 1));
  }
}

}  // namespace
}  // namespace vkmix::dsp
