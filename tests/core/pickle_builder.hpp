// Builds pickles opcode by opcode and zip archives entry by entry, for tests of the checkpoint
// reader and the loader on hand-made (often hostile) files.
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fer::test {

// Assembles pickles opcode by opcode.
struct Pk {
  std::string s;
  Pk& raw(std::string_view b) { s.append(b.data(), b.size()); return *this; }
  Pk& op(char c) { s.push_back(c); return *this; }
  Pk& le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
    return *this;
  }
  Pk& proto(char v = 2) { return op('\x80').op(v); }
  Pk& str(std::string_view t) { return op('X').le(t.size(), 4).raw(t); }
  Pk& integer(int64_t v) { return op('\x8a').op(8).le(static_cast<uint64_t>(v), 8); }  // LONG1
  Pk& global(std::string_view m, std::string_view n) { return op('c').raw(m).op('\n').raw(n).op('\n'); }
  Pk& put(uint32_t i) { return op('r').le(i, 4); }
  Pk& get(uint32_t i) { return op('j').le(i, 4); }
  Pk& mark() { return op('('); }
  Pk& tuple() { return op('t'); }
  Pk& reduce() { return op('R'); }
  Pk& stop() { return op('.'); }
  Pk& int_tuple(const std::vector<int64_t>& v) {
    mark();
    for (int64_t x : v) integer(x);
    return tuple();
  }
  Pk& ordered_dict() { return global("collections", "OrderedDict").op(')').reduce(); }
  // _rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset, sizes, strides, False, OrderedDict())
  Pk& tensor(std::string_view type, std::string_view key, int64_t numel, int64_t offset,
             const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides) {
    global("torch._utils", "_rebuild_tensor_v2").mark();
    mark().str("storage").global("torch", type).str(key).str("cpu").integer(numel).tuple().op('Q');
    integer(offset).int_tuple(sizes).int_tuple(strides).op('\x89').ordered_dict();
    return tuple().reduce();
  }
};

// A one-tensor state_dict pickle: OrderedDict(t=<float32 view>) with _metadata state.
inline std::string one_tensor_pickle(int64_t numel, int64_t offset, const std::vector<int64_t>& sizes,
                              const std::vector<int64_t>& strides, std::string_view type = "FloatStorage") {
  Pk p;
  p.proto().ordered_dict().put(0).mark().str("t").tensor(type, "0", numel, offset, sizes, strides).op('u');
  p.op('}').str("_metadata").ordered_dict().op('s').op('b');
  return p.stop().s;
}

inline uint32_t crc32(std::string_view data) {
  uint32_t c = 0xffffffffu;
  for (char ch : data) {
    c ^= static_cast<unsigned char>(ch);
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xffffffffu;
}

// An archive with the given entries; method 8 marks every entry as deflated
// (the data is left as is, which suffices for refusal tests); zip64 moves the
// central directory's sizes and offsets into zip64 extra fields.
inline std::string make_zip(const std::vector<std::pair<std::string, std::string>>& entries, uint16_t method = 0,
                     bool zip64 = false) {
  std::string out, dir;
  auto le = [](std::string& s, uint64_t v, int n) {
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  };
  for (const auto& [name, data] : entries) {
    const uint64_t offset = out.size();
    le(out, 0x04034b50, 4), le(out, 20, 2), le(out, 0, 2), le(out, method, 2), le(out, 0, 4);
    le(out, crc32(data), 4), le(out, data.size(), 4), le(out, data.size(), 4);
    le(out, name.size(), 2), le(out, 0, 2);
    out += name + data;
    le(dir, 0x02014b50, 4), le(dir, 20, 2), le(dir, 20, 2), le(dir, 0, 2), le(dir, method, 2), le(dir, 0, 4);
    const uint64_t size32 = zip64 ? 0xffffffff : data.size();
    le(dir, crc32(data), 4), le(dir, size32, 4), le(dir, size32, 4);
    le(dir, name.size(), 2), le(dir, zip64 ? 28 : 0, 2), le(dir, 0, 2), le(dir, 0, 2), le(dir, 0, 2), le(dir, 0, 4);
    le(dir, zip64 ? 0xffffffff : offset, 4);
    dir += name;
    if (zip64) le(dir, 1, 2), le(dir, 24, 2), le(dir, data.size(), 8), le(dir, data.size(), 8), le(dir, offset, 8);
  }
  const uint64_t dir_offset = out.size();
  out += dir;
  le(out, 0x06054b50, 4), le(out, 0, 4), le(out, entries.size(), 2), le(out, entries.size(), 2);
  le(out, dir.size(), 4), le(out, dir_offset, 4), le(out, 0, 2);
  return out;
}

inline std::string floats(std::initializer_list<float> v) {
  std::string out(v.size() * 4, '\0');
  std::memcpy(out.data(), std::data(v), out.size());
  return out;
}

}  // namespace fer::test
