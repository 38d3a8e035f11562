#include "zip_archive.hpp"

#include <array>
#include <utility>

#include "checkpoint_error.hpp"

namespace fer {
namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEocdSig = 0x06054b50;
constexpr uint32_t kZip64EocdSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint64_t kLocalHeaderSize = 30;
constexpr uint64_t kCentralHeaderSize = 46;
constexpr uint64_t kEocdSize = 22;
constexpr uint64_t kZip64LocatorSize = 20;
constexpr uint64_t kZip64EocdSize = 56;
constexpr uint64_t kMaxCommentSize = 0xffff;
constexpr uint16_t kZip64ExtraId = 0x0001;

[[noreturn]] void fail(const std::string& what) { throw CheckpointError(what); }

// True if [offset, offset + length) lies inside a buffer of `total` bytes.
bool fits(uint64_t total, uint64_t offset, uint64_t length) {
  return offset <= total && length <= total - offset;
}

// Bounds-checked little-endian reads from the archive buffer.
class Bytes {
 public:
  explicit Bytes(std::string_view data) : data_(data) {}
  uint64_t size() const { return data_.size(); }

  uint64_t le(uint64_t offset, unsigned width, const char* what) const {
    if (!fits(data_.size(), offset, width)) {
      fail(std::string("zip ") + what + " at byte " + std::to_string(offset) +
           " runs past the end of the file");
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < width; ++i) {
      v |= uint64_t(static_cast<unsigned char>(data_[offset + i])) << (8 * i);
    }
    return v;
  }
  uint16_t u16(uint64_t off, const char* what) const { return static_cast<uint16_t>(le(off, 2, what)); }
  uint32_t u32(uint64_t off, const char* what) const { return static_cast<uint32_t>(le(off, 4, what)); }
  uint64_t u64(uint64_t off, const char* what) const { return le(off, 8, what); }

  std::string_view slice(uint64_t offset, uint64_t length, const char* what) const {
    if (!fits(data_.size(), offset, length)) {
      fail(std::string("zip ") + what + " at byte " + std::to_string(offset) +
           " runs past the end of the file");
    }
    return data_.substr(offset, length);
  }

 private:
  std::string_view data_;
};

uint32_t crc32(std::string_view data) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  uint32_t c = 0xffffffffu;
  for (char ch : data) c = table[(c ^ static_cast<unsigned char>(ch)) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

struct Directory {
  uint64_t entries = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
};

// Finds the End Of Central Directory record, searching backwards over a
// possible archive comment (at most 64 KiB, so the search is bounded).
uint64_t find_eocd(const Bytes& b) {
  if (b.size() < kEocdSize) fail("not a zip archive (file too short)");
  const uint64_t last = b.size() - kEocdSize;
  const uint64_t first = last > kMaxCommentSize ? last - kMaxCommentSize : 0;
  for (uint64_t pos = last + 1; pos-- > first;) {
    if (b.u32(pos, "end record") == kEocdSig &&
        pos + kEocdSize + b.u16(pos + 20, "end record") <= b.size()) {
      return pos;
    }
  }
  fail("not a zip archive (no end-of-central-directory record)");
}

// ZIP64 end record, which torch writes for every archive (needed above 4 GiB).
Directory read_zip64_directory(const Bytes& b, uint64_t locator) {
  const uint64_t rec = b.u64(locator + 8, "zip64 locator");
  if (!fits(b.size(), rec, kZip64EocdSize) || b.u32(rec, "zip64 end record") != kZip64EocdSig) {
    fail("corrupt zip archive: zip64 end record not found at byte " + std::to_string(rec));
  }
  if (b.u32(rec + 16, "zip64 end record") != 0 || b.u32(rec + 20, "zip64 end record") != 0) {
    fail("multi-disk zip archives are not supported");
  }
  Directory d;
  d.entries = b.u64(rec + 32, "zip64 end record");
  d.size = b.u64(rec + 40, "zip64 end record");
  d.offset = b.u64(rec + 48, "zip64 end record");
  return d;
}

Directory read_directory(const Bytes& b) {
  const uint64_t eocd = find_eocd(b);
  if (b.u16(eocd + 4, "end record") != 0 || b.u16(eocd + 6, "end record") != 0) {
    fail("multi-disk zip archives are not supported");
  }
  if (eocd >= kZip64LocatorSize &&
      b.u32(eocd - kZip64LocatorSize, "zip64 locator") == kZip64LocatorSig) {
    return read_zip64_directory(b, eocd - kZip64LocatorSize);
  }
  Directory d;
  d.entries = b.u16(eocd + 10, "end record");
  d.size = b.u32(eocd + 12, "end record");
  d.offset = b.u32(eocd + 16, "end record");
  if (d.entries == 0xffff || d.size == 0xffffffff || d.offset == 0xffffffff) {
    fail("corrupt zip archive: zip64 sizes are used but the zip64 locator is missing");
  }
  return d;
}

struct CentralEntry {
  std::string name;
  uint16_t flags = 0;
  uint16_t method = 0;
  uint32_t crc = 0;
  uint64_t compressed = 0;
  uint64_t uncompressed = 0;
  uint64_t local_offset = 0;
  uint64_t record_size = 0;  // of this central-directory record
};

// Replaces 0xffffffff placeholders by the 64-bit values of the zip64 extra
// field (id 1), which lists them in a fixed order.
void apply_zip64_extra(const Bytes& b, uint64_t extra, uint64_t extra_len, CentralEntry& e) {
  const uint64_t end = extra + extra_len;
  for (uint64_t p = extra; p + 4 <= end;) {
    const uint16_t id = b.u16(p, "extra field");
    const uint16_t len = b.u16(p + 2, "extra field");
    if (p + 4 + len > end) fail("corrupt zip archive: extra field of '" + printable(e.name) + "' overruns its header");
    if (id == kZip64ExtraId) {
      uint64_t q = p + 4;
      const uint64_t qend = q + len;
      auto take = [&](uint64_t& field) {
        if (q + 8 > qend) fail("corrupt zip archive: zip64 extra field of '" + printable(e.name) + "' is too short");
        field = b.u64(q, "zip64 extra field");
        q += 8;
      };
      if (e.uncompressed == 0xffffffff) take(e.uncompressed);
      if (e.compressed == 0xffffffff) take(e.compressed);
      if (e.local_offset == 0xffffffff) take(e.local_offset);
    }
    p += 4 + len;
  }
}

CentralEntry read_central_entry(const Bytes& b, uint64_t p, uint64_t dir_end) {
  if (p + kCentralHeaderSize > dir_end || b.u32(p, "central directory") != kCentralHeaderSig) {
    fail("corrupt zip archive: bad central directory entry at byte " + std::to_string(p));
  }
  CentralEntry e;
  e.flags = b.u16(p + 8, "central directory");
  e.method = b.u16(p + 10, "central directory");
  e.crc = b.u32(p + 16, "central directory");
  e.compressed = b.u32(p + 20, "central directory");
  e.uncompressed = b.u32(p + 24, "central directory");
  const uint64_t name_len = b.u16(p + 28, "central directory");
  const uint64_t extra_len = b.u16(p + 30, "central directory");
  const uint64_t comment_len = b.u16(p + 32, "central directory");
  e.local_offset = b.u32(p + 42, "central directory");
  e.record_size = kCentralHeaderSize + name_len + extra_len + comment_len;
  if (p + e.record_size > dir_end) {
    fail("corrupt zip archive: central directory entry at byte " + std::to_string(p) +
         " overruns the directory");
  }
  e.name = std::string(b.slice(p + kCentralHeaderSize, name_len, "entry name"));
  apply_zip64_extra(b, p + kCentralHeaderSize + name_len, extra_len, e);
  return e;
}

// Checks the entry against its local header and returns where its data
// starts. Compressed entries are only bounds-checked here (TorchScript
// archives have some, and are still listed); read() refuses them.
uint64_t locate_data(const Bytes& b, const CentralEntry& e) {
  const std::string quoted = "'" + printable(e.name) + "'";
  if (e.name.empty()) fail("corrupt zip archive: entry with an empty name");
  if (e.flags & 0x1) fail("zip entry " + quoted + " is encrypted");
  const bool stored = e.method == 0;
  if (stored && e.compressed != e.uncompressed) {
    fail("corrupt zip archive: stored entry " + quoted + " has different compressed and uncompressed sizes");
  }
  const uint64_t h = e.local_offset;
  if (!fits(b.size(), h, kLocalHeaderSize) || b.u32(h, "local header") != kLocalHeaderSig) {
    fail("corrupt zip archive: local header of " + quoted + " not found at byte " + std::to_string(h));
  }
  const uint64_t name_len = b.u16(h + 26, "local header");
  const uint64_t extra_len = b.u16(h + 28, "local header");
  if (b.slice(h + kLocalHeaderSize, name_len, "local header") != e.name) {
    fail("corrupt zip archive: local header name differs from the directory for " + quoted);
  }
  const uint64_t data = h + kLocalHeaderSize + name_len + extra_len;
  if (!fits(b.size(), data, e.compressed)) {
    fail("corrupt zip archive: data of " + quoted + " (" + std::to_string(e.compressed) +
         " bytes) runs past the end of the file");
  }
  if (stored && crc32(b.slice(data, e.uncompressed, "entry data")) != e.crc) {
    fail("corrupt zip archive: CRC mismatch in entry " + quoted);
  }
  return data;
}

}  // namespace

ZipArchive::ZipArchive(std::string bytes) : bytes_(std::move(bytes)) {
  const Bytes b(bytes_);
  const Directory dir = read_directory(b);
  if (!fits(b.size(), dir.offset, dir.size)) {
    fail("corrupt zip archive: central directory lies outside the file");
  }
  // Each record takes at least 46 bytes, which bounds the declared count
  // before anything is allocated for it.
  if (dir.entries > dir.size / kCentralHeaderSize) {
    fail("corrupt zip archive: " + std::to_string(dir.entries) +
         " entries declared but the central directory holds at most " +
         std::to_string(dir.size / kCentralHeaderSize));
  }
  const uint64_t dir_end = dir.offset + dir.size;
  uint64_t p = dir.offset;
  for (uint64_t i = 0; i < dir.entries; ++i) {
    CentralEntry e = read_central_entry(b, p, dir_end);
    p += e.record_size;
    const Entry entry{locate_data(b, e), e.compressed, e.method};
    if (!entries_.emplace(e.name, entry).second) {
      fail("corrupt zip archive: duplicate entry '" + printable(e.name) + "'");
    }
    names_.push_back(std::move(e.name));
  }
}

bool ZipArchive::has(const std::string& name) const { return entries_.count(name) != 0; }

std::string_view ZipArchive::read(const std::string& name) const {
  const auto it = entries_.find(name);
  if (it == entries_.end()) fail("zip entry '" + printable(name) + "' is missing");
  if (it->second.method != 0) {
    fail("zip entry '" + printable(name) + "' is compressed; PyTorch checkpoints store entries uncompressed");
  }
  return std::string_view(bytes_).substr(it->second.offset, it->second.size);
}

std::string ZipArchive::prefix() const {
  if (names_.empty()) return {};
  const auto slash = names_.front().find('/');
  return slash == std::string::npos ? std::string() : names_.front().substr(0, slash);
}

bool ZipArchive::looks_like_zip(std::string_view bytes) {
  return bytes.size() >= 4 && bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4);
}

}  // namespace fer
