#include "io/decoder.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

#include "core/assert.hpp"
#include "core/files.hpp"
#include "io/ffmpeg_util.hpp"
#include "io/pcm_wave.hpp"
#include "vkmix/error.hpp"

namespace vkmix::io {
namespace {

struct OpenStream {
  FormatInput format;
  CodecContext codec;
  int streamIndex = -1;
};

OpenStream openAudio(const std::filesystem::path& path) {
  configureFfmpeg();
  const std::string file = path.string();
  requireRegularFile(path);
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
  // A corrupt header can claim any rate; resampling from gigahertz would exhaust memory (found
  // by tests/fuzz/media_fuzzer). Real media stays within 1 kHz..768 kHz and 128 channels (ADM
  // masters).
  if (s.codec->sample_rate < 1000 || s.codec->sample_rate > 768000) {
    throw InputError(file, "",
                     "claims a sample rate of " + std::to_string(s.codec->sample_rate) +
                         " Hz; the file is corrupt or not audio vkmix reads");
  }
  if (s.codec->ch_layout.nb_channels > 128) {
    throw InputError(file, "",
                     "claims " + std::to_string(s.codec->ch_layout.nb_channels) +
                         " channels; vkmix reads at most 128");
  }
  return s;
}

}  // namespace

MediaInfo probeAudio(const std::filesystem::path& path) {
  if (auto pcm = PcmWaveReader::open(path)) {
    const wave::Bw64Info& w = pcm->info();
    MediaInfo info;
    info.numChannels = w.numChannels;
    info.sampleRate = w.sampleRate;
    info.codec =
        std::string(w.isFloat ? "pcm_f" : "pcm_s") + std::to_string(w.bitsPerSample) + "le";
    if (w.bitsPerSample == 8) info.codec = "pcm_u8";
    info.exactFrames = static_cast<std::int64_t>(w.numFrames);
    // A WAV written to a pipe never gets its size filled in: 0xFFFFFFFF (or 0x7FFFFFFF) stands
    // for "unknown", not for a promise the file broke.
    const bool placeholder =
        w.declaredDataBytes == 0xFFFFFFFFu || w.declaredDataBytes == 0x7FFFFFFFu;
    info.promisedFrames =
        placeholder ? info.exactFrames
                    : static_cast<std::int64_t>(
                          w.declaredDataBytes /
                          static_cast<std::uint64_t>(w.numChannels * (w.bitsPerSample / 8)));
    info.durationSeconds = static_cast<double>(w.numFrames) / w.sampleRate;
    return info;
  }
  OpenStream s = openAudio(path);
  MediaInfo info;
  info.numChannels = s.codec->ch_layout.nb_channels;
  info.sampleRate = s.codec->sample_rate;
  info.codec = s.codec->codec->name;
  const AVStream* st = s.format->streams[s.streamIndex];
  // PCM frames are exactly the data size over the frame size.
  const int bytes = av_get_bits_per_sample(st->codecpar->codec_id) / 8;
  if (bytes > 0 && st->duration != AV_NOPTS_VALUE && st->time_base.num == 1 &&
      st->time_base.den == info.sampleRate) {
    info.exactFrames = st->duration;
  }
  if (st->duration != AV_NOPTS_VALUE) {
    info.durationSeconds = static_cast<double>(st->duration) * av_q2d(st->time_base);
  } else if (s.format->duration != AV_NOPTS_VALUE) {
    info.durationSeconds = static_cast<double>(s.format->duration) / AV_TIME_BASE;
  }
  // A plain PCM WAV left to FFmpeg because its data chunk holds nothing may still promise frames
  // (a copy interrupted before its first sample): FFmpeg takes the header's word for them.
  try {
    const wave::Bw64Info w = wave::readBw64(path, wave::Bw64Read::AudioOnly);
    const auto frameBytes =
        static_cast<std::uint64_t>(w.numChannels) * static_cast<std::uint64_t>(w.bitsPerSample / 8);
    if (frameBytes > 0 && w.dataBytes == 0 && w.declaredDataBytes != 0xFFFFFFFFu &&
        w.declaredDataBytes != 0x7FFFFFFFu && w.declaredDataBytes >= frameBytes) {
      info.exactFrames = 0;
      info.promisedFrames = static_cast<std::int64_t>(w.declaredDataBytes / frameBytes);
    }
  } catch (const InputError&) {
    // Not a WAVE file: FFmpeg's figures stand.
  }
  return info;
}

struct StreamDecoder::Impl {
  std::string file;
  std::unique_ptr<PcmWaveReader> pcm;  // plain PCM WAVE at the session rate: no FFmpeg
  OpenStream s;
  Resampler swr;
  std::vector<int> keep;
  int inChannels = 0;
  int sampleRate = 0;
  std::int64_t toSkip = 0;     // resampled frames still to drop before the offset
  std::int64_t seekedTo = -1;  // after a seek: the offset, until the first frame says where we are
  std::int64_t offset = 0;
  std::int64_t produced = 0;
  std::vector<std::vector<float>> scratch;
  std::vector<std::uint8_t*> planes;
  std::vector<std::vector<float>> pending;  // resampled frames; [pendingAt, size) not handed out
  std::vector<float*> cursors;              // decodeInto's write positions, kept between calls
  std::size_t pendingAt = 0;
  Packet packet{av_packet_alloc()};
  Frame frame{av_frame_alloc()};
  bool inputEnded = false, flushed = false;

  // Resamples one decoded frame (or flushes the resampler with null) into `pending`.
  void resample(const std::uint8_t** data, int frames) {
    const int cap = swr_get_out_samples(swr.get(), frames);
    if (cap <= 0) return;
    for (int c = 0; c < inChannels; ++c) {
      scratch[c].resize(static_cast<std::size_t>(cap));
      planes[c] = reinterpret_cast<std::uint8_t*>(scratch[c].data());
    }
    const int got = swr_convert(swr.get(), planes.data(), cap, data, frames);
    if (got < 0) throw InputError(file, "", "resampling failed: " + ffmpegError(got));
    const auto drop = static_cast<int>(std::min<std::int64_t>(toSkip, got));
    toSkip -= drop;
    for (std::size_t k = 0; k < keep.size(); ++k) {
      const float* src = scratch[keep[k]].data();
      for (int i = drop; i < got; ++i) {
        if (!std::isfinite(src[i])) {
          throw InputError(
              file, "",
              "contains NaN or infinite samples near " +
                  std::to_string(static_cast<double>(offset + produced + i - drop) / sampleRate) +
                  " s");
        }
      }
      pending[k].insert(pending[k].end(), src + drop, src + got);
    }
  }

  // Reads and decodes until at least one frame is pending or the stream has ended.
  void fill() {
    while (pendingAt == pending[0].size() && !flushed) {
      int r = avcodec_receive_frame(s.codec.get(), frame.get());
      if (r >= 0 && seekedTo >= 0) {
        // The seek lands on a packet at or before the offset; its timestamp says how far before.
        const AVStream* st = s.format->streams[s.streamIndex];
        const std::int64_t start = st->start_time == AV_NOPTS_VALUE ? 0 : st->start_time;
        const std::int64_t at = av_rescale_q(frame->best_effort_timestamp - start, st->time_base,
                                             AVRational{1, sampleRate});
        if (frame->best_effort_timestamp == AV_NOPTS_VALUE || at > seekedTo) {
          // Landed past the offset or nowhere known: decode from the start instead (exact).
          av_frame_unref(frame.get());
          if (av_seek_frame(s.format.get(), s.streamIndex, start, AVSEEK_FLAG_BACKWARD) < 0)
            throw InputError(file, "", "seeking to the clip's offset failed");
          avcodec_flush_buffers(s.codec.get());
          toSkip = seekedTo;
          seekedTo = -1;
          continue;
        }
        toSkip = seekedTo - at;
        seekedTo = -1;
      }
      if (r >= 0) {
        resample(const_cast<const std::uint8_t**>(frame->extended_data), frame->nb_samples);
        av_frame_unref(frame.get());
        continue;
      }
      if (r != AVERROR(EAGAIN) && r != AVERROR_EOF)
        throw InputError(file, "", "decoding failed: " + ffmpegError(r));
      if (r == AVERROR_EOF || inputEnded) {
        if (r == AVERROR_EOF) {
          resample(nullptr, 0);  // the resampler's delay line
          flushed = true;
        }
        continue;
      }
      r = av_read_frame(s.format.get(), packet.get());
      if (r == AVERROR_EOF) {
        avcodec_send_packet(s.codec.get(), nullptr);
        inputEnded = true;
        continue;
      }
      if (r < 0) throw InputError(file, "", "read failed: " + ffmpegError(r));
      if (packet->stream_index == s.streamIndex) {
        r = avcodec_send_packet(s.codec.get(), packet.get());
        if (r < 0 && r != AVERROR(EAGAIN)) {
          av_packet_unref(packet.get());
          throw InputError(file, "", "corrupt audio data: " + ffmpegError(r));
        }
      }
      av_packet_unref(packet.get());
    }
  }
};

StreamDecoder::StreamDecoder(const std::filesystem::path& path, int sampleRate,
                             const std::vector<int>& keepChannels, std::int64_t offsetFrames)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.file = path.string();
  m.sampleRate = sampleRate;
  m.offset = offsetFrames;
  m.pcm = PcmWaveReader::open(path);
  if (m.pcm && m.pcm->info().sampleRate != sampleRate) m.pcm.reset();
  if (m.pcm) {
    m.inChannels = m.pcm->info().numChannels;
  } else {
    m.s = openAudio(path);
    m.inChannels = m.s.codec->ch_layout.nb_channels;
  }
  for (int ch : keepChannels) {
    if (ch < 0 || ch >= m.inChannels) {
      throw InputError(m.file, "",
                       "has " + std::to_string(m.inChannels) + " channel(s); channel " +
                           std::to_string(ch) + " does not exist");
    }
  }
  m.keep = keepChannels;
  if (m.keep.empty()) {
    for (int c = 0; c < m.inChannels; ++c) m.keep.push_back(c);
  }
  if (m.pcm) {
    m.pcm->seek(offsetFrames);
    return;
  }
  // Resample to planar float at the session rate; channels pass through unmixed (the input
  // layout is copied to the output, so swr never remixes).
  SwrContext* swrRaw = nullptr;
  int rc = swr_alloc_set_opts2(&swrRaw, &m.s.codec->ch_layout, AV_SAMPLE_FMT_FLTP, sampleRate,
                               &m.s.codec->ch_layout, m.s.codec->sample_fmt, m.s.codec->sample_rate,
                               0, nullptr);
  m.swr.reset(swrRaw);
  if (rc < 0 || swr_init(m.swr.get()) < 0) {
    throw InputError(m.file, "",
                     "cannot resample from " + std::to_string(m.s.codec->sample_rate) + " Hz to " +
                         std::to_string(sampleRate) + " Hz");
  }
  m.toSkip = offsetFrames;
  // PCM and lossless codecs at the session rate seek to the offset (exact: each of their frames
  // decodes on its own and carries its timestamp, and the resampler only converts the sample
  // format; a seek that lands past the offset falls back to the start). Lossy codecs (decoder
  // state across frames, estimated timestamps after a seek) and other rates decode from the start
  // and drop frames up to the offset, exact for every codec. A seek with a second of pre-roll was
  // tried for lossy codecs and was not exact: AAC's noise substitution and AC-3's dither draw
  // from generators whose state is the decode's whole history (tests/io/decoder_test.cpp).
  const AVCodecDescriptor* codec = avcodec_descriptor_get(m.s.codec->codec_id);
  const std::string_view name = codec != nullptr ? codec->name : "";
  const bool seekable = name.starts_with("pcm_") || name == "flac" || name == "alac" ||
                        name == "wavpack" || name == "tta";
  if (seekable && m.s.codec->sample_rate == sampleRate && offsetFrames >= sampleRate &&
      (m.s.format->pb == nullptr || (m.s.format->pb->seekable & AVIO_SEEKABLE_NORMAL))) {
    const AVStream* st = m.s.format->streams[m.s.streamIndex];
    const std::int64_t start = st->start_time == AV_NOPTS_VALUE ? 0 : st->start_time;
    const std::int64_t ts =
        start + av_rescale_q(offsetFrames, AVRational{1, sampleRate}, st->time_base);
    if (av_seek_frame(m.s.format.get(), m.s.streamIndex, ts, AVSEEK_FLAG_BACKWARD) >= 0) {
      avcodec_flush_buffers(m.s.codec.get());
      m.toSkip = 0;
      m.seekedTo = offsetFrames;
    }
  }
  m.scratch.resize(static_cast<std::size_t>(m.inChannels));
  m.planes.resize(static_cast<std::size_t>(m.inChannels));
  m.pending.resize(m.keep.size());
}

StreamDecoder::~StreamDecoder() = default;

int StreamDecoder::numChannels() const { return static_cast<int>(impl_->keep.size()); }

std::uint64_t StreamDecoder::sourceChannelMask() const {
  const bool all = static_cast<int>(impl_->keep.size()) == impl_->inChannels;
  if (impl_->pcm) return all ? impl_->pcm->channelMask() : 0;
  const auto& layout = impl_->s.codec->ch_layout;
  return layout.order == AV_CHANNEL_ORDER_NATIVE && all ? layout.u.mask : 0;
}

std::int64_t StreamDecoder::decode(std::vector<std::vector<float>>& out, std::int64_t maxFrames) {
  Impl& m = *impl_;
  std::int64_t total = 0;
  while (total < maxFrames) {
    if (m.pcm) {
      const std::int64_t got = m.pcm->read(m.keep, out, maxFrames - total);
      if (got == 0) break;
      total += got;
      continue;
    }
    m.fill();
    const auto have = static_cast<std::int64_t>(m.pending[0].size() - m.pendingAt);
    if (have == 0) break;
    const std::int64_t take = std::min(have, maxFrames - total);
    for (std::size_t k = 0; k < m.keep.size(); ++k) {
      const auto from = m.pending[k].begin() + static_cast<std::ptrdiff_t>(m.pendingAt);
      out[k].insert(out[k].end(), from, from + take);
    }
    m.pendingAt += static_cast<std::size_t>(take);
    if (m.pendingAt == m.pending[0].size()) {
      for (auto& p : m.pending) p.clear();
      m.pendingAt = 0;
    }
    total += take;
    m.produced += take;
  }
  return total;
}

bool StreamDecoder::readsDirectly() const { return impl_->pcm != nullptr; }

std::int64_t StreamDecoder::directFramesLeft() const {
  VKMIX_ASSERT(impl_->pcm != nullptr, "directFramesLeft needs a direct PCM reader");
  return static_cast<std::int64_t>(impl_->pcm->info().numFrames) - impl_->pcm->position();
}

std::int64_t StreamDecoder::decodeInto(float* const* dst, std::int64_t frames, float gain) {
  Impl& m = *impl_;
  VKMIX_ASSERT(m.pcm != nullptr, "decodeInto needs a direct PCM reader");
  m.cursors.assign(dst, dst + m.keep.size());
  std::int64_t total = 0;
  while (total < frames) {
    const std::int64_t got = m.pcm->readInto(m.keep, m.cursors.data(), frames - total, gain);
    if (got == 0) break;
    for (float*& p : m.cursors) p += got;
    total += got;
  }
  return total;
}

void StreamDecoder::rewindDirect(std::int64_t frames) {
  VKMIX_ASSERT(impl_->pcm != nullptr, "rewindDirect needs a direct PCM reader");
  impl_->pcm->seek(impl_->pcm->position() - frames);
}

DecodedAudio decodeAudio(const std::filesystem::path& path, int sampleRate,
                         std::int64_t offsetFrames, std::optional<std::int64_t> maxFrames,
                         const std::vector<int>& keepChannels) {
  StreamDecoder decoder(path, sampleRate, keepChannels, offsetFrames);
  DecodedAudio out;
  out.sampleRate = sampleRate;
  out.channelMask = decoder.sourceChannelMask();
  out.channels.resize(static_cast<std::size_t>(decoder.numChannels()));
  const std::int64_t limit = maxFrames.value_or(std::numeric_limits<std::int64_t>::max());
  if (decoder.readsDirectly()) {
    // Plain PCM knows its length: room for every frame at once, so the channels are not grown
    // by reallocating. Every growth step is fresh memory to fault in and a copy (a 16-channel
    // 6 s IR: 0.19 -> 0.03 s).
    const auto frames = static_cast<std::size_t>(std::min(limit, decoder.directFramesLeft()));
    for (std::vector<float>& c : out.channels) c.reserve(frames);
  }
  while (out.numFrames() < limit) {
    if (decoder.decode(out.channels, std::min<std::int64_t>(limit - out.numFrames(), 1 << 16)) == 0)
      break;
  }
  return out;
}

}  // namespace vkmix::io
