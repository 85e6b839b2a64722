#include "io/audio_encoder.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/assert.hpp"
#include "core/simd.hpp"
#include "vkmix/error.hpp"

namespace vkmix::io {
namespace {

struct CodecChoice {
  AVCodecID codec = AV_CODEC_ID_PCM_S24LE;
  AVSampleFormat sampleFormat = AV_SAMPLE_FMT_S32;  // 24-bit codes in the top bits of S32
  std::int64_t bitRate = 0;
};

CodecChoice codecFor(OutputFormat format, int channels) {
  switch (format) {
    case OutputFormat::Wav16:
      return {AV_CODEC_ID_PCM_S16LE, AV_SAMPLE_FMT_S16, 0};
    case OutputFormat::Wav32f:
      return {AV_CODEC_ID_PCM_F32LE, AV_SAMPLE_FMT_FLT, 0};
    case OutputFormat::Flac:
      return {AV_CODEC_ID_FLAC, AV_SAMPLE_FMT_S32, 0};
    case OutputFormat::Aac:
      return {AV_CODEC_ID_AAC, AV_SAMPLE_FMT_FLTP, 64000LL * channels};
    case OutputFormat::Eac3:
      return {AV_CODEC_ID_EAC3, AV_SAMPLE_FMT_FLTP, channels > 2 ? 640000 : 256000};
    case OutputFormat::Wav24:
    case OutputFormat::W64:
    case OutputFormat::Caf:
    case OutputFormat::Mka:
      break;
  }
  return {};
}

}  // namespace

const char* muxerFor(OutputFormat format) {
  switch (format) {
    case OutputFormat::W64:
      return "w64";
    case OutputFormat::Caf:
      return "caf";
    case OutputFormat::Mka:
      return "matroska";
    case OutputFormat::Flac:
      return "flac";
    case OutputFormat::Aac:
      return "ipod";  // .m4a
    case OutputFormat::Eac3:
      return "eac3";
    default:
      return "wav";
  }
}

AudioEncoder::AudioEncoder(const std::string& file, const Layout& layout, int sampleRate,
                           OutputFormat format, bool globalHeader, PcmPacking packing)
    : file_(file), format_(format), numChannels_(layout.numChannels()) {
  const FormatInfo& info = formatInfo(format);
  if (format == OutputFormat::Flac && numChannels_ > 8) {
    throw InputError(file, "format",
                     "FLAC holds at most 8 channels; layout " + layout.name + " has " +
                         std::to_string(numChannels_) + " (use wav24 or wav32f)");
  }
  if (numChannels_ > info.maxChannels) {
    throw InputError(file, "format",
                     std::string(info.name) + " holds at most " + std::to_string(info.maxChannels) +
                         " channels; layout " + layout.name + " has " +
                         std::to_string(numChannels_) +
                         (info.lossy ? " (write a 5.1 or 2.0 --downmix in this format)"
                                     : " (use wav24 or wav32f)"));
  }
  if (info.lossy && layout.wavChannelMask() == 0) {
    throw InputError(file, "format",
                     std::string(info.name) + " needs a layout with a channel mask; " +
                         layout.name + " has none");
  }
  const CodecChoice choice = codecFor(format, numChannels_);
  planar_ = av_sample_fmt_is_planar(choice.sampleFormat) != 0;
  bytesPerSample_ = av_get_bytes_per_sample(choice.sampleFormat);
  const AVCodec* encoder = avcodec_find_encoder(choice.codec);
  VKMIX_ASSERT(encoder != nullptr, "FFmpeg lacks the encoder for " + outputFormatName(format));
  codec_.reset(avcodec_alloc_context3(encoder));
  VKMIX_ASSERT(codec_ != nullptr, "FFmpeg allocation failed");
  // A native layout from the WAV mask keeps the file's order equal to our speaker order (both are
  // ascending mask bits). Layouts without a mask (wides) are written unspecified, mask 0.
  const std::uint32_t mask = layout.wavChannelMask();
  if (mask != 0) {
    av_channel_layout_from_mask(&codec_->ch_layout, mask);
  } else {
    av_channel_layout_uninit(&codec_->ch_layout);
    codec_->ch_layout.order = AV_CHANNEL_ORDER_UNSPEC;
    codec_->ch_layout.nb_channels = numChannels_;
  }
  VKMIX_ASSERT(codec_->ch_layout.nb_channels == numChannels_, "channel mask of " + layout.name);
  codec_->sample_rate = sampleRate;
  codec_->sample_fmt = choice.sampleFormat;
  codec_->time_base = AVRational{1, sampleRate};
  if (choice.bitRate > 0) codec_->bit_rate = choice.bitRate;
  if (choice.codec == AV_CODEC_ID_PCM_S24LE || choice.codec == AV_CODEC_ID_FLAC)
    codec_->bits_per_raw_sample = 24;
  if (globalHeader) codec_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  const int rc = avcodec_open2(codec_.get(), encoder, nullptr);
  if (rc < 0) fail("cannot open the " + outputFormatName(format) + " encoder: " + ffmpegError(rc));
  if (codec_->frame_size > 0) frameSize_ = codec_->frame_size;
  ownPcm_ = packing == PcmPacking::Own &&
            (choice.codec == AV_CODEC_ID_PCM_S16LE || choice.codec == AV_CODEC_ID_PCM_S24LE ||
             choice.codec == AV_CODEC_ID_PCM_F32LE);
  if (ownPcm_) bytesPerSample_ = av_get_bits_per_sample(choice.codec) / 8;  // packed: 24-bit is 3
  frame_.reset(av_frame_alloc());
  packet_.reset(av_packet_alloc());
}

void AudioEncoder::fail(const std::string& what) const { throw IoError(file_ + ": " + what); }

void AudioEncoder::describe(AVStream* stream) const {
  const int rc = avcodec_parameters_from_context(stream->codecpar, codec_.get());
  if (rc < 0) fail("codec parameters: " + ffmpegError(rc));
  stream->time_base = codec_->time_base;
}

// What FFmpeg's PCM encoders hand out for a frame of `frames`: its bytes, timestamps in samples,
// the duration, the key flag.
void AudioEncoder::packet(const std::uint8_t* data, int frames, const PacketSink& sink) {
  const std::size_t bytes = static_cast<std::size_t>(frames) * numChannels_ * bytesPerSample_;
  const int rc = av_new_packet(packet_.get(), static_cast<int>(bytes));
  if (rc < 0) fail("cannot allocate a packet: " + ffmpegError(rc));
  std::memcpy(packet_->data, data, bytes);
  packet_->pts = pts_;
  packet_->dts = pts_;
  packet_->duration = frames;
  packet_->flags |= AV_PKT_FLAG_KEY;
  pts_ += frames;
  sink(packet_.get());
  av_packet_unref(packet_.get());
}

void AudioEncoder::encode(const std::uint8_t* data, int frames, const PacketSink& sink) {
  if (ownPcm_) {
    if (data != nullptr) packet(data, frames, sink);
    return;
  }
  if (data != nullptr) {
    // av_frame_unref resets every field, so the frame is described afresh for each call.
    frame_->format = codec_->sample_fmt;
    frame_->sample_rate = codec_->sample_rate;
    int rc = av_channel_layout_copy(&frame_->ch_layout, &codec_->ch_layout);
    if (rc < 0) fail("frame layout: " + ffmpegError(rc));
    frame_->nb_samples = frames;
    rc = av_frame_get_buffer(frame_.get(), 0);
    if (rc < 0) fail("cannot allocate an audio frame: " + ffmpegError(rc));
    if (planar_) {  // pending holds interleaved float; the encoder wants planes
      const auto* in = reinterpret_cast<const float*>(data);
      for (int c = 0; c < numChannels_; ++c) {
        auto* plane = reinterpret_cast<float*>(frame_->extended_data[c]);
        for (int i = 0; i < frames; ++i)
          plane[i] = in[static_cast<std::size_t>(i) * numChannels_ + c];
      }
    } else {
      std::copy(data, data + static_cast<std::size_t>(frames) * numChannels_ * bytesPerSample_,
                frame_->data[0]);
    }
    frame_->pts = pts_;
    pts_ += frames;
    rc = avcodec_send_frame(codec_.get(), frame_.get());
    av_frame_unref(frame_.get());
    if (rc < 0) fail("encoding failed: " + ffmpegError(rc));
  } else {
    avcodec_send_frame(codec_.get(), nullptr);
  }
  while (true) {
    const int rc = avcodec_receive_packet(codec_.get(), packet_.get());
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) break;
    if (rc < 0) fail("encoding failed: " + ffmpegError(rc));
    sink(packet_.get());
    av_packet_unref(packet_.get());
  }
}

namespace {

// quantiseRun's loop, once per vector width (a clone's callers must see its definition).
VKMIX_SIMD_CLONES std::int64_t quantiseLoop(const float* x, std::int64_t n, int bits,
                                            std::int32_t* codes) {
  const double scale = bits == 16 ? 32768.0 : 8388608.0;
  const double maxCode = scale - 1.0;
  // 24-bit codes go to the top of an S32 sample, as FFmpeg expects: x 256 is exact in double.
  const double shift = bits == 16 ? 1.0 : 256.0;
  // Adding 1.5 x 2^52 leaves no fraction bits, so the sum rounds to an integer (to nearest, ties
  // to even, as nearbyint in the default mode) and subtracting it again is exact, for any |y| <
  // 2^51; y is clamped to a range past both clip points first, which keeps the count and the
  // codes and makes any larger input, infinities included, land on a clip point.
  constexpr double kRound = 6755399441055744.0;
  std::int64_t clipped = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    double y = static_cast<double>(x[i]) * scale;  // exact: a float times a power of two
    y = y > scale ? scale : y;
    y = y < -scale - 1.0 ? -scale - 1.0 : y;
    y = y == y ? y : 0.0;  // NaN: code 0, not a clip
    double q = (y + kRound) - kRound;
    clipped += (q > maxCode ? 1 : 0) + (q < -scale ? 1 : 0);
    q = q > maxCode ? maxCode : q;
    q = q < -scale ? -scale : q;
    codes[i] = static_cast<std::int32_t>(q * shift);
  }
  return clipped;
}

}  // namespace

std::int64_t quantiseRun(const float* x, std::int64_t n, int bits, std::int32_t* codes) {
  return quantiseLoop(x, n, bits, codes);
}

void AudioEncoder::write(std::span<const float> planar, std::int64_t stride, std::int64_t numFrames,
                         const PacketSink& sink) {
  VKMIX_ASSERT(stride >= numFrames && static_cast<std::int64_t>(planar.size()) >=
                                          stride * (numChannels_ - 1) + numFrames,
               "planar block too small");
  const std::size_t start = pending_.size();
  pending_.resize(start + static_cast<std::size_t>(numFrames) * numChannels_ * bytesPerSample_);
  std::uint8_t* dst = pending_.data() + start;
  const bool asFloat = format_ == OutputFormat::Wav32f || planar_;
  const int bits = format_ == OutputFormat::Wav16 ? 16 : 24;
  const auto channels = static_cast<std::size_t>(numChannels_);
  // A tile of frames at a time: each channel's run converted where it lies (contiguous, so the
  // conversion vectorises), then the tile interleaved from codes that stay in cache.
  codes_.resize(channels * kTileFrames);
  for (std::int64_t at = 0; at < numFrames; at += kTileFrames) {
    const std::int64_t len = std::min<std::int64_t>(kTileFrames, numFrames - at);
    const auto n = static_cast<std::size_t>(len);
    if (asFloat) {
      auto* out = reinterpret_cast<float*>(dst);
      for (std::size_t c = 0; c < channels; ++c) {
        const float* in = planar.data() + static_cast<std::int64_t>(c) * stride + at;
        for (std::size_t i = 0; i < n; ++i) out[i * channels + c] = in[i];
      }
      dst += n * channels * 4;
      continue;
    }
    for (std::size_t c = 0; c < channels; ++c) {
      clipped_ += quantiseRun(planar.data() + static_cast<std::int64_t>(c) * stride + at, len, bits,
                              codes_.data() + c * kTileFrames);
    }
    if (ownPcm_ && bits == 24) {  // packed: the code's top three bytes, little-endian
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t c = 0; c < channels; ++c) {
          const auto u = static_cast<std::uint32_t>(codes_[c * kTileFrames + i]);
          std::uint8_t* sample = dst + 3 * (i * channels + c);
          sample[0] = static_cast<std::uint8_t>(u >> 8);
          sample[1] = static_cast<std::uint8_t>(u >> 16);
          sample[2] = static_cast<std::uint8_t>(u >> 24);
        }
      }
      dst += n * channels * 3;
    } else if (bits == 16) {
      auto* out = reinterpret_cast<std::int16_t*>(dst);
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t c = 0; c < channels; ++c)
          out[i * channels + c] = static_cast<std::int16_t>(codes_[c * kTileFrames + i]);
      }
      dst += n * channels * 2;
    } else {
      auto* out = reinterpret_cast<std::int32_t*>(dst);
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t c = 0; c < channels; ++c)
          out[i * channels + c] = codes_[c * kTileFrames + i];
      }
      dst += n * channels * 4;
    }
  }
  const std::size_t frameBytes = static_cast<std::size_t>(numChannels_) * bytesPerSample_;
  const std::size_t encoderBytes = frameBytes * static_cast<std::size_t>(frameSize_);
  const std::size_t whole = (pending_.size() - pendingStart_) / encoderBytes;
  for (std::size_t k = 0; k < whole; ++k)
    encode(pending_.data() + pendingStart_ + k * encoderBytes, frameSize_, sink);
  pendingStart_ += whole * encoderBytes;
  if (pendingStart_ >= 8 * encoderBytes) {
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(pendingStart_));
    pendingStart_ = 0;
  }
}

void AudioEncoder::flush(const PacketSink& sink) {
  const std::size_t frameBytes = static_cast<std::size_t>(numChannels_) * bytesPerSample_;
  if (pending_.size() > pendingStart_)
    encode(pending_.data() + pendingStart_,
           static_cast<int>((pending_.size() - pendingStart_) / frameBytes), sink);
  pending_.clear();
  pendingStart_ = 0;
  encode(nullptr, 0, sink);
}

}  // namespace vkmix::io
