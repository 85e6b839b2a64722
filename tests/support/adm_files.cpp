#include "support/adm_files.hpp"

#include <cstdio>

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

namespace {

HoaMaster hoaObject(const std::string& packId, const std::vector<std::string>& channelIds) {
  HoaMaster m{adm::DocumentBuilder({"music"}).document(), {}};
  adm::Object o;
  o.id = "AO_1001";
  o.name = "scene";
  o.packRefs = {packId};
  for (std::size_t c = 0; c < channelIds.size(); ++c) {
    char uid[32];
    std::snprintf(uid, sizeof uid, "ATU_%08zu", c + 1);
    o.trackUidRefs.push_back(uid);
    m.chna.push_back(
        {static_cast<int>(c) + 1, uid, "AT_" + channelIds[c].substr(3) + "_01", packId});
  }
  m.doc.objects.push_back(o);
  m.doc.contents.at(0).objectRefs.push_back(o.id);
  return m;
}

}  // namespace

HoaMaster hoaMaster(const std::vector<std::pair<int, int>>& components, const std::string& packNorm,
                    const std::string& blockNorm) {
  std::vector<std::string> ids;
  for (std::size_t c = 0; c < components.size(); ++c) {
    char id[32];
    std::snprintf(id, sizeof id, "AC_0004%04zX", 0x1001 + c);
    ids.emplace_back(id);
  }
  HoaMaster m = hoaObject("AP_00041001", ids);
  adm::PackFormat pack{"AP_00041001", "scene", adm::TypeDefinition::HOA, ids, {}};
  pack.hoaNormalization = packNorm;
  m.doc.packs.push_back(pack);
  for (std::size_t c = 0; c < components.size(); ++c) {
    adm::BlockFormat b;
    b.id = "AB_" + ids[c].substr(3) + "_00000001";
    b.hoaOrder = components[c].first;
    b.hoaDegree = components[c].second;
    b.hoaNormalization = blockNorm;
    m.doc.channels.push_back(adm::ChannelFormat{
        ids[c], "HOA " + std::to_string(c), adm::TypeDefinition::HOA, {b}, {}, {}});
  }
  return m;
}

HoaMaster commonHoaMaster(const std::string& packId, const std::vector<std::string>& channelIds) {
  return hoaObject(packId, channelIds);
}

}  // namespace vkmix::test
