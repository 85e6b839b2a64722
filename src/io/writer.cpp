#include "io/writer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/assert.hpp"
#include "io/atomic_file.hpp"
#include "io/ffmpeg_util.hpp"
#include "vkmix/error.hpp"

namespace vkmix::io {

const std::vector<FormatInfo>& outputFormats() {
  static const std::vector<FormatInfo> formats = {
      {OutputFormat::Wav16, "wav16", ".wav", 64, false, "WAV 16-bit PCM (RF64 past 4 GiB)"},
      {OutputFormat::Wav24, "wav24", ".wav", 64, false, "WAV 24-bit PCM (RF64 past 4 GiB)"},
      {OutputFormat::Wav32f, "wav32f", ".wav", 64, false, "WAV 32-bit float (RF64 past 4 GiB)"},
      {OutputFormat::W64, "w64", ".w64", 64, false, "Sony Wave64 24-bit PCM (64-bit sizes)"},
      {OutputFormat::Caf, "caf", ".caf", 64, false, "Core Audio Format 24-bit PCM"},
      {OutputFormat::Mka, "mka", ".mka", 64, false,
       "Matroska audio 24-bit PCM (stores the channel count, not the layout)"},
      {OutputFormat::Flac, "flac", ".flac", 8, false, "FLAC 24-bit, lossless"},
      {OutputFormat::Aac, "aac", ".m4a", 6, true,
       "AAC-LC in MP4, lossy preview (64 kbit/s a channel)"},
      {OutputFormat::Eac3, "eac3", ".eac3", 6, true,
       "Dolby Digital Plus (E-AC-3), lossy preview (2.0 at 256, 5.1 at 640 kbit/s)"},
  };
  return formats;
}

const FormatInfo& formatInfo(OutputFormat f) {
  for (const FormatInfo& i : outputFormats()) {
    if (i.format == f) return i;
  }
  throw InternalError("output format " + std::to_string(static_cast<int>(f)) + " has no entry");
}

std::optional<OutputFormat> parseOutputFormat(std::string_view name) {
  for (const FormatInfo& i : outputFormats()) {
    if (i.name == name) return i.format;
  }
  return std::nullopt;
}

std::string outputFormatName(OutputFormat f) { return std::string(formatInfo(f).name); }

std::string outputFormatNames() {
  std::string names;
  for (const FormatInfo& i : outputFormats())
    names += (names.empty() ? "" : ", ") + std::string(i.name);
  return names;
}

OutputFormat defaultFormatFor(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".m4a" || ext == ".aac") return OutputFormat::Aac;
  if (ext == ".ec3") return OutputFormat::Eac3;
  for (const FormatInfo& i : outputFormats()) {
    if (ext == i.extension && i.format != OutputFormat::Wav16 && i.format != OutputFormat::Wav32f)
      return i.format;
  }
  return OutputFormat::Wav24;
}

struct AudioWriter::Impl {
  std::string file;
  AtomicFile temp;
  OutputFormat format;
  int numChannels = 0;
  AVFormatContext* out = nullptr;  // owned; freed in ~Impl (output contexts have no RAII helper)
  CodecContext codec;
  AVStream* stream = nullptr;
  Frame frame;
  Packet packet;
  int frameSize = 4096;               // frames per encoder call (FLAC needs its fixed size)
  std::vector<std::uint8_t> pending;  // interleaved bytes waiting for a whole encoder frame
  int bytesPerSample = 4;
  bool planar = false;  // the encoder takes one plane per channel (lossy codecs)
  std::int64_t pts = 0;
  std::int64_t clipped = 0;
  bool headerWritten = false;

  explicit Impl(const std::filesystem::path& path) : file(path.string()), temp(path) {}
  ~Impl() {
    if (out != nullptr) {
      if (out->pb != nullptr) avio_closep(&out->pb);
      avformat_free_context(out);
    }
  }

  [[noreturn]] void fail(const std::string& what) const { throw IoError(file + ": " + what); }

  void encode(const std::uint8_t* data, int frames) {
    if (data != nullptr) {
      // av_frame_unref resets every field, so the frame is described afresh for each call.
      frame->format = codec->sample_fmt;
      frame->sample_rate = codec->sample_rate;
      int rc = av_channel_layout_copy(&frame->ch_layout, &codec->ch_layout);
      if (rc < 0) fail("frame layout: " + ffmpegError(rc));
      frame->nb_samples = frames;
      rc = av_frame_get_buffer(frame.get(), 0);
      if (rc < 0) fail("cannot allocate an audio frame: " + ffmpegError(rc));
      if (planar) {  // pending holds interleaved float; the encoder wants planes
        const auto* in = reinterpret_cast<const float*>(data);
        for (int c = 0; c < numChannels; ++c) {
          auto* plane = reinterpret_cast<float*>(frame->extended_data[c]);
          for (int i = 0; i < frames; ++i)
            plane[i] = in[static_cast<std::size_t>(i) * numChannels + c];
        }
      } else {
        std::copy(data, data + static_cast<std::size_t>(frames) * numChannels * bytesPerSample,
                  frame->data[0]);
      }
      frame->pts = pts;
      pts += frames;
      rc = avcodec_send_frame(codec.get(), frame.get());
      av_frame_unref(frame.get());
      if (rc < 0) fail("encoding failed: " + ffmpegError(rc));
    } else {
      avcodec_send_frame(codec.get(), nullptr);
    }
    while (true) {
      int rc = avcodec_receive_packet(codec.get(), packet.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) break;
      if (rc < 0) fail("encoding failed: " + ffmpegError(rc));
      av_packet_rescale_ts(packet.get(), codec->time_base, stream->time_base);
      packet->stream_index = stream->index;
      rc = av_interleaved_write_frame(out, packet.get());
      if (rc < 0) fail("write failed: " + ffmpegError(rc));
    }
  }
};

AudioWriter::AudioWriter(const std::filesystem::path& path, const Layout& layout, int sampleRate,
                         OutputFormat format)
    : impl_(std::make_unique<Impl>(path)) {
  quietFfmpegLogs();
  Impl& m = *impl_;
  m.format = format;
  m.numChannels = layout.numChannels();
  const std::string file = path.string();
  const FormatInfo& info = formatInfo(format);
  if (format == OutputFormat::Flac && m.numChannels > 8) {
    throw InputError(file, "format",
                     "FLAC holds at most 8 channels; layout " + layout.name + " has " +
                         std::to_string(m.numChannels) + " (use wav24 or wav32f)");
  }
  if (m.numChannels > info.maxChannels) {
    throw InputError(file, "format",
                     std::string(info.name) + " holds at most " + std::to_string(info.maxChannels) +
                         " channels; layout " + layout.name + " has " +
                         std::to_string(m.numChannels) +
                         (info.lossy ? " (write a 5.1 or 2.0 --downmix in this format)"
                                     : " (use wav24 or wav32f)"));
  }
  const char* muxer = "wav";
  AVCodecID codecId = AV_CODEC_ID_PCM_S24LE;
  AVSampleFormat sampleFormat = AV_SAMPLE_FMT_S32;
  std::int64_t bitRate = 0;
  switch (format) {
    case OutputFormat::Wav16:
      codecId = AV_CODEC_ID_PCM_S16LE;
      sampleFormat = AV_SAMPLE_FMT_S16;
      break;
    case OutputFormat::Wav24:
      break;
    case OutputFormat::Wav32f:
      codecId = AV_CODEC_ID_PCM_F32LE;
      sampleFormat = AV_SAMPLE_FMT_FLT;
      break;
    case OutputFormat::W64:
      muxer = "w64";
      break;
    case OutputFormat::Caf:
      muxer = "caf";
      break;
    case OutputFormat::Mka:
      muxer = "matroska";
      break;
    case OutputFormat::Flac:
      muxer = "flac";
      codecId = AV_CODEC_ID_FLAC;
      break;
    case OutputFormat::Aac:
      muxer = "ipod";  // .m4a
      codecId = AV_CODEC_ID_AAC;
      sampleFormat = AV_SAMPLE_FMT_FLTP;
      bitRate = 64000LL * m.numChannels;
      break;
    case OutputFormat::Eac3:
      muxer = "eac3";
      codecId = AV_CODEC_ID_EAC3;
      sampleFormat = AV_SAMPLE_FMT_FLTP;
      bitRate = m.numChannels > 2 ? 640000 : 256000;
      break;
  }
  m.planar = av_sample_fmt_is_planar(sampleFormat) != 0;
  m.bytesPerSample = av_get_bytes_per_sample(sampleFormat);
  if (info.lossy && layout.wavChannelMask() == 0) {
    throw InputError(file, "format",
                     std::string(info.name) + " needs a layout with a channel mask; " +
                         layout.name + " has none");
  }

  int rc = avformat_alloc_output_context2(&m.out, nullptr, muxer, m.temp.tempPath().c_str());
  if (rc < 0 || m.out == nullptr) m.fail("cannot create output: " + ffmpegError(rc));
  const AVCodec* encoder = avcodec_find_encoder(codecId);
  VKMIX_ASSERT(encoder != nullptr, "FFmpeg lacks the encoder for " + outputFormatName(format));
  m.stream = avformat_new_stream(m.out, nullptr);
  m.codec.reset(avcodec_alloc_context3(encoder));
  VKMIX_ASSERT(m.stream != nullptr && m.codec != nullptr, "FFmpeg allocation failed");

  // A native layout from the WAV mask keeps the file's order equal to our speaker order (both are
  // ascending mask bits). Layouts without a mask (wides) are written unspecified, mask 0.
  std::uint32_t mask = layout.wavChannelMask();
  if (mask != 0) {
    av_channel_layout_from_mask(&m.codec->ch_layout, mask);
  } else {
    av_channel_layout_uninit(&m.codec->ch_layout);
    m.codec->ch_layout.order = AV_CHANNEL_ORDER_UNSPEC;
    m.codec->ch_layout.nb_channels = m.numChannels;
  }
  VKMIX_ASSERT(m.codec->ch_layout.nb_channels == m.numChannels, "channel mask of " + layout.name);
  m.codec->sample_rate = sampleRate;
  m.codec->sample_fmt = sampleFormat;
  m.codec->time_base = AVRational{1, sampleRate};
  if (bitRate > 0) m.codec->bit_rate = bitRate;
  if (codecId == AV_CODEC_ID_PCM_S24LE || format == OutputFormat::Flac)
    m.codec->bits_per_raw_sample = 24;
  if (m.out->oformat->flags & AVFMT_GLOBALHEADER) m.codec->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  rc = avcodec_open2(m.codec.get(), encoder, nullptr);
  if (rc < 0)
    m.fail("cannot open the " + outputFormatName(format) + " encoder: " + ffmpegError(rc));
  rc = avcodec_parameters_from_context(m.stream->codecpar, m.codec.get());
  if (rc < 0) m.fail("codec parameters: " + ffmpegError(rc));
  m.stream->time_base = m.codec->time_base;
  if (m.codec->frame_size > 0) m.frameSize = m.codec->frame_size;

  rc = avio_open(&m.out->pb, m.temp.tempPath().c_str(), AVIO_FLAG_WRITE);
  if (rc < 0) {
    throw InputError(file, "", "cannot create the output file: " + ffmpegError(rc));
  }
  AVDictionary* opts = nullptr;
  if (std::string_view(muxer) == "wav") av_dict_set(&opts, "rf64", "auto", 0);  // RF64 past 4 GiB
  rc = avformat_write_header(m.out, &opts);
  av_dict_free(&opts);
  if (rc < 0) m.fail("cannot write the header: " + ffmpegError(rc));
  m.headerWritten = true;

  m.frame.reset(av_frame_alloc());
  m.packet.reset(av_packet_alloc());
}

AudioWriter::~AudioWriter() = default;

std::int64_t AudioWriter::clippedSamples() const { return impl_->clipped; }

void AudioWriter::write(std::span<const float> planar, std::int64_t stride,
                        std::int64_t numFrames) {
  Impl& m = *impl_;
  VKMIX_ASSERT(stride >= numFrames && static_cast<std::int64_t>(planar.size()) >=
                                          stride * (m.numChannels - 1) + numFrames,
               "planar block too small");
  const std::size_t start = m.pending.size();
  m.pending.resize(start + static_cast<std::size_t>(numFrames) * m.numChannels * m.bytesPerSample);
  std::uint8_t* dst = m.pending.data() + start;
  // Interleave and convert. Integer formats round to nearest and clip (counted); no dither, so
  // the same mix always gives the same bytes.
  const double scale = m.format == OutputFormat::Wav16 ? 32768.0 : 8388608.0;
  const double maxCode = scale - 1.0;
  for (std::int64_t i = 0; i < numFrames; ++i) {
    for (int c = 0; c < m.numChannels; ++c) {
      float x = planar[static_cast<std::size_t>(c * stride + i)];
      if (m.format == OutputFormat::Wav32f || m.planar) {
        std::memcpy(dst, &x, 4);
        dst += 4;
        continue;
      }
      double q = std::nearbyint(static_cast<double>(x) * scale);
      if (q > maxCode || q < -scale) {
        ++m.clipped;
        q = std::clamp(q, -scale, maxCode);
      }
      if (m.format == OutputFormat::Wav16) {
        auto v = static_cast<std::int16_t>(q);
        std::memcpy(dst, &v, 2);
        dst += 2;
      } else {  // 24-bit codes in the top bits of an S32 sample, as FFmpeg expects
        auto v = static_cast<std::int32_t>(static_cast<std::int64_t>(q) * 256);
        std::memcpy(dst, &v, 4);
        dst += 4;
      }
    }
  }
  const std::size_t frameBytes = static_cast<std::size_t>(m.numChannels) * m.bytesPerSample;
  std::size_t whole = m.pending.size() / (frameBytes * m.frameSize);
  for (std::size_t k = 0; k < whole; ++k) {
    m.encode(m.pending.data() + k * frameBytes * m.frameSize, m.frameSize);
  }
  m.pending.erase(m.pending.begin(), m.pending.begin() + static_cast<std::ptrdiff_t>(
                                                             whole * frameBytes * m.frameSize));
}

void AudioWriter::finish() {
  close();
  commit();
}

void AudioWriter::commit() { impl_->temp.commit(); }

void AudioWriter::close() {
  Impl& m = *impl_;
  const std::size_t frameBytes = static_cast<std::size_t>(m.numChannels) * m.bytesPerSample;
  if (!m.pending.empty())
    m.encode(m.pending.data(), static_cast<int>(m.pending.size() / frameBytes));
  m.pending.clear();
  m.encode(nullptr, 0);
  int rc = av_write_trailer(m.out);
  if (rc < 0) m.fail("cannot finish the file: " + ffmpegError(rc));
  rc = avio_closep(&m.out->pb);
  if (rc < 0) m.fail("cannot close the file (disk full?): " + ffmpegError(rc));
}

}  // namespace vkmix::io
