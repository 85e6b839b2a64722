// renderIntoVideo: the mix (and stems and downmixes) rendered to float WAV in a work folder,
// then encoded into a copy of the picture (io::muxIntoVideo).
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "core/units.hpp"
#include "engine/deliver.hpp"
#include "engine/render_replay.hpp"
#include "engine/renderer.hpp"
#include "io/video_mux.hpp"
#include "io/writer.hpp"
#include "vkmix/error.hpp"
#include "vkmix/render.hpp"

namespace vkmix {

RenderReport renderIntoVideo(const Session& session, const RenderOptions& options,
                             const DeliveryOptions& delivery, const VideoOptions& video) {
  std::optional<io::OutputFormat> codec;
  if (video.codec == "pcm") {
    codec = io::OutputFormat::Wav24;
  } else if (video.codec == "aac") {
    codec = io::OutputFormat::Aac;
  } else if (video.codec == "eac3") {
    codec = io::OutputFormat::Eac3;
  } else if (!video.codec.empty()) {
    throw InputError("--mux-codec", "", "\"" + video.codec + "\" is not one of pcm, aac, eac3");
  }
  engine::checkOutputFolder(delivery.output);
  if (options.range)
    throw InputError("--range", "", "a range cannot be muxed into a picture (--video)");
  // The streams to add, checked against the picture and the container before the render.
  const Layout layout = engine::outputLayout(session, options);
  io::MuxSpec spec;
  spec.picture = video.picture;
  spec.output = delivery.output;
  spec.sampleRate = session.sampleRate;
  spec.skipFrames = secondsToFrames(session.pictureStartSeconds, session.sampleRate);
  spec.cancelled = options.cancelled;
  spec.audio.push_back({{}, layout, codec, "Mix " + layout.name, video.language});
  for (const std::string& name : video.downmixes) {
    const Layout* to = findLayout(name);
    if (to == nullptr)
      throw InputError("--mux-downmix", name, "unknown layout; see 'vkmix layouts'");
    spec.audio.push_back({{}, *to, codec, "Downmix " + name, video.language});
  }
  io::checkMux(spec);
  // Render every programme to float WAV in a work folder, then encode them into the picture.
  engine::ScratchFolder work(delivery.output);
  DeliveryOptions d = delivery;
  d.output = work / "mix.wav";
  d.format = "wav32f";
  d.stemsDir = video.stems ? work / "stems" : std::filesystem::path();
  d.downmixes.clear();
  for (const std::string& name : video.downmixes)
    d.downmixes.emplace_back(name, work / (name + ".wav"));
  RenderReport report = renderToFile(session, options, d);
  spec.audio[0].source = d.output;
  for (std::size_t k = 0; k < video.downmixes.size(); ++k)
    spec.audio[1 + k].source = work / (video.downmixes[k] + ".wav");
  if (video.stems) {  // after the mix, before the downmixes
    std::vector<io::MuxAudio> stems;
    for (const NamedLoudness& stem : report.stems)
      stems.push_back({stem.file, layout, codec, "Stem " + stem.name, video.language});
    spec.audio.insert(spec.audio.begin() + 1, stems.begin(), stems.end());
  }
  const io::MuxReport muxed = io::muxIntoVideo(spec);
  for (NamedLoudness& stem : report.stems) stem.file = video.stems ? delivery.output : "";
  for (NamedLoudness& down : report.downmixes) down.file = delivery.output;
  // One file now: its container and the codec of the mix's stream, as --mux-codec names it.
  std::string container = delivery.output.extension().string();
  std::transform(container.begin(), container.end(), container.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const io::OutputFormat mixCodec = muxed.audioCodecs.at(0);
  report.outputs = {{"video", "mix", delivery.output,
                     container.substr(container.empty() ? 0 : 1) + "/" +
                         (mixCodec == io::OutputFormat::Wav24 ? std::string("pcm")
                                                              : io::outputFormatName(mixCodec)),
                     layout.name, layout.numChannels()}};
  return report;
}

}  // namespace vkmix
