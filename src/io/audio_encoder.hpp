// AudioEncoder: one audio stream's encoder for an output format (PCM, FLAC, AAC, E-AC-3), fed
// channel-major float blocks; it converts (rounding to nearest and clipping integer formats,
// counting the clips; no dither, so the same mix gives the same bytes), gathers whole encoder
// frames and hands out packets. Shared by AudioWriter (audio files) and the video muxer. Private
// to src/io.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "io/ffmpeg_util.hpp"
#include "io/writer.hpp"
#include "vkmix/layout.hpp"

namespace vkmix::io {

// Receives each encoded packet, timestamps in the encoder's time base (1 / sample rate).
using PacketSink = std::function<void(AVPacket*)>;

// Who packs PCM samples into packets. Ours are the bytes and fields FFmpeg's PCM encoders give
// (a test holds them to it), without a frame's allocation, copy and packing pass.
enum class PcmPacking { Own, Ffmpeg };

class AudioEncoder {
 public:
  // `file` names the output in messages. InputError when the format cannot hold the layout.
  // `globalHeader`: the container wants codec headers out of band (MP4, MOV, Matroska).
  AudioEncoder(const std::string& file, const Layout& layout, int sampleRate, OutputFormat format,
               bool globalHeader, PcmPacking packing = PcmPacking::Own);

  // The stream's codec parameters and time base, for the muxer's header.
  void describe(AVStream* stream) const;
  void write(std::span<const float> planar, std::int64_t stride, std::int64_t numFrames,
             const PacketSink& sink);
  // Encodes what is pending and drains the encoder.
  void flush(const PacketSink& sink);
  AVRational timeBase() const { return codec_->time_base; }
  std::int64_t clippedSamples() const { return clipped_; }

 private:
  void encode(const std::uint8_t* data, int frames, const PacketSink& sink);
  void packet(const std::uint8_t* data, int frames, const PacketSink& sink);  // PCM, packed
  [[noreturn]] void fail(const std::string& what) const;

  std::string file_;
  OutputFormat format_;
  int numChannels_;
  CodecContext codec_;
  Frame frame_;
  Packet packet_;
  int frameSize_ = 4096;  // frames per encoder call (FLAC, AAC, E-AC-3: fixed)
  // Interleaved bytes waiting for a whole encoder frame, from pending_[pendingStart_]: the
  // encoded ones ahead of it are dropped now and then, not the remainder moved on every write.
  std::vector<std::uint8_t> pending_;
  std::size_t pendingStart_ = 0;
  static constexpr std::int64_t kTileFrames = 256;  // write()'s unit: convert, then interleave
  std::vector<std::int32_t> codes_;                 // a tile's codes, channel-major
  int bytesPerSample_ = 4;
  bool planar_ = false;  // the encoder takes one plane per channel (lossy codecs)
  bool ownPcm_ = false;  // pending_ holds the packets' PCM bytes; the codec is only described
  std::int64_t pts_ = 0;
  std::int64_t clipped_ = 0;
};

// Converts n samples to integer codes of `bits` (16, or 24 in the top bits of 32) as the encoder
// writes them: x x 2^(bits - 1) rounded to nearest (ties to even), clipped to the format's range;
// NaN gives 0 and is no clip. Returns the samples clipped.
std::int64_t quantiseRun(const float* x, std::int64_t n, int bits, std::int32_t* codes);

// The FFmpeg muxer that writes a format's own files ("wav", "flac", "ipod", ...).
const char* muxerFor(OutputFormat format);

}  // namespace vkmix::io
