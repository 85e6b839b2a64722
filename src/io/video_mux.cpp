#include "io/video_mux.hpp"

#include <algorithm>
#include <deque>

#include "core/assert.hpp"
#include "core/files.hpp"
#include "io/atomic_file.hpp"
#include "io/audio_encoder.hpp"
#include "io/decoder.hpp"
#include "io/ffmpeg_util.hpp"
#include "vkmix/error.hpp"

namespace vkmix::io {
namespace {

constexpr std::int64_t kDecodeFrames = 8192;

struct OutputContext {
  AVFormatContext* ctx = nullptr;
  ~OutputContext() {
    if (ctx != nullptr) {
      if (ctx->pb != nullptr) avio_closep(&ctx->pb);
      avformat_free_context(ctx);
    }
  }
};

// One new audio stream: its rendered source, its encoder, and packets waiting to be written.
struct AudioTrack {
  std::unique_ptr<StreamDecoder> decoder;
  std::unique_ptr<AudioEncoder> encoder;
  AVStream* stream = nullptr;
  std::deque<Packet> queue;       // encoded, in the stream's time base, not yet written
  std::int64_t encodedUntil = 0;  // frames fed to the encoder
  bool done = false;
  std::vector<std::vector<float>> buffer;
  std::vector<float> planar;
};

// The picture, opened with its streams read; InputError when it is not a picture.
FormatInput openPicture(const std::string& picture) {
  try {
    requireRegularFile(picture);
  } catch (const InputError& e) {
    throw InputError(picture, "--video", "cannot open: " + e.problem());
  }
  AVFormatContext* rawIn = nullptr;
  int rc = avformat_open_input(&rawIn, picture.c_str(), nullptr, nullptr);
  if (rc < 0) throw InputError(picture, "--video", "cannot open: " + ffmpegError(rc));
  FormatInput in(rawIn);
  rc = avformat_find_stream_info(in.get(), nullptr);
  if (rc < 0) throw InputError(picture, "--video", "cannot read its streams: " + ffmpegError(rc));
  bool hasVideo = false;
  for (unsigned i = 0; i < in->nb_streams; ++i)
    hasVideo = hasVideo || in->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO;
  if (!hasVideo) throw InputError(picture, "--video", "has no video stream");
  return in;
}

// The output container for the output's name; InputError unless it carries picture and sound.
void openOutput(const std::string& output, OutputContext& out) {
  const int rc = avformat_alloc_output_context2(&out.ctx, nullptr, nullptr, output.c_str());
  const std::string muxer = out.ctx != nullptr ? out.ctx->oformat->name : "";
  if (rc < 0 || out.ctx == nullptr ||
      !(muxer == "mp4" || muxer == "ipod" || muxer == "mov" || muxer == "matroska" ||
        muxer == "webm")) {
    throw InputError(output, "-o", "a picture output must be .mov, .mp4, .m4v or .mkv");
  }
  // Matroska's segment UID and date would make every render's bytes differ.
  if (muxer == "matroska" || muxer == "webm") out.ctx->flags |= AVFMT_FLAG_BITEXACT;
}

// The codec of a new audio stream in this container; InputError when the container cannot carry it.
OutputFormat codecFor(const MuxAudio& a, const AVFormatContext* out, const std::string& output) {
  const std::string muxer = out->oformat->name;
  const bool mp4 = muxer == "mp4" || muxer == "ipod";
  const OutputFormat codec = a.codec.value_or(
      mp4 && a.layout.numChannels() <= 6 ? OutputFormat::Eac3 : OutputFormat::Wav24);
  if (mp4 && codec == OutputFormat::Wav24) {
    throw InputError(
        output, "--mux-codec",
        "MP4 holds no PCM and its codecs stop at 5.1; " + a.layout.name + " needs .mov or .mkv");
  }
  if (codec != OutputFormat::Wav24 && codec != OutputFormat::Aac && codec != OutputFormat::Eac3)
    throw InputError(output, "--mux-codec", "muxed audio is pcm, aac or eac3");
  return codec;
}

}  // namespace

void checkMux(const MuxSpec& spec) {
  configureFfmpeg();
  openPicture(spec.picture.string());
  OutputContext out;
  openOutput(spec.output.string(), out);
  for (const MuxAudio& a : spec.audio) {
    const OutputFormat codec = codecFor(a, out.ctx, spec.output.string());
    AudioEncoder(spec.output.string(), a.layout, spec.sampleRate, codec, true);  // limits
  }
}

MuxReport muxIntoVideo(const MuxSpec& spec) {
  configureFfmpeg();
  const std::string picture = spec.picture.string();
  const std::string output = spec.output.string();
  FormatInput in = openPicture(picture);
  AtomicFile temp(spec.output);
  OutputContext out;
  openOutput(output, out);
  int rc = 0;

  // The picture's streams, copied as they are. Their default flags yield to the new mix.
  MuxReport report;
  std::vector<int> streamMap(in->nb_streams, -1);
  for (unsigned i = 0; i < in->nb_streams; ++i) {
    const AVStream* s = in->streams[i];
    const AVMediaType type = s->codecpar->codec_type;
    if (type != AVMEDIA_TYPE_VIDEO && type != AVMEDIA_TYPE_AUDIO && type != AVMEDIA_TYPE_SUBTITLE)
      continue;
    if (avformat_query_codec(out.ctx->oformat, s->codecpar->codec_id, FF_COMPLIANCE_NORMAL) != 1)
      continue;
    AVStream* o = avformat_new_stream(out.ctx, nullptr);
    VKMIX_ASSERT(o != nullptr, "FFmpeg allocation failed");
    rc = avcodec_parameters_copy(o->codecpar, s->codecpar);
    if (rc < 0) throw IoError(output + ": copying stream parameters: " + ffmpegError(rc));
    o->codecpar->codec_tag = 0;  // let the output container choose its own tag
    o->time_base = s->time_base;
    o->avg_frame_rate = s->avg_frame_rate;
    o->r_frame_rate = s->r_frame_rate;
    o->sample_aspect_ratio = s->sample_aspect_ratio;
    av_dict_copy(&o->metadata, s->metadata, 0);
    o->disposition = s->disposition & ~(type == AVMEDIA_TYPE_AUDIO ? AV_DISPOSITION_DEFAULT : 0);
    streamMap[i] = o->index;
    ++report.copiedStreams;
  }

  const bool globalHeader = (out.ctx->oformat->flags & AVFMT_GLOBALHEADER) != 0;
  std::vector<AudioTrack> tracks(spec.audio.size());
  for (std::size_t t = 0; t < spec.audio.size(); ++t) {
    const MuxAudio& a = spec.audio[t];
    const OutputFormat codec = codecFor(a, out.ctx, output);
    report.audioCodecs.push_back(codec);
    AudioTrack& track = tracks[t];
    track.encoder =
        std::make_unique<AudioEncoder>(output, a.layout, spec.sampleRate, codec, globalHeader);
    track.stream = avformat_new_stream(out.ctx, nullptr);
    VKMIX_ASSERT(track.stream != nullptr, "FFmpeg allocation failed");
    track.encoder->describe(track.stream);
    if (!a.title.empty()) {
      av_dict_set(&track.stream->metadata, "title", a.title.c_str(), 0);
      av_dict_set(&track.stream->metadata, "handler_name", a.title.c_str(), 0);  // MOV, MP4
    }
    if (!a.language.empty())
      av_dict_set(&track.stream->metadata, "language", a.language.c_str(), 0);
    track.stream->disposition = t == 0 ? AV_DISPOSITION_DEFAULT : 0;
    track.decoder = std::make_unique<StreamDecoder>(a.source, spec.sampleRate, std::vector<int>{},
                                                    spec.skipFrames);
    track.buffer.resize(static_cast<std::size_t>(track.decoder->numChannels()));
  }
  report.audioStreams = static_cast<int>(tracks.size());

  rc = avio_open(&out.ctx->pb, temp.tempPath().c_str(), AVIO_FLAG_WRITE);
  if (rc < 0) throw InputError(output, "", "cannot create the output file: " + ffmpegError(rc));
  rc = avformat_write_header(out.ctx, nullptr);
  if (rc < 0) throw IoError(output + ": cannot write the header: " + ffmpegError(rc));

  // The audio starts with the picture: at the picture's start time, in each stream's time base.
  const std::int64_t pictureStart = in->start_time == AV_NOPTS_VALUE ? 0 : in->start_time;
  auto write = [&](AVPacket* p) {
    rc = av_interleaved_write_frame(out.ctx, p);
    if (rc < 0) throw IoError(output + ": write failed: " + ffmpegError(rc));
  };
  // Encodes more of a track; false once it has ended and drained.
  auto pump = [&](AudioTrack& track) {
    if (track.done) return false;
    for (auto& ch : track.buffer) ch.clear();
    const std::int64_t got = track.decoder->decode(track.buffer, kDecodeFrames);
    const AVRational tb = track.encoder->timeBase();
    const std::int64_t offset = av_rescale_q(pictureStart, AVRational{1, AV_TIME_BASE}, tb);
    auto sink = [&](AVPacket* p) {
      Packet copy(av_packet_clone(p));
      VKMIX_ASSERT(copy != nullptr, "FFmpeg allocation failed");
      if (copy->pts != AV_NOPTS_VALUE) copy->pts += offset;
      if (copy->dts != AV_NOPTS_VALUE) copy->dts += offset;
      av_packet_rescale_ts(copy.get(), tb, track.stream->time_base);
      copy->stream_index = track.stream->index;
      track.queue.push_back(std::move(copy));
    };
    if (got == 0) {
      track.encoder->flush(sink);
      track.done = true;
    } else {
      const std::size_t channels = track.buffer.size();
      track.planar.resize(channels * static_cast<std::size_t>(got));
      for (std::size_t c = 0; c < channels; ++c)
        std::copy(
            track.buffer[c].begin(), track.buffer[c].end(),
            track.planar.begin() + static_cast<std::ptrdiff_t>(c * static_cast<std::size_t>(got)));
      track.encoder->write(track.planar, got, got, sink);
      track.encodedUntil += got;
    }
    return true;
  };
  // Writes every queued audio packet before `untilSeconds` (all of them when it is unset).
  auto drainAudio = [&](std::optional<double> untilSeconds) {
    for (AudioTrack& track : tracks) {
      while (true) {
        while (track.queue.empty() && pump(track)) {
        }
        if (track.queue.empty()) break;
        AVPacket* p = track.queue.front().get();
        const double t = static_cast<double>(p->dts) * av_q2d(track.stream->time_base);
        if (untilSeconds && t > *untilSeconds) break;
        write(p);
        track.queue.pop_front();
      }
    }
  };

  Packet packet(av_packet_alloc());
  while ((rc = av_read_frame(in.get(), packet.get())) >= 0) {
    if (spec.cancelled && spec.cancelled()) throw Interrupted("mux interrupted");
    const int target = streamMap[static_cast<std::size_t>(packet->stream_index)];
    if (target < 0) {
      av_packet_unref(packet.get());
      continue;
    }
    const AVStream* s = in->streams[packet->stream_index];
    if (packet->dts != AV_NOPTS_VALUE)
      drainAudio(static_cast<double>(packet->dts) * av_q2d(s->time_base));
    av_packet_rescale_ts(packet.get(), s->time_base, out.ctx->streams[target]->time_base);
    packet->stream_index = target;
    packet->pos = -1;
    write(packet.get());  // takes the packet's reference
  }
  if (rc != AVERROR_EOF) throw InputError(picture, "--video", "read failed: " + ffmpegError(rc));
  drainAudio(std::nullopt);
  rc = av_write_trailer(out.ctx);
  if (rc < 0) throw IoError(output + ": cannot finish the file: " + ffmpegError(rc));
  rc = avio_closep(&out.ctx->pb);
  if (rc < 0) throw IoError(output + ": cannot close the file (disk full?): " + ffmpegError(rc));
  temp.commit();
  return report;
}

}  // namespace vkmix::io
