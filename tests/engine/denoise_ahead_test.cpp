// Denoised tracks run ahead on the decode workers when the backend's tracks may run at once (the
// CPU backends): each track's chunks are the same whichever thread runs them, so the render is
// the same bytes for any worker count and block size.
#include <gtest/gtest.h>

#include "support/signals.hpp"
#include "support/test_media.hpp"
#include "vkmix/render.hpp"

namespace vkmix {
namespace {

TEST(DenoiseAhead, SameBytesForAnyWorkerCountAndBlockOnTheCpuBackends) {
  test::ScratchDir dir;
  // Two dialogue tracks of noise-like programme, one stereo bed, starting at different times.
  test::writeFloatWav(dir / "a.wav", {test::noise(72000, 1, 0.3f)}, 48000);
  test::writeFloatWav(dir / "b.wav", {test::noise(60000, 2, 0.2f)}, 48000);
  test::writeFloatWav(dir / "c.wav", {test::noise(50000, 3, 0.2f), test::noise(50000, 4, 0.2f)},
                      48000);
  const Session s = parseSession(
      R"({"vkmix": 1, "layout": "5.1", "tracks": [
        {"name": "a", "stem": "dialogue", "position": {"azimuth": 0}, "denoise": {"reductionDb": 12},
         "clips": [{"file": "a.wav", "start": 0.2}]},
        {"name": "b", "stem": "dialogue", "position": {"azimuth": 30}, "denoise": {"reductionDb": 18},
         "clips": [{"file": "b.wav", "start": 0.0}, {"file": "b.wav", "start": 1.5, "length": 0.5}]},
        {"name": "c", "stem": "effects", "type": "bed", "bed": "2.0", "denoise": {"reductionDb": 6},
         "clips": [{"file": "c.wav", "start": 0.7}]}]})",
      dir / "s.json");
  for (const std::string device : {"cpu", "reference"}) {
    RenderOptions options;
    options.device = device;
    options.decodeThreads = 0;
    options.blockFrames = 4096;
    const RenderedAudio base = renderToMemory(s, options);
    ASSERT_EQ(base.channels.size(), 6u);
    EXPECT_GT(test::energy(base.channels[2]), 0.0) << device;
    for (const int workers : {1, 3}) {
      options.decodeThreads = workers;
      options.blockFrames = workers == 1 ? 333 : 8192;
      const RenderedAudio r = renderToMemory(s, options);
      for (std::size_t c = 0; c < base.channels.size(); ++c)
        EXPECT_EQ(r.channels[c], base.channels[c])
            << device << ", " << workers << " workers, block " << options.blockFrames
            << ", channel " << c;
    }
  }
}

}  // namespace
}  // namespace vkmix
