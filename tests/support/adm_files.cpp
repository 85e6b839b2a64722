#include "support/adm_files.hpp"

#include <stdexcept>

namespace vkmix::test {

void writeAdmFile(const std::filesystem::path& path, const adm::DocumentBuilder& adm,
                  const std::vector<std::vector<float>>& channels, int sampleRate) {
  if (channels.size() != adm.chna().size())
    throw std::invalid_argument("writeAdmFile: one channel per chna row");
  wave::Bw64Writer w(path, static_cast<int>(channels.size()), sampleRate, wave::Bw64Sample::Float32,
                     adm.chna());
  const std::size_t frames = channels.front().size();
  std::vector<float> interleaved(frames * channels.size());
  for (std::size_t i = 0; i < frames; ++i) {
    for (std::size_t c = 0; c < channels.size(); ++c)
      interleaved[i * channels.size() + c] = channels[c][i];
  }
  w.write(interleaved);
  w.finish(adm::writeAdm(adm.document()));
}

adm::BlockFormat polarBlock(double azimuth, double elevation, double rtime, double duration) {
  adm::BlockFormat b;
  b.azimuth = azimuth;
  b.elevation = elevation;
  b.rtime = rtime;
  b.duration = duration;
  return b;
}

}  // namespace vkmix::test
