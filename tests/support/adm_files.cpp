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

MatrixMaster loRoMatrixMaster(double centre, double surround) {
  MatrixMaster m{adm::DocumentBuilder({"music"}).document(), {}};
  adm::Object o;
  o.id = "AO_1001";
  o.name = "LoRo";
  o.packRefs = {"AP_00021001"};
  for (int c = 1; c <= 6; ++c) {
    const std::string uid = "ATU_0000000" + std::to_string(c);
    o.trackUidRefs.push_back(uid);
    m.chna.push_back({c, uid, "AT_0001000" + std::to_string(c) + "_01", "AP_00021001"});
  }
  m.doc.objects.push_back(o);
  m.doc.contents.at(0).objectRefs.push_back(o.id);
  adm::PackFormat pack{
      "AP_00021001", "LoRo", adm::TypeDefinition::Matrix, {"AC_00021001", "AC_00021002"}, {}};
  pack.inputPackRef = "AP_00010003";
  pack.outputPackRef = "AP_00010002";
  m.doc.packs.push_back(pack);
  // Lo from L (AC_00010001), C (..03) and Ls (..05); Ro from R (..02), C and Rs (..06).
  const char* names[] = {"Lo", "Ro"};
  for (int side = 0; side < 2; ++side) {
    const std::string n = std::to_string(side + 1);
    adm::BlockFormat b;
    b.id = "AB_0002100" + n + "_00000001";
    b.outputChannelRef = "AC_0001000" + n;
    b.matrix = {{"AC_0001000" + n, 1.0},
                {"AC_00010003", centre},
                {"AC_0001000" + std::to_string(side + 5), surround}};
    m.doc.channels.push_back(adm::ChannelFormat{
        "AC_0002100" + n, names[side], adm::TypeDefinition::Matrix, {b}, {}, {}});
  }
  return m;
}

}  // namespace vkmix::test
