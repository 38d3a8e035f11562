#include "unpickler.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>

#include "checkpoint_error.hpp"

namespace fer::pickle {
namespace {

using Kind = Value::Kind;

constexpr size_t kMaxTensorDims = 64;
constexpr size_t kMaxStorageKey = 64;
constexpr const char* kAllowedHint =
    "(only tensor rebuild functions, storages, OrderedDict and plain containers are allowed)";

[[noreturn]] void fail(const std::string& what) { throw CheckpointError(what); }

// ---------------------------------------------------------------------------
// The allow-list. Everything else named by GLOBAL / STACK_GLOBAL / INST is
// refused as soon as it is read; none of these is ever called, each is
// interpreted by Unpickler::call().

enum class Fn {
  OrderedDict, RebuildTensorV2, RebuildTensor, RebuildParameter, Storage,
  TypedList, RestoreTypeTag, CodecsEncode, Set, Bytes,
};

struct GlobalInfo {
  Fn fn;
  DType dtype = DType::Float32;  // Storage: element type
  Kind element = Kind::None;     // TypedList: required element kind
};

const std::unordered_map<std::string_view, GlobalInfo>& allowed_globals() {
  static const std::unordered_map<std::string_view, GlobalInfo> table = {
      {"collections.OrderedDict", {Fn::OrderedDict}},
      {"torch._utils._rebuild_tensor_v2", {Fn::RebuildTensorV2}},
      {"torch._utils._rebuild_tensor", {Fn::RebuildTensor}},
      {"torch._utils._rebuild_parameter", {Fn::RebuildParameter}},
      {"torch.FloatStorage", {Fn::Storage, DType::Float32}},
      {"torch.DoubleStorage", {Fn::Storage, DType::Float64}},
      {"torch.HalfStorage", {Fn::Storage, DType::Float16}},
      {"torch.BFloat16Storage", {Fn::Storage, DType::BFloat16}},
      {"torch.LongStorage", {Fn::Storage, DType::Int64}},
      {"torch.IntStorage", {Fn::Storage, DType::Int32}},
      {"torch.ShortStorage", {Fn::Storage, DType::Int16}},
      {"torch.CharStorage", {Fn::Storage, DType::Int8}},
      {"torch.ByteStorage", {Fn::Storage, DType::UInt8}},
      {"torch.BoolStorage", {Fn::Storage, DType::Bool}},
      // LibTorch's C++ pickler (torch::pickle_save) tags lists with these.
      {"torch.jit._pickle.build_intlist", {Fn::TypedList, DType::Float32, Kind::Int}},
      {"torch.jit._pickle.build_doublelist", {Fn::TypedList, DType::Float32, Kind::Float}},
      {"torch.jit._pickle.build_boollist", {Fn::TypedList, DType::Float32, Kind::Bool}},
      {"torch.jit._pickle.build_tensorlist", {Fn::TypedList, DType::Float32, Kind::Tensor}},
      {"torch.jit._pickle.build_stringlist", {Fn::TypedList, DType::Float32, Kind::String}},
      {"torch.jit._pickle.restore_type_tag", {Fn::RestoreTypeTag}},
      // Protocol 2 writes bytes as _codecs.encode(str, 'latin1') and b'' as bytes().
      {"_codecs.encode", {Fn::CodecsEncode}},
      {"builtins.bytes", {Fn::Bytes}},
      {"builtins.set", {Fn::Set}},
      {"builtins.frozenset", {Fn::Set}},
  };
  return table;
}

// Python 2 module names that protocol <= 2 pickles still use.
std::string normalize_module(std::string_view module) {
  if (module == "__builtin__") return "builtins";
  return std::string(module);
}

// ---------------------------------------------------------------------------
// Text helpers.

bool valid_utf8(std::string_view s) {
  static const uint32_t kMinCodePoint[] = {0, 0x80, 0x800, 0x10000};
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (extra > s.size() - i - 1) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < kMinCodePoint[extra] || cp > 0x10ffff) return false;
    i += extra + 1;
  }
  return true;
}

std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out += ch;
    } else {
      out += static_cast<char>(0xc0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3f));
    }
  }
  return out;
}

// Inverse of latin1_to_utf8 for valid UTF-8; false if a code point is > 0xff.
bool utf8_to_latin1(std::string_view s, std::string& out) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += s[i];
    } else if ((c == 0xc2 || c == 0xc3) && i + 1 < s.size()) {
      out += static_cast<char>(((c & 0x1f) << 6) | (static_cast<unsigned char>(s[++i]) & 0x3f));
    } else {
      return false;
    }
  }
  return true;
}

bool is_text(const Value& v) { return v.kind == Kind::String || v.kind == Kind::Bytes; }
bool is_container(const Value& v) {
  return v.kind == Kind::List || v.kind == Kind::Tuple || v.kind == Kind::Dict;
}
bool is_unhashable(const Value& v) { return v.kind == Kind::List || v.kind == Kind::Dict; }

size_t child_count(const Value& v) { return v.kind == Kind::Dict ? 2 * v.dict.size() : v.items.size(); }
const Value* child(const Value& v, size_t k) {
  if (v.kind != Kind::Dict) return v.items[k].get();
  const auto& kv = v.dict[k / 2];
  return (k % 2 == 0 ? kv.first : kv.second).get();
}

// ---------------------------------------------------------------------------
// Tensor view validation: every element the view can touch must lie inside
// the storage, computed without signed overflow.

bool mul_ok(int64_t a, int64_t b, int64_t& out) { return !__builtin_mul_overflow(a, b, &out); }
bool add_ok(int64_t a, int64_t b, int64_t& out) { return !__builtin_add_overflow(a, b, &out); }

void check_view(const TensorRef& t) {
  if (t.sizes.size() != t.strides.size()) {
    fail("tensor has " + std::to_string(t.sizes.size()) + " sizes but " +
         std::to_string(t.strides.size()) + " strides");
  }
  if (t.storage_offset < 0) fail("tensor has a negative storage offset");
  bool empty = false;
  for (size_t d = 0; d < t.sizes.size(); ++d) {
    if (t.sizes[d] < 0 || t.strides[d] < 0) fail("tensor has a negative size or stride");
    empty = empty || t.sizes[d] == 0;
  }
  const std::string where = "tensor view (storage '" + printable(t.storage_key) + "', offset " +
                            std::to_string(t.storage_offset) + ")";
  if (empty) {
    if (t.storage_offset > t.storage_numel) fail(where + " starts past the end of its storage");
    return;
  }
  int64_t numel = 1;
  int64_t last = t.storage_offset;  // highest element index the view touches
  for (size_t d = 0; d < t.sizes.size(); ++d) {
    int64_t extent = 0;
    if (!mul_ok(numel, t.sizes[d], numel) || !mul_ok(t.sizes[d] - 1, t.strides[d], extent) ||
        !add_ok(last, extent, last)) {
      fail(where + " has sizes/strides that overflow 64-bit arithmetic");
    }
  }
  if (last >= t.storage_numel) {
    fail(where + " reaches element " + std::to_string(last) + " but its storage holds only " +
         std::to_string(t.storage_numel) + " elements");
  }
}

// ---------------------------------------------------------------------------

class Unpickler {
 public:
  Unpickler(std::string_view data, const Limits& limits) : data_(data), limits_(limits) {}
  Unpickler(const Unpickler&) = delete;
  Unpickler& operator=(const Unpickler&) = delete;
  ~Unpickler();

  ValuePtr run();

 private:
  // Input.
  [[noreturn]] void truncated() const {
    fail("truncated pickle at byte " + std::to_string(data_.size()));
  }
  [[noreturn]] void error(const std::string& what) const;
  std::string_view take(uint64_t n);
  uint64_t le(unsigned width);
  std::string_view line();
  int64_t read_long(uint64_t nbytes);

  // Stack, marks and memo.
  size_t frame_base() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(ValuePtr v);
  ValuePtr pop();
  const ValuePtr& top() const;
  void mark();
  std::vector<ValuePtr> pop_mark();
  void pop_or_pop_mark();
  void memo_get(uint64_t index);
  void memo_put(uint64_t index);

  // Values.
  void charge(size_t n);
  ValuePtr make(Kind kind);
  ValuePtr make_int(int64_t i);
  ValuePtr make_float(double f);
  ValuePtr make_bool(bool b);
  ValuePtr make_string(std::string_view utf8);
  ValuePtr make_bytes(std::string_view bytes);
  ValuePtr make_sequence(Kind kind, std::vector<ValuePtr> items);
  void add_items(Value& target, std::vector<ValuePtr> items);
  void set_item(Value& dict, ValuePtr key, ValuePtr value);
  ValuePtr make_dict(std::vector<ValuePtr> flat);

  // Opcodes.
  void step(uint8_t op);
  int64_t parse_int(std::string_view text) const;
  uint64_t text_index(std::string_view text) const;
  void text_int(bool is_long);
  void text_float();
  void text_string(bool quoted);
  void tuple_n(size_t n);
  void append();
  void set_item_op();
  void container_op(uint8_t op);
  void global(std::string_view module, std::string_view name);
  void stack_global();
  void reduce();
  void newobj_ex();
  void build();
  void binpersid();

  // Interpreting allow-listed globals.
  ValuePtr call(const ValuePtr& fn, const ValuePtr& args);
  ValuePtr rebuild_tensor(const std::string& fn, const std::vector<ValuePtr>& a, bool v2);
  ValuePtr rebuild_parameter(const std::string& fn, const std::vector<ValuePtr>& a);
  ValuePtr typed_list(const std::string& fn, const std::vector<ValuePtr>& a, Kind element);
  ValuePtr codecs_encode(const std::vector<ValuePtr>& a);
  ValuePtr copy_pairs_to_dict(const std::string& fn, const Value& pairs);
  ValuePtr persistent_load(const Value& pid);
  int64_t int_arg(const std::string& fn, const Value& v, const char* what) const;
  std::vector<int64_t> int_sequence(const std::string& fn, const Value& v, const char* what);

  // Result checks.
  ValuePtr finish(ValuePtr root);
  void check_dict_keys(const Value& dict) const;

  std::string_view data_;
  Limits limits_;
  size_t pos_ = 0;
  size_t op_pos_ = 0;
  uint8_t op_ = 0;
  std::vector<ValuePtr> stack_;
  std::vector<size_t> marks_;
  std::map<uint64_t, ValuePtr> memo_;  // ordered: indices are attacker-chosen, no hash flooding
  size_t objects_ = 0;
  std::vector<ValuePtr> containers_;  // every container made, to break cycles
  // Containers in the result: nesting height (0 while being checked) and
  // number of values below them counting shared ones each time.
  struct Shape {
    size_t height;
    size_t size;
  };
  std::unordered_map<const Value*, Shape> result_shapes_;
  bool succeeded_ = false;
};

Unpickler::~Unpickler() {
  // Empty every container that is not part of the result. This frees
  // reference cycles a hostile pickle built through the memo, and keeps the
  // destruction of long chains flat (each container still held here while
  // its children are released).
  for (const auto& c : containers_) {
    if (!succeeded_ || result_shapes_.count(c.get()) == 0) {
      c->items.clear();
      c->dict.clear();
    }
  }
}

void Unpickler::error(const std::string& what) const {
  char where[64];
  std::snprintf(where, sizeof where, " (opcode 0x%02x at pickle byte %zu)", op_, op_pos_);
  fail(what + where);
}

std::string_view Unpickler::take(uint64_t n) {
  if (n > data_.size() - pos_) truncated();
  const std::string_view v = data_.substr(pos_, n);
  pos_ += n;
  return v;
}

uint64_t Unpickler::le(unsigned width) {
  const std::string_view b = take(width);
  uint64_t v = 0;
  for (unsigned i = 0; i < width; ++i) v |= uint64_t(static_cast<unsigned char>(b[i])) << (8 * i);
  return v;
}

// A protocol-0 text argument, without its newline.
std::string_view Unpickler::line() {
  const size_t nl = data_.find('\n', pos_);
  if (nl == std::string_view::npos) truncated();
  const std::string_view v = data_.substr(pos_, nl - pos_);
  pos_ = nl + 1;
  return v;
}

// LONG1/LONG4: little-endian two's complement of nbytes bytes.
int64_t Unpickler::read_long(uint64_t nbytes) {
  if (nbytes > 8) error("integer wider than 64 bits (" + std::to_string(nbytes) + " bytes)");
  const uint64_t width = nbytes;
  if (width == 0) return 0;
  uint64_t v = le(static_cast<unsigned>(width));
  if (width < 8 && (v >> (8 * width - 1)) & 1) v |= ~uint64_t(0) << (8 * width);  // sign-extend
  int64_t out;
  std::memcpy(&out, &v, sizeof out);
  return out;
}

void Unpickler::push(ValuePtr v) {
  if (stack_.size() >= limits_.max_objects) error("pickle stack grows beyond the object limit");
  stack_.push_back(std::move(v));
}

ValuePtr Unpickler::pop() {
  if (stack_.size() <= frame_base()) error("pickle stack underflow");
  ValuePtr v = std::move(stack_.back());
  stack_.pop_back();
  return v;
}

const ValuePtr& Unpickler::top() const {
  if (stack_.size() <= frame_base()) error("pickle stack underflow");
  return stack_.back();
}

void Unpickler::mark() {
  if (marks_.size() >= limits_.max_depth) {
    error("pickle nests MARKs deeper than " + std::to_string(limits_.max_depth) + " levels");
  }
  marks_.push_back(stack_.size());
}

std::vector<ValuePtr> Unpickler::pop_mark() {
  if (marks_.empty()) error("pickle uses a MARK that was never set");
  const size_t base = marks_.back();
  marks_.pop_back();
  std::vector<ValuePtr> items(std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(base)),
                              std::make_move_iterator(stack_.end()));
  stack_.resize(base);
  return items;
}

// POP removes the top item, or the mark itself if its frame is empty.
void Unpickler::pop_or_pop_mark() {
  if (stack_.size() > frame_base()) {
    stack_.pop_back();
  } else {
    pop_mark();
  }
}

void Unpickler::memo_get(uint64_t index) {
  const auto it = memo_.find(index);
  if (it == memo_.end()) error("memo entry " + std::to_string(index) + " is read before it is written");
  push(it->second);
}

void Unpickler::memo_put(uint64_t index) {
  const ValuePtr& v = top();
  if (memo_.size() >= limits_.max_memo && memo_.count(index) == 0) {
    error("pickle memo grows beyond " + std::to_string(limits_.max_memo) + " entries");
  }
  memo_[index] = v;
}

void Unpickler::charge(size_t n) {
  if (n > limits_.max_objects - objects_) {
    error("pickle creates more than " + std::to_string(limits_.max_objects) + " objects");
  }
  objects_ += n;
}

ValuePtr Unpickler::make(Kind kind) {
  charge(1);
  auto v = std::make_shared<Value>();
  v->kind = kind;
  if (is_container(*v)) containers_.push_back(v);
  return v;
}

ValuePtr Unpickler::make_int(int64_t i) {
  ValuePtr v = make(Kind::Int);
  v->i = i;
  return v;
}

ValuePtr Unpickler::make_float(double f) {
  ValuePtr v = make(Kind::Float);
  v->f = f;
  return v;
}

ValuePtr Unpickler::make_bool(bool b) {
  ValuePtr v = make(Kind::Bool);
  v->b = b;
  return v;
}

ValuePtr Unpickler::make_string(std::string_view utf8) {
  if (!valid_utf8(utf8)) error("string is not valid UTF-8");
  ValuePtr v = make(Kind::String);
  v->s = std::string(utf8);
  return v;
}

ValuePtr Unpickler::make_bytes(std::string_view bytes) {
  ValuePtr v = make(Kind::Bytes);
  v->s = std::string(bytes);
  return v;
}

ValuePtr Unpickler::make_sequence(Kind kind, std::vector<ValuePtr> items) {
  ValuePtr v = make(kind);
  v->items = std::move(items);
  return v;
}

// APPENDS / ADDITEMS: only real lists (and sets, which are lists here) grow.
void Unpickler::add_items(Value& target, std::vector<ValuePtr> items) {
  if (target.kind != Kind::List) error(std::string("cannot append to a ") + target.kind_name());
  target.items.insert(target.items.end(), std::make_move_iterator(items.begin()),
                      std::make_move_iterator(items.end()));
}

// Duplicate keys are refused later, in check_dict_keys, in linear time.
void Unpickler::set_item(Value& dict, ValuePtr key, ValuePtr value) {
  if (dict.kind != Kind::Dict) error(std::string("cannot set an item on a ") + dict.kind_name());
  if (is_unhashable(*key)) error(std::string("dict key is an unhashable ") + key->kind_name());
  dict.dict.emplace_back(std::move(key), std::move(value));
}

ValuePtr Unpickler::make_dict(std::vector<ValuePtr> flat) {
  if (flat.size() % 2 != 0) error("dict built from an odd number of items");
  ValuePtr d = make(Kind::Dict);
  for (size_t k = 0; k < flat.size(); k += 2) set_item(*d, std::move(flat[k]), std::move(flat[k + 1]));
  return d;
}

// ---------------------------------------------------------------------------

ValuePtr Unpickler::run() {
  for (;;) {
    op_pos_ = pos_;
    if (pos_ >= data_.size()) fail("truncated pickle at byte " + std::to_string(pos_) + " (no STOP opcode)");
    op_ = static_cast<uint8_t>(data_[pos_++]);
    if (op_ == '.') return finish(pop());
    step(op_);
  }
}

void Unpickler::step(uint8_t op) {
  switch (op) {
    case 0x80: {  // PROTO
      const uint64_t proto = le(1);
      if (proto > 5) error("unsupported pickle protocol " + std::to_string(proto));
      return;
    }
    case 0x95:  // FRAME: only a length hint for buffered readers
      if (le(8) > data_.size() - pos_) truncated();
      return;
    case '(': return mark();
    case '0': return pop_or_pop_mark();
    case '1': pop_mark(); return;
    case '2': return push(top());
    case 'N': return push(make(Kind::None));
    case 0x88: return push(make_bool(true));
    case 0x89: return push(make_bool(false));
    case 'K': return push(make_int(static_cast<int64_t>(le(1))));
    case 'M': return push(make_int(static_cast<int64_t>(le(2))));
    case 'J': return push(make_int(static_cast<int32_t>(le(4))));
    case 0x8a: return push(make_int(read_long(le(1))));
    case 0x8b: return push(make_int(read_long(le(4))));
    case 'I': return text_int(false);
    case 'L': return text_int(true);
    case 'F': return text_float();
    case 'G': {  // BINFLOAT: big-endian IEEE double
      const std::string_view b = take(8);
      uint64_t bits = 0;
      for (char c : b) bits = (bits << 8) | static_cast<unsigned char>(c);
      double f;
      std::memcpy(&f, &bits, sizeof f);
      return push(make_float(f));
    }
    case 'X': return push(make_string(take(le(4))));
    case 0x8c: return push(make_string(take(le(1))));
    case 0x8d: return push(make_string(take(le(8))));
    case 'T': {  // BINSTRING: signed 32-bit length
      const auto n = static_cast<int32_t>(le(4));
      if (n < 0) error("negative string length");
      return push(make_string(take(static_cast<uint64_t>(n))));
    }
    case 'U': return push(make_string(take(le(1))));
    case 'S': return text_string(true);
    case 'V': return text_string(false);
    case 'B': return push(make_bytes(take(le(4))));
    case 'C': return push(make_bytes(take(le(1))));
    case 0x8e:
    case 0x96: return push(make_bytes(take(le(8))));  // BINBYTES8, BYTEARRAY8
    case 0x97: error("out-of-band pickle buffers (NEXT_BUFFER) are not supported");
    case 0x98:  // READONLY_BUFFER
      if (top()->kind != Kind::Bytes) error("READONLY_BUFFER on something other than bytes");
      return;
    case 'g': return memo_get(text_index(line()));
    case 'h': return memo_get(le(1));
    case 'j': return memo_get(le(4));
    case 'p': return memo_put(text_index(line()));
    case 'q': return memo_put(le(1));
    case 'r': return memo_put(le(4));
    case 0x94: return memo_put(memo_.size());  // MEMOIZE
    case 'c': {
      const std::string_view module = line();
      return global(module, line());
    }
    case 0x93: return stack_global();
    case 'R':
    case 0x81: return reduce();  // REDUCE, NEWOBJ: callable, args
    case 0x92: return newobj_ex();
    case 'b': return build();
    case 'Q': return binpersid();
    case 'P': error("text persistent ids (PERSID) are not used by torch and not supported");
    case 'i': {  // INST: refuse by name first, so hostile pickles get the clear message
      const std::string_view module = line();
      global(module, line());
      error("protocol-0 class instantiation (INST) is not supported");
    }
    case 'o': error("protocol-0 class instantiation (OBJ) is not supported");
    case 0x82:
    case 0x83:
    case 0x84: error("pickle extension registry codes (EXT1/EXT2/EXT4) are not allowed");
    default: return container_op(op);
  }
}

void Unpickler::container_op(uint8_t op) {
  switch (op) {
    case ']':
    case 0x8f: return push(make(Kind::List));  // EMPTY_LIST, EMPTY_SET (sets become lists)
    case '}': return push(make(Kind::Dict));
    case ')': return push(make(Kind::Tuple));
    case 'l':
    case 0x91: return push(make_sequence(Kind::List, pop_mark()));  // LIST, FROZENSET
    case 't': return push(make_sequence(Kind::Tuple, pop_mark()));
    case 'd': return push(make_dict(pop_mark()));
    case 0x85: return tuple_n(1);
    case 0x86: return tuple_n(2);
    case 0x87: return tuple_n(3);
    case 'a': return append();
    case 'e':
    case 0x90: {  // APPENDS, ADDITEMS
      std::vector<ValuePtr> items = pop_mark();
      return add_items(*top(), std::move(items));
    }
    case 's': return set_item_op();
    case 'u': {  // SETITEMS
      std::vector<ValuePtr> items = pop_mark();
      if (items.size() % 2 != 0) error("SETITEMS with an odd number of items");
      Value& dict = *top();
      for (size_t k = 0; k < items.size(); k += 2) set_item(dict, std::move(items[k]), std::move(items[k + 1]));
      return;
    }
    default: {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%02x", op);
      error(std::string("unknown pickle opcode ") + buf);
    }
  }
}

void Unpickler::tuple_n(size_t n) {
  if (stack_.size() < frame_base() + n) error("pickle stack underflow");
  std::vector<ValuePtr> items(std::make_move_iterator(stack_.end() - static_cast<std::ptrdiff_t>(n)),
                              std::make_move_iterator(stack_.end()));
  stack_.resize(stack_.size() - n);
  push(make_sequence(Kind::Tuple, std::move(items)));
}

void Unpickler::append() {
  ValuePtr v = pop();
  std::vector<ValuePtr> one;
  one.push_back(std::move(v));
  add_items(*top(), std::move(one));
}

void Unpickler::set_item_op() {
  ValuePtr value = pop();
  ValuePtr key = pop();
  set_item(*top(), std::move(key), std::move(value));
}

// ---------------------------------------------------------------------------
// Protocol-0 text opcodes (never written by torch, accepted for completeness).

int64_t Unpickler::parse_int(std::string_view text) const {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || text.empty()) {
    error("bad integer '" + printable(text) + "' (or wider than 64 bits)");
  }
  return v;
}

uint64_t Unpickler::text_index(std::string_view text) const {
  const int64_t v = parse_int(text);
  if (v < 0) error("negative memo index");
  return static_cast<uint64_t>(v);
}

void Unpickler::text_int(bool is_long) {
  std::string_view text = line();
  if (is_long && !text.empty() && text.back() == 'L') text.remove_suffix(1);
  if (!is_long && text == "00") return push(make_bool(false));
  if (!is_long && text == "01") return push(make_bool(true));
  push(make_int(parse_int(text)));
}

void Unpickler::text_float() {
  const std::string_view text = line();
  double f = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, f);
  if (ec != std::errc() || ptr != end || text.empty()) error("bad float '" + printable(text) + "'");
  push(make_float(f));
}

// STRING ('quoted') and UNICODE (raw-unicode-escape, i.e. latin-1). Escape
// sequences are refused rather than decoded: torch never writes these.
void Unpickler::text_string(bool quoted) {
  std::string_view text = line();
  if (text.find('\\') != std::string_view::npos) error("escaped protocol-0 strings are not supported");
  if (!quoted) return push(make_string(latin1_to_utf8(text)));
  if (text.size() < 2 || (text.front() != '\'' && text.front() != '"') || text.back() != text.front()) {
    error("malformed quoted string");
  }
  push(make_string(text.substr(1, text.size() - 2)));
}

// ---------------------------------------------------------------------------
// Globals and calls.

void Unpickler::global(std::string_view module, std::string_view name) {
  const std::string full = normalize_module(module) + "." + std::string(name);
  if (allowed_globals().count(full) == 0) {
    fail("disallowed global '" + printable(full) + "' in pickle " + kAllowedHint);
  }
  ValuePtr v = make(Kind::Global);
  v->s = full;
  push(std::move(v));
}

void Unpickler::stack_global() {
  ValuePtr name = pop();
  ValuePtr module = pop();
  if (name->kind != Kind::String || module->kind != Kind::String) {
    error("STACK_GLOBAL needs two strings");
  }
  global(module->s, name->s);
}

void Unpickler::reduce() {
  ValuePtr args = pop();
  ValuePtr fn = pop();
  push(call(fn, args));
}

void Unpickler::newobj_ex() {
  ValuePtr kwargs = pop();
  ValuePtr args = pop();
  ValuePtr cls = pop();
  if (kwargs->kind != Kind::Dict || !kwargs->dict.empty()) error("NEWOBJ_EX with keyword arguments");
  push(call(cls, args));
}

// BUILD sets instance state. The only instances here are OrderedDicts, whose
// state is Python attributes such as a state_dict's '_metadata': discarded.
void Unpickler::build() {
  ValuePtr state = pop();
  const Value& obj = *top();
  const bool plain_state = state->kind == Kind::Dict || state->kind == Kind::Tuple || state->kind == Kind::None;
  if (obj.kind != Kind::Dict || !plain_state) {
    error(std::string("BUILD (object state) on a ") + obj.kind_name() + " is not supported");
  }
}

void Unpickler::binpersid() {
  ValuePtr pid = pop();
  push(persistent_load(*pid));
}

// torch.save's persistent id: ('storage', <storage type>, key, location, numel).
ValuePtr Unpickler::persistent_load(const Value& pid) {
  if (pid.kind != Kind::Tuple || pid.items.size() != 5) {
    error("persistent id is not a ('storage', type, key, location, size) tuple");
  }
  const auto& a = pid.items;
  if (!is_text(*a[0]) || a[0]->s != "storage") {
    error("unsupported persistent id type '" + (is_text(*a[0]) ? printable(a[0]->s) : std::string(a[0]->kind_name())) + "'");
  }
  if (a[1]->kind != Kind::Global || allowed_globals().at(a[1]->s).fn != Fn::Storage) {
    error("persistent id does not name a storage type");
  }
  const std::string& key = a[2]->s;
  const bool key_ok = is_text(*a[2]) && !key.empty() && key.size() <= kMaxStorageKey &&
                      std::all_of(key.begin(), key.end(), [](char c) {
                        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
                      });
  if (!key_ok) error("invalid storage key '" + printable(key) + "' in persistent id");
  if (!is_text(*a[3])) error("storage location in persistent id is not a string");
  const DType dtype = allowed_globals().at(a[1]->s).dtype;
  const int64_t numel = int_arg(a[1]->s, *a[4], "storage size");
  if (numel < 0 || numel > std::numeric_limits<int64_t>::max() / static_cast<int64_t>(dtype_size(dtype))) {
    error("storage size " + std::to_string(numel) + " is out of range");
  }
  ValuePtr v = make(Kind::Storage);
  v->tensor.storage_key = key;
  v->tensor.dtype = dtype;
  v->tensor.storage_numel = numel;
  return v;
}

ValuePtr Unpickler::call(const ValuePtr& fn_value, const ValuePtr& args_value) {
  if (fn_value->kind != Kind::Global) {
    error(std::string("call of a ") + fn_value->kind_name() + ", which is not a class or function");
  }
  const std::string& fn = fn_value->s;
  if (args_value->kind != Kind::Tuple) error("arguments of '" + fn + "' are not a tuple");
  const std::vector<ValuePtr>& a = args_value->items;
  const GlobalInfo& info = allowed_globals().at(fn);
  auto arity = [&](size_t lo, size_t hi) {
    if (a.size() < lo || a.size() > hi) {
      error("'" + fn + "' called with " + std::to_string(a.size()) + " arguments");
    }
  };
  switch (info.fn) {
    case Fn::OrderedDict:
      arity(0, 1);
      return a.empty() ? make(Kind::Dict) : copy_pairs_to_dict(fn, *a[0]);
    case Fn::Set: {
      arity(0, 1);
      if (a.empty()) return make(Kind::List);
      if (!a[0]->is_sequence()) error("'" + fn + "' of a " + a[0]->kind_name());
      charge(a[0]->items.size());
      return make_sequence(Kind::List, a[0]->items);
    }
    case Fn::Bytes:
      arity(0, 0);
      return make_bytes("");
    case Fn::CodecsEncode:
      arity(2, 2);
      return codecs_encode(a);
    case Fn::RestoreTypeTag:
      arity(2, 2);
      if (a[1]->kind != Kind::String) error("type tag of restore_type_tag is not a string");
      return a[0];
    case Fn::TypedList:
      arity(1, 1);
      return typed_list(fn, a, info.element);
    case Fn::RebuildTensorV2:
      arity(6, 7);
      return rebuild_tensor(fn, a, true);
    case Fn::RebuildTensor:
      arity(4, 4);
      return rebuild_tensor(fn, a, false);
    case Fn::RebuildParameter:
      arity(3, 3);
      return rebuild_parameter(fn, a);
    case Fn::Storage:
      error("storage type '" + fn + "' may only appear inside a persistent id");
  }
  error("internal error: unhandled global '" + fn + "'");
}

int64_t Unpickler::int_arg(const std::string& fn, const Value& v, const char* what) const {
  if (v.kind != Kind::Int) error(std::string(what) + " passed to '" + fn + "' is a " + v.kind_name() + ", not an int");
  return v.i;
}

std::vector<int64_t> Unpickler::int_sequence(const std::string& fn, const Value& v, const char* what) {
  if (!v.is_sequence()) error(std::string(what) + " passed to '" + fn + "' is a " + v.kind_name() + ", not a tuple");
  if (v.items.size() > kMaxTensorDims) error("tensor has more than " + std::to_string(kMaxTensorDims) + " dimensions");
  charge(v.items.size());
  std::vector<int64_t> out;
  for (const auto& item : v.items) out.push_back(int_arg(fn, *item, what));
  return out;
}

// _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata])
// _rebuild_tensor(storage, offset, size, stride)
ValuePtr Unpickler::rebuild_tensor(const std::string& fn, const std::vector<ValuePtr>& a, bool v2) {
  if (a[0]->kind != Kind::Storage) error("first argument of '" + fn + "' is not a storage");
  TensorRef t = a[0]->tensor;
  t.storage_offset = int_arg(fn, *a[1], "storage offset");
  t.sizes = int_sequence(fn, *a[2], "size");
  t.strides = int_sequence(fn, *a[3], "stride");
  if (v2) {
    if (a[4]->kind != Kind::Bool) error("requires_grad passed to '" + fn + "' is not a bool");
    t.requires_grad = a[4]->b;
    if (a[5]->kind != Kind::Dict) error("backward hooks passed to '" + fn + "' are not an OrderedDict");
  }
  try {
    check_view(t);
  } catch (const CheckpointError& e) {
    error(e.what());
  }
  ValuePtr v = make(Kind::Tensor);
  v->tensor = std::move(t);
  return v;
}

// _rebuild_parameter(tensor, requires_grad, backward_hooks): the tensor itself.
ValuePtr Unpickler::rebuild_parameter(const std::string& fn, const std::vector<ValuePtr>& a) {
  if (a[0]->kind != Kind::Tensor) error("first argument of '" + fn + "' is not a tensor");
  if (a[1]->kind != Kind::Bool) error("requires_grad passed to '" + fn + "' is not a bool");
  if (a[2]->kind != Kind::Dict) error("backward hooks passed to '" + fn + "' are not an OrderedDict");
  charge(a[0]->tensor.sizes.size() * 2);
  ValuePtr v = make(Kind::Tensor);
  v->tensor = a[0]->tensor;
  v->tensor.requires_grad = a[1]->b;
  return v;
}

// torch.jit._pickle.build_*list(list): the list, whose elements are checked.
ValuePtr Unpickler::typed_list(const std::string& fn, const std::vector<ValuePtr>& a, Kind element) {
  if (a[0]->kind != Kind::List) error("argument of '" + fn + "' is not a list");
  for (const auto& item : a[0]->items) {
    if (item->kind != element) error("'" + fn + "' list holds a " + item->kind_name());
  }
  return a[0];
}

// _codecs.encode(text, 'latin1'): how protocol 2 stores bytes objects.
ValuePtr Unpickler::codecs_encode(const std::vector<ValuePtr>& a) {
  if (a[0]->kind != Kind::String || a[1]->kind != Kind::String ||
      (a[1]->s != "latin1" && a[1]->s != "latin-1")) {
    error("'_codecs.encode' is only supported as encode(str, 'latin1')");
  }
  std::string out;
  if (!utf8_to_latin1(a[0]->s, out)) error("'_codecs.encode' text is not latin-1");
  return make_bytes(out);
}

// OrderedDict(pairs) with pairs a list/tuple of (key, value) pairs.
ValuePtr Unpickler::copy_pairs_to_dict(const std::string& fn, const Value& pairs) {
  if (!pairs.is_sequence()) error("'" + fn + "' of a " + pairs.kind_name());
  charge(pairs.items.size());
  ValuePtr d = make(Kind::Dict);
  for (const auto& kv : pairs.items) {
    if (!kv->is_sequence() || kv->items.size() != 2) error("'" + fn + "' item is not a (key, value) pair");
    set_item(*d, kv->items[0], kv->items[1]);
  }
  return d;
}

// ---------------------------------------------------------------------------
// Result checks: walks the result once, iteratively, refusing reference
// cycles, nesting deeper than max_depth, trees that shared references expand
// beyond max_objects nodes (so naive recursive walks stay cheap), duplicate
// dict keys and leftover classes/storages.

ValuePtr Unpickler::finish(ValuePtr root) {
  struct Frame {
    const Value* v;
    size_t next;
    Shape below;  // of the children seen so far
  };
  std::vector<Frame> path;
  // Adds a finished child's shape to its parent (the top frame).
  auto add_to_parent = [&](const Shape& child) {
    Shape& p = path.back().below;
    p.height = std::max(p.height, child.height);
    p.size = std::min(p.size + child.size, limits_.max_objects + 1);  // saturates, never overflows
  };
  auto visit = [&](const Value* v) {
    if (v->kind == Kind::Global) fail("pickle result contains the bare class reference '" + printable(v->s) + "'");
    if (v->kind == Kind::Storage) fail("pickle result contains a storage that is not part of a tensor");
    if (!is_container(*v)) {
      if (!path.empty()) add_to_parent({0, 1});
      return;
    }
    const auto it = result_shapes_.find(v);
    if (it != result_shapes_.end() && it->second.height == 0) {
      fail("pickle contains a reference cycle (a container inside itself)");
    }
    const size_t height = it != result_shapes_.end() ? it->second.height : 1;
    if (path.size() + height > limits_.max_depth) {
      fail("pickle nests containers deeper than " + std::to_string(limits_.max_depth) + " levels");
    }
    if (it != result_shapes_.end()) return add_to_parent(it->second);  // shared, already checked
    check_dict_keys(*v);
    result_shapes_[v] = Shape{0, 0};  // in progress
    path.push_back({v, 0, Shape{0, 0}});
  };
  visit(root.get());
  while (!path.empty()) {
    Frame& f = path.back();
    if (f.next < child_count(*f.v)) {
      visit(child(*f.v, f.next++));
      continue;
    }
    const Shape shape{f.below.height + 1, f.below.size + 1};
    if (shape.size > limits_.max_objects) {
      fail("pickle expands to more than " + std::to_string(limits_.max_objects) +
           " values through shared references");
    }
    result_shapes_[f.v] = shape;
    path.pop_back();
    if (!path.empty()) add_to_parent(shape);
  }
  succeeded_ = true;
  return root;
}

// Sorting instead of hashing keeps this O(n log n) even for keys chosen to collide.
void Unpickler::check_dict_keys(const Value& dict) const {
  if (dict.kind != Kind::Dict) return;
  std::vector<std::string_view> strings;
  std::vector<int64_t> ints;
  for (const auto& kv : dict.dict) {
    if (kv.first->kind == Kind::String) strings.push_back(kv.first->s);
    if (kv.first->kind == Kind::Int) ints.push_back(kv.first->i);
  }
  std::sort(strings.begin(), strings.end());
  std::sort(ints.begin(), ints.end());
  const auto s = std::adjacent_find(strings.begin(), strings.end());
  if (s != strings.end()) fail("duplicate key '" + printable(*s) + "' in dict");
  const auto i = std::adjacent_find(ints.begin(), ints.end());
  if (i != ints.end()) fail("duplicate key " + std::to_string(*i) + " in dict");
}

}  // namespace

ValuePtr unpickle(std::string_view data, const Limits& limits) {
  Unpickler unpickler(data, limits);
  return unpickler.run();
}

}  // namespace fer::pickle
