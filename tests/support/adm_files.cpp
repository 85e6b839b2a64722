#include "support/adm_files.hpp"

#include <fstream>
#include <stdexcept>

#include "support/test_media.hpp"

namespace vkmix::test {

void writeAdmFile(const std::filesystem::path& path, const adm::DocumentBuilder& adm,
                  const std::vector<std::vector<float>>& channels, int sampleRate) {
  if (channels.size() != adm.chna().size())
    throw std::invalid_argument("writeAdmFile: one channel per chna row");
  writeAdmFile(path, adm.document(), adm.chna(), channels, sampleRate);
}

void writeAdmFile(const std::filesystem::path& path, const adm::Document& doc,
                  const std::vector<wave::ChnaEntry>& chna,
                  const std::vector<std::vector<float>>& channels, int sampleRate) {
  wave::Bw64Writer w(path, static_cast<int>(channels.size()), sampleRate, wave::Bw64Sample::Float32,
                     chna);
  const std::size_t frames = channels.front().size();
  std::vector<float> interleaved(frames * channels.size());
  for (std::size_t i = 0; i < frames; ++i) {
    for (std::size_t c = 0; c < channels.size(); ++c)
      interleaved[i * channels.size() + c] = channels[c][i];
  }
  w.write(interleaved);
  w.finish(adm::writeAdm(doc));
}

adm::BlockFormat polarBlock(double azimuth, double elevation, double rtime, double duration) {
  adm::BlockFormat b;
  b.azimuth = azimuth;
  b.elevation = elevation;
  b.rtime = rtime;
  b.duration = duration;
  return b;
}

bool haveXmllint() { return runCommand("xmllint --version") == 0; }

int xmllint(const std::filesystem::path& file, std::string* output) {
  return runCommand("xmllint --noout '" + file.string() + "'", output);
}

void extractAxml(const std::filesystem::path& wav, const std::filesystem::path& xmlFile) {
  const wave::Bw64Info info = wave::readBw64(wav);
  if (!info.hasAxml) throw std::invalid_argument(wav.string() + " has no axml chunk");
  writeText(xmlFile, info.axml);
}

}  // namespace vkmix::test
