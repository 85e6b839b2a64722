#include "io/writer.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/assert.hpp"
#include "io/atomic_file.hpp"
#include "io/audio_encoder.hpp"
#include "io/direct_file.hpp"
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
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".m4a" || ext == ".aac") return OutputFormat::Aac;
  if (ext == ".ec3") return OutputFormat::Eac3;
  for (const FormatInfo& i : outputFormats()) {
    if (ext == i.extension && i.format != OutputFormat::Wav16 && i.format != OutputFormat::Wav32f)
      return i.format;
  }
  // A file named mix.mp3 that holds WAV would be worse than no file: the extension must say what
  // is written, or --format must.
  std::string known;
  for (const FormatInfo& i : outputFormats()) {
    if (known.find(std::string(i.extension)) == std::string::npos)
      known += std::string(known.empty() ? "" : " ") + std::string(i.extension);
  }
  throw InputError(
      path.string(), "",
      (ext.empty() ? std::string("has no extension")
                   : "the extension \"" + path.extension().string() + "\" names no output format") +
          "; known: " + known + " .aac .ec3 (or give --format, see 'vkmix formats')");
}

struct AudioWriter::Impl {
  std::string file;
  AtomicFile temp;
  AVFormatContext* out = nullptr;  // owned; freed in ~Impl (output contexts have no RAII helper)
  AVStream* stream = nullptr;
  std::unique_ptr<AudioEncoder> encoder;
  PacketSink sink;
  // The muxer writes through `io` into `direct`, past the page cache: a deliverable is gigabytes
  // the render will not read again.
  std::unique_ptr<DirectWriter> direct;
  AVIOContext* io = nullptr;  // owned, with its buffer
  std::string ioError;        // the first write failure, which FFmpeg's error code cannot name

  explicit Impl(const std::filesystem::path& path) : file(path.string()), temp(path) {}
  ~Impl() {
    if (out != nullptr) {
      out->pb = nullptr;
      avformat_free_context(out);
    }
    if (io != nullptr) {
      av_freep(&io->buffer);
      avio_context_free(&io);
    }
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw IoError(ioError.empty() ? file + ": " + what : ioError);
  }

  static int writePacket(void* opaque, std::uint8_t* data, int bytes) {
    Impl& m = *static_cast<Impl*>(opaque);
    try {
      m.direct->write(data, static_cast<std::size_t>(bytes));
      return bytes;
    } catch (const IoError& e) {
      if (m.ioError.empty()) m.ioError = e.what();
      return AVERROR(EIO);
    }
  }

  static std::int64_t seek(void* opaque, std::int64_t offset, int whence) {
    DirectWriter& w = *static_cast<Impl*>(opaque)->direct;
    switch (whence & ~AVSEEK_FORCE) {
      case AVSEEK_SIZE:
        return w.size();
      case SEEK_SET:
        break;
      case SEEK_CUR:
        offset += w.position();
        break;
      case SEEK_END:
        offset += w.size();
        break;
      default:
        return AVERROR(EINVAL);
    }
    if (offset < 0) return AVERROR(EINVAL);
    w.seek(offset);
    return offset;
  }
};

AudioWriter::AudioWriter(const std::filesystem::path& path, const Layout& layout, int sampleRate,
                         OutputFormat format)
    : impl_(std::make_unique<Impl>(path)) {
  configureFfmpeg();
  Impl& m = *impl_;
  const char* muxer = muxerFor(format);
  int rc = avformat_alloc_output_context2(&m.out, nullptr, muxer, m.temp.tempPath().c_str());
  if (rc < 0 || m.out == nullptr) m.fail("cannot create output: " + ffmpegError(rc));
  // Matroska writes a random segment UID and the date unless told to be bit-exact: the same
  // session must give the same bytes.
  if (std::string_view(m.out->oformat->name) == "matroska") m.out->flags |= AVFMT_FLAG_BITEXACT;
  m.encoder = std::make_unique<AudioEncoder>(m.file, layout, sampleRate, format,
                                             (m.out->oformat->flags & AVFMT_GLOBALHEADER) != 0);
  m.stream = avformat_new_stream(m.out, nullptr);
  VKMIX_ASSERT(m.stream != nullptr, "FFmpeg allocation failed");
  m.encoder->describe(m.stream);
  m.sink = [&m](AVPacket* packet) {
    av_packet_rescale_ts(packet, m.encoder->timeBase(), m.stream->time_base);
    packet->stream_index = m.stream->index;
    const int wrc = av_interleaved_write_frame(m.out, packet);
    if (wrc < 0) m.fail("write failed: " + ffmpegError(wrc));
  };
  try {
    m.direct = std::make_unique<DirectWriter>(m.temp.tempPath(), false, m.file);
  } catch (const FileError& e) {
    throw InputError(m.file, "",
                     std::string("cannot create the output file: ") + std::strerror(e.error()));
  }
  constexpr int kIoBytes = 1 << 16;  // small writes only (headers): packets pass it by
  auto* ioBuffer = static_cast<unsigned char*>(av_malloc(kIoBytes));
  VKMIX_ASSERT(ioBuffer != nullptr, "FFmpeg allocation failed");
  m.io = avio_alloc_context(ioBuffer, kIoBytes, 1, &m, nullptr, &Impl::writePacket, &Impl::seek);
  if (m.io == nullptr) av_free(ioBuffer);
  VKMIX_ASSERT(m.io != nullptr, "FFmpeg allocation failed");
  m.io->direct = 1;  // packets go to the DirectWriter without a copy into the context's buffer
  m.out->pb = m.io;
  AVDictionary* opts = nullptr;
  if (std::string_view(muxer) == "wav") av_dict_set(&opts, "rf64", "auto", 0);  // RF64 past 4 GiB
  rc = avformat_write_header(m.out, &opts);
  av_dict_free(&opts);
  if (rc < 0) m.fail("cannot write the header: " + ffmpegError(rc));
}

AudioWriter::~AudioWriter() = default;

std::int64_t AudioWriter::clippedSamples() const { return impl_->encoder->clippedSamples(); }

void AudioWriter::write(std::span<const float> planar, std::int64_t stride,
                        std::int64_t numFrames) {
  impl_->encoder->write(planar, stride, numFrames, impl_->sink);
}

void AudioWriter::finish() {
  close();
  commit();
}

void AudioWriter::commit() { impl_->temp.commit(); }

void AudioWriter::close() {
  Impl& m = *impl_;
  m.encoder->flush(m.sink);
  int rc = av_write_trailer(m.out);
  if (rc < 0) m.fail("cannot finish the file: " + ffmpegError(rc));
  avio_flush(m.io);
  if (m.io->error < 0) m.fail("cannot write the file (disk full?): " + ffmpegError(m.io->error));
  try {
    m.direct->close();
  } catch (const IoError& e) {
    if (m.ioError.empty()) m.ioError = e.what();
    m.fail("");
  }
}

}  // namespace vkmix::io
