#include "io/decoder.hpp"

#include <algorithm>
#include <cmath>

#include "core/assert.hpp"
#include "io/ffmpeg_util.hpp"
#include "vkmix/error.hpp"

namespace vkmix::io {
namespace {

struct OpenStream {
  FormatInput format;
  CodecContext codec;
  int streamIndex = -1;
};

OpenStream openAudio(const std::filesystem::path& path) {
  quietFfmpegLogs();
  const std::string file = path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError(file, "", "no such file");
  AVFormatContext* raw = nullptr;
  int rc = avformat_open_input(&raw, file.c_str(), nullptr, nullptr);
  if (rc < 0) throw InputError(file, "", "cannot open as media: " + ffmpegError(rc));
  OpenStream s;
  s.format.reset(raw);
  rc = avformat_find_stream_info(s.format.get(), nullptr);
  if (rc < 0) throw InputError(file, "", "cannot read stream info: " + ffmpegError(rc));
  const AVCodec* decoder = nullptr;
  s.streamIndex = av_find_best_stream(s.format.get(), AVMEDIA_TYPE_AUDIO, -1, -1, &decoder, 0);
  if (s.streamIndex < 0 || decoder == nullptr) throw InputError(file, "", "has no audio stream");
  s.codec.reset(avcodec_alloc_context3(decoder));
  VKMIX_ASSERT(s.codec != nullptr, "avcodec_alloc_context3 failed");
  rc = avcodec_parameters_to_context(s.codec.get(), s.format->streams[s.streamIndex]->codecpar);
  if (rc < 0) throw InputError(file, "", "bad codec parameters: " + ffmpegError(rc));
  rc = avcodec_open2(s.codec.get(), decoder, nullptr);
  if (rc < 0) throw InputError(file, "", "cannot open decoder: " + ffmpegError(rc));
  if (s.codec->ch_layout.nb_channels <= 0 || s.codec->sample_rate <= 0) {
    throw InputError(file, "", "audio stream has no channels or no sample rate");
  }
  return s;
}

}  // namespace

MediaInfo probeAudio(const std::filesystem::path& path) {
  OpenStream s = openAudio(path);
  MediaInfo info;
  info.numChannels = s.codec->ch_layout.nb_channels;
  info.sampleRate = s.codec->sample_rate;
  info.codec = s.codec->codec->name;
  const AVStream* st = s.format->streams[s.streamIndex];
  if (st->duration != AV_NOPTS_VALUE) {
    info.durationSeconds = static_cast<double>(st->duration) * av_q2d(st->time_base);
  } else if (s.format->duration != AV_NOPTS_VALUE) {
    info.durationSeconds = static_cast<double>(s.format->duration) / AV_TIME_BASE;
  }
  return info;
}

DecodedAudio decodeAudio(const std::filesystem::path& path, int sampleRate,
                         std::int64_t offsetFrames, std::optional<std::int64_t> maxFrames,
                         const std::vector<int>& keepChannels) {
  const std::string file = path.string();
  OpenStream s = openAudio(path);
  const int inChannels = s.codec->ch_layout.nb_channels;
  for (int ch : keepChannels) {
    if (ch < 0 || ch >= inChannels) {
      throw InputError(file, "",
                       "has " + std::to_string(inChannels) + " channel(s); channel " +
                           std::to_string(ch) + " does not exist");
    }
  }
  std::vector<int> keep = keepChannels;
  if (keep.empty()) {
    for (int c = 0; c < inChannels; ++c) keep.push_back(c);
  }

  // Resample to planar float at the session rate; channels pass through unmixed (the input
  // layout is copied to the output, so swr never remixes).
  SwrContext* swrRaw = nullptr;
  int rc = swr_alloc_set_opts2(&swrRaw, &s.codec->ch_layout, AV_SAMPLE_FMT_FLTP, sampleRate,
                               &s.codec->ch_layout, s.codec->sample_fmt, s.codec->sample_rate, 0,
                               nullptr);
  Resampler swr(swrRaw);
  if (rc < 0 || swr_init(swr.get()) < 0) {
    throw InputError(file, "",
                     "cannot resample from " + std::to_string(s.codec->sample_rate) + " Hz to " +
                         std::to_string(sampleRate) + " Hz");
  }

  DecodedAudio out;
  out.sampleRate = sampleRate;
  if (s.codec->ch_layout.order == AV_CHANNEL_ORDER_NATIVE && keepChannels.empty()) {
    out.channelMask = s.codec->ch_layout.u.mask;
  }
  out.channels.resize(keep.size());
  std::int64_t skipped = 0;  // resampled frames dropped before offsetFrames
  bool full = false;
  std::vector<std::vector<float>> scratch(inChannels);
  std::vector<std::uint8_t*> planes(inChannels);

  auto append = [&](const std::uint8_t** inData, int inFrames) {
    int cap = swr_get_out_samples(swr.get(), inFrames);
    if (cap <= 0) return;
    for (int c = 0; c < inChannels; ++c) {
      scratch[c].resize(cap);
      planes[c] = reinterpret_cast<std::uint8_t*>(scratch[c].data());
    }
    int got = swr_convert(swr.get(), planes.data(), cap, inData, inFrames);
    if (got < 0) throw InputError(file, "", "resampling failed: " + ffmpegError(got));
    int begin = 0;
    if (skipped < offsetFrames) {
      auto drop = std::min<std::int64_t>(offsetFrames - skipped, got);
      skipped += drop;
      begin = static_cast<int>(drop);
    }
    int end = got;
    if (maxFrames) {
      std::int64_t room = *maxFrames - out.numFrames();
      end = static_cast<int>(std::min<std::int64_t>(end, begin + std::max<std::int64_t>(room, 0)));
      if (out.numFrames() + (end - begin) >= *maxFrames) full = true;
    }
    for (std::size_t k = 0; k < keep.size(); ++k) {
      const float* src = scratch[keep[k]].data();
      for (int i = begin; i < end; ++i) {
        if (!std::isfinite(src[i])) {
          throw InputError(file, "",
                           "contains NaN or infinite samples near " +
                               std::to_string(static_cast<double>(out.numFrames()) / sampleRate) +
                               " s");
        }
      }
      out.channels[k].insert(out.channels[k].end(), src + begin, src + end);
    }
  };

  Packet packet(av_packet_alloc());
  Frame frame(av_frame_alloc());
  auto drainDecoder = [&]() {
    while (!full) {
      int r = avcodec_receive_frame(s.codec.get(), frame.get());
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
      if (r < 0) throw InputError(file, "", "decoding failed: " + ffmpegError(r));
      append(const_cast<const std::uint8_t**>(frame->extended_data), frame->nb_samples);
      av_frame_unref(frame.get());
    }
  };
  while (!full) {
    rc = av_read_frame(s.format.get(), packet.get());
    if (rc == AVERROR_EOF) break;
    if (rc < 0) throw InputError(file, "", "read failed: " + ffmpegError(rc));
    if (packet->stream_index == s.streamIndex) {
      rc = avcodec_send_packet(s.codec.get(), packet.get());
      av_packet_unref(packet.get());
      if (rc < 0 && rc != AVERROR(EAGAIN)) {
        throw InputError(file, "", "corrupt audio data: " + ffmpegError(rc));
      }
      drainDecoder();
    } else {
      av_packet_unref(packet.get());
    }
  }
  if (!full) {
    avcodec_send_packet(s.codec.get(), nullptr);
    drainDecoder();
    append(nullptr, 0);  // flush the resampler's delay line
  }
  return out;
}

}  // namespace vkmix::io
