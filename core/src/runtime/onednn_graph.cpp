#include "runtime/onednn_graph.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <new>
#include <stdexcept>

#include "runtime/cpu_features.hpp"

namespace fer::onednn {
namespace {

using dt = memory::data_type;
using tag = memory::format_tag;

// One blocked layout throughout (nChw16c with AVX-512, nChw8c with AVX2): left to choose ("any"),
// oneDNN 2.6 mixes it with nhwc from one primitive to the next and takes its reference kernels
// where they meet (70 ms for one YuNet layer).
const tag kLayout = blocked_layout();

// PyTorch's convolution arithmetic: pad -1 means "same" for odd kernels (k / 2).
memory::dim conv_pad(const ConvWeights& c) { return c.pad < 0 ? c.k / 2 : c.pad; }
memory::dims conv_out_dims(const ConvWeights& c, const memory::dims& in) {
  const memory::dim pad = conv_pad(c);
  return {in[0], c.out, (in[2] + 2 * pad - c.k) / c.stride + 1, (in[3] + 2 * pad - c.k) / c.stride + 1};
}

memory::dims weight_dims(const ConvWeights& c) {
  return c.groups > 1 ? memory::dims{c.groups, c.out / c.groups, c.in, c.k, c.k} : memory::dims{c.out, c.in, c.k, c.k};
}

bool is_int8(dt t) { return t == dt::s8 || t == dt::u8; }

// int8 activations channels-last: oneDNN 2.6's VNNI convolutions take nhwc, not the blocked layouts.
tag layout_of(dt t) { return is_int8(t) ? tag::nhwc : kLayout; }

dnnl::primitive_attr scaled(const std::vector<float>& scales, int mask = 0) {
  dnnl::primitive_attr attr;
  attr.set_output_scales(mask, scales);
  return attr;
}

}  // namespace

std::vector<float> int8_weight_scales(const ConvWeights& c) {
  const size_t per = c.w.size() / c.out;
  std::vector<float> s(c.out);
  for (int o = 0; o < c.out; ++o) {
    float m = 0;
    for (size_t i = 0; i < per; ++i) m = std::max(m, std::abs(c.w[o * per + i]));
    s[o] = m > 0 ? m / 127.f : 1.f;
  }
  return s;
}

void require_calibration(const Numerics& numerics, const std::vector<const ConvWeights*>& convs) {
  if (numerics.type != dt::s8) return;
  for (const ConvWeights* c : convs)
    if (!numerics.calibrated.count(c->name))
      throw std::runtime_error("its int8 calibration has no range for '" + c->name +
                               "' (calibrated for another network?); run fer-quantize on it again");
}

memory Context::packed(const ConvWeights& c, const memory::desc& want) {
  for (const auto& [src, m] : packed_)
    if (src == c.w.data() && m.get_desc() == want) return m;
  const auto dims = weight_dims(c);
  const tag plain = c.groups > 1 ? tag::goihw : tag::oihw;
  memory m(want, engine), user;
  std::vector<int8_t> q;
  if (want.data_type() == dt::s8) {
    // Rounded per output channel here; the reorder then packs them (and adds the compensation
    // oneDNN keeps for s8 sources).
    const auto scales = int8_weight_scales(c);
    const size_t per = c.w.size() / c.out;
    q.resize(c.w.size());
    for (size_t i = 0; i < q.size(); ++i)
      q[i] = static_cast<int8_t>(std::clamp(std::nearbyint(c.w[i] / scales[i / per]), -127.f, 127.f));
    user = memory({dims, dt::s8, plain}, engine, q.data());
  } else {
    user = memory({dims, dt::f32, plain}, engine, const_cast<float*>(c.w.data()));
  }
  dnnl::reorder(user, m).execute(stream, user, m);
  stream.wait();
  packed_.emplace_back(c.w.data(), m);
  return m;
}

char* Context::arena(size_t bytes) {
  if (bytes > arena_bytes_) {
    arena_bytes_ = (bytes + 4095) / 4096 * 4096;
    arena_.reset(static_cast<char*>(std::aligned_alloc(4096, arena_bytes_)));
    if (!arena_) throw std::bad_alloc();
  }
  return arena_.get();
}

Graph::Graph(memory::data_type type, std::shared_ptr<Context> context) : Graph(Numerics{type, {}, false}, std::move(context)) {}

Graph::Graph(Numerics numerics, std::shared_ptr<Context> context)
    : num_(std::move(numerics)), type_(num_.type == dt::s8 ? dt::f32 : num_.type), ctx_(std::move(context)) {}

memory Graph::make(const memory::desc& d) {
  memory m(d, ctx_->engine, DNNL_MEMORY_NONE);
  buffers_.push_back({m, (d.get_size() + 63) / 64 * 64, 0, steps_.size(), steps_.size()});
  return m;
}

memory Graph::alias(const memory& m, memory::data_type type) {
  const auto d = m.get_desc();
  memory a({d.dims(), type, layout_of(type)}, ctx_->engine, DNNL_MEMORY_NONE);
  for (auto& b : buffers_)
    if (b.m.get() == m.get()) b.aliases.push_back(a);
  return a;
}

namespace {
bool holds(const memory& buffer, const std::vector<memory>& aliases, const memory& m) {
  if (buffer.get() == m.get()) return true;
  for (const auto& a : aliases)
    if (a.get() == m.get()) return true;
  return false;
}
}  // namespace

void Graph::push(dnnl::primitive prim, std::unordered_map<int, memory> args) {
  for (const auto& [_, m] : args)
    for (auto& b : buffers_)
      if (holds(b.m, b.aliases, m)) b.last = std::max(b.last, steps_.size());
  steps_.push_back({std::move(prim), std::move(args)});
}

void Graph::keep(const memory& m) {
  for (auto& b : buffers_)
    if (holds(b.m, b.aliases, m)) b.last = SIZE_MAX;
}

size_t Graph::unshared_bytes() const {
  size_t sum = 0;
  for (const auto& b : buffers_) sum += b.bytes;
  return sum;
}

void Graph::place() {
  std::vector<Buffer*> order;
  for (auto& b : buffers_) order.push_back(&b);
  std::stable_sort(order.begin(), order.end(), [](const Buffer* a, const Buffer* b) { return a->first < b->first; });
  std::vector<Buffer*> live;  // by offset
  for (Buffer* b : order) {
    live.erase(std::remove_if(live.begin(), live.end(), [&](const Buffer* a) { return a->last < b->first; }), live.end());
    size_t at = 0;  // the lowest gap that fits
    for (const Buffer* a : live) {
      if (at + b->bytes <= a->offset) break;
      at = std::max(at, a->offset + a->bytes);
    }
    b->offset = at;
    live.insert(std::upper_bound(live.begin(), live.end(), b,
                                 [](const Buffer* x, const Buffer* y) { return x->offset < y->offset; }),
                b);
    arena_bytes_ = std::max(arena_bytes_, at + b->bytes);
  }
  placed_ = true;
}

memory Graph::external(const memory::dims& dims, memory::data_type type, memory::format_tag layout) {
  return memory({dims, type, layout}, ctx_->engine, DNNL_MEMORY_NONE);
}

memory Graph::reorder(const memory& src, memory::format_tag layout, std::optional<memory::data_type> type) {
  memory dst = make({src.get_desc().dims(), type.value_or(type_), layout});
  push(dnnl::reorder(src, dst), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}});
  return dst;
}

float Graph::calibrated(const std::string& name) const {
  const auto it = num_.calibrated.find(name);
  if (it == num_.calibrated.end()) throw std::logic_error("int8: no calibrated range for '" + name + "'");
  return it->second > 0 ? it->second : 1.f;  // an all-zero map: any step represents it
}

float Graph::max_of(const memory& m) const {
  const auto it = ranges_.find(m.get());
  return it == ranges_.end() ? 0.f : it->second.max;
}

float Graph::step_of(const memory& m) const {
  return max_of(m) / (m.get_desc().data_type() == dt::u8 ? 255.f : 127.f);
}

memory Graph::to_int8(const memory& m) {
  const auto d = m.get_desc();
  if (is_int8(d.data_type())) return m;
  for (const auto& [src, q] : converted_)
    if (src == m.get() && is_int8(q.get_desc().data_type())) return q;
  const auto it = ranges_.find(m.get());
  if (it == ranges_.end()) throw std::logic_error("int8: an activation without a calibrated range");
  // u8 where the values are >= 0 (after a ReLU): all 256 steps for them.
  const dt type = it->second.nonneg ? dt::u8 : dt::s8;
  memory q = make({d.dims(), type, layout_of(type)});
  ranges_[q.get()] = it->second;
  push(dnnl::reorder(dnnl::reorder::primitive_desc(ctx_->engine, d, ctx_->engine, q.get_desc(),
                                                   scaled({1.f / step_of(q)}))),
       {{DNNL_ARG_FROM, m}, {DNNL_ARG_TO, q}});
  converted_.emplace_back(m.get(), q);
  return q;
}

memory Graph::to_float(const memory& m) {
  const auto d = m.get_desc();
  if (!is_int8(d.data_type())) return m;
  for (const auto& [src, f] : converted_)
    if (src == m.get() && !is_int8(f.get_desc().data_type())) return f;
  memory f = make({d.dims(), dt::f32, kLayout});
  push(dnnl::reorder(dnnl::reorder::primitive_desc(ctx_->engine, d, ctx_->engine, f.get_desc(), scaled({step_of(m)}))),
       {{DNNL_ARG_FROM, m}, {DNNL_ARG_TO, f}});
  converted_.emplace_back(m.get(), f);
  return f;
}

memory Graph::conv_int8(const ConvWeights& c, const memory& src_in, bool relu, const memory* accumulate_in,
                        bool f32_out) {
  const memory src = to_int8(src_in);
  // A float shortcut (the stem's output) is summed as its int8 copy, which then takes the result.
  const std::optional<memory> acc = accumulate_in ? std::optional<memory>(to_int8(*accumulate_in)) : std::nullopt;
  const memory* accumulate = acc ? &*acc : nullptr;
  const auto sd = src.get_desc();
  const auto in = sd.dims();
  const memory::dim pad = conv_pad(c);
  const memory::dims out_dims = conv_out_dims(c, in);
  const dt out_type = f32_out ? dt::f32 : relu ? dt::u8 : dt::s8;
  const float max = f32_out ? 0.f : calibrated(c.name);
  const float out_step = f32_out ? 1.f : max / (out_type == dt::u8 ? 255.f : 127.f);
  const float in_step = step_of(src);
  // oneDNN 2.x: dst = output_scale * (sum of integer products + bias) [+ sum_scale * dst]: the bias
  // in the accumulator's units, the output scale per output channel.
  const auto w_steps = int8_weight_scales(c);
  std::vector<float> oscale(c.out), bias(c.out);
  for (int o = 0; o < c.out; ++o) {
    const float acc_step = in_step * w_steps[o];
    oscale[o] = acc_step / out_step;
    bias[o] = c.b.empty() ? 0.f : c.b[o] / acc_step;
  }
  const memory::desc wd(weight_dims(c), dt::s8, tag::any), bd({c.out}, dt::f32, tag::a);
  const memory::desc dd(accumulate ? accumulate->get_desc().dims() : out_dims, out_type, layout_of(out_type));
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, sd, wd,
                                    bd, dd, {c.stride, c.stride}, {pad, pad}, {pad, pad});
  dnnl::post_ops ops;
  if (accumulate) ops.append_sum(step_of(*accumulate) / out_step, 0, accumulate->get_desc().data_type());
  if (relu) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
  dnnl::primitive_attr attr = scaled(oscale, 1 << 1);
  attr.set_post_ops(ops);
  const dnnl::convolution_forward::primitive_desc pd(d, attr, ctx_->engine);
  memory b(bd, ctx_->engine);
  std::copy(bias.begin(), bias.end(), static_cast<float*>(b.get_data_handle()));
  memory dst = !accumulate ? make(pd.dst_desc())
               : accumulate->get_desc().data_type() == out_type ? *accumulate
                                                               : alias(*accumulate, out_type);
  if (!f32_out) ranges_[dst.get()] = {max, out_type == dt::u8};
  push(dnnl::convolution_forward(pd), {{DNNL_ARG_SRC, src},
                                       {DNNL_ARG_WEIGHTS, ctx_->packed(c, pd.weights_desc())},
                                       {DNNL_ARG_BIAS, b},
                                       {DNNL_ARG_DST, dst}});
  return dst;
}

memory Graph::conv(const ConvWeights& c, const memory& src_in, bool relu, const memory* accumulate, bool f32_out) {
  if (num_.type == dt::s8 && c.int8) return conv_int8(c, src_in, relu, accumulate, f32_out);
  const memory src = to_float(src_in);
  const auto sd = src.get_desc();
  const auto in = sd.dims();
  const memory::dim pad = conv_pad(c);
  const memory::dims out_dims = conv_out_dims(c, in);
  const memory::desc wd(weight_dims(c), type_, tag::any), bd({c.out}, dt::f32, tag::a);
  const memory::desc dd = accumulate ? accumulate->get_desc() : memory::desc(out_dims, f32_out ? dt::f32 : type_, kLayout);
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, sd, wd,
                                    bd, dd, {c.stride, c.stride}, {pad, pad}, {pad, pad});
  dnnl::post_ops ops;
  if (accumulate) ops.append_sum(1.f);
  if (relu) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  const dnnl::convolution_forward::primitive_desc pd(d, attr, ctx_->engine);
  memory bias(bd, ctx_->engine);
  float* b = static_cast<float*>(bias.get_data_handle());
  if (c.b.empty()) std::fill_n(b, c.out, 0.f);
  else std::copy(c.b.begin(), c.b.end(), b);
  memory dst = accumulate ? *accumulate : make(pd.dst_desc());
  push(dnnl::convolution_forward(pd), {{DNNL_ARG_SRC, src},
                                       {DNNL_ARG_WEIGHTS, ctx_->packed(c, pd.weights_desc())},
                                       {DNNL_ARG_BIAS, bias},
                                       {DNNL_ARG_DST, dst}});
  // A float convolution in an int8 graph (the stem) feeds int8 ones: its range comes along.
  if (num_.type == dt::s8 && !f32_out) ranges_[dst.get()] = {calibrated(c.name), relu};
  if (num_.observe && !c.name.empty()) {
    // A copy as written: a later step may write over dst in place (the residual sums).
    memory copy = make(dst.get_desc());
    push(dnnl::reorder(dst, copy), {{DNNL_ARG_FROM, dst}, {DNNL_ARG_TO, copy}});
    keep(copy);
    observed_.emplace_back(c.name, copy);
  }
  return dst;
}

memory Graph::max_pool(const memory& src, int kernel, int stride, int padding) {
  const auto sd = src.get_desc();
  const auto in = sd.dims();
  auto out = [&](memory::dim n) { return (n + 2 * padding - kernel) / stride + 1; };
  const memory::desc dd({in[0], in[1], out(in[2]), out(in[3])}, sd.data_type(), layout_of(sd.data_type()));
  dnnl::pooling_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max, sd, dd,
                                {stride, stride}, {kernel, kernel}, {padding, padding}, {padding, padding});
  const dnnl::pooling_forward::primitive_desc pd(d, ctx_->engine);
  memory dst = make(pd.dst_desc());
  push(dnnl::pooling_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  if (const auto it = ranges_.find(src.get()); it != ranges_.end()) ranges_[dst.get()] = it->second;  // max stays
  return dst;
}

memory Graph::relu(const memory& src) {
  dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::eltwise_relu, src.get_desc(), 0.f);
  const dnnl::eltwise_forward::primitive_desc pd(d, ctx_->engine);
  memory dst = make(src.get_desc());
  push(dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  if (const auto it = ranges_.find(src.get()); it != ranges_.end()) ranges_[dst.get()] = {it->second.max, true};
  return dst;
}

memory Graph::global_avg_pool(const memory& src_in) {
  const memory src = to_float(src_in);  // a mean of integers would round
  const auto sd = src.get_desc();
  const auto in = sd.dims();
  // Pooled in the src's own blocked layout, then reordered to plain fp32: into nchw directly
  // oneDNN 2.6 takes its reference kernel (1.1 ms of a 7.5 ms int8 ResNet50 face).
  const memory::desc dd({in[0], in[1], 1, 1}, sd.data_type(), kLayout);
  dnnl::pooling_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_avg_exclude_padding, sd,
                                dd, {1, 1}, {in[2], in[3]}, {0, 0}, {0, 0});
  const dnnl::pooling_forward::primitive_desc pd(d, ctx_->engine);
  memory dst = make(pd.dst_desc());
  push(dnnl::pooling_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  memory plain = make({dd.dims(), dt::f32, tag::nchw});
  push(dnnl::reorder(dst, plain), {{DNNL_ARG_FROM, dst}, {DNNL_ARG_TO, plain}});
  return plain;
}

memory Graph::upsample_add(const memory& fine, const memory& coarse) {
  // Two primitives: as one (a binary post-op on the resampling) oneDNN 2.6 takes a reference path
  // (37 ms against 0.2).
  const auto fd = fine.get_desc();
  dnnl::resampling_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::resampling_nearest,
                                   coarse.get_desc(), fd);
  const dnnl::resampling_forward::primitive_desc pd(d, ctx_->engine);
  memory dst = make(fd);
  push(dnnl::resampling_forward(pd), {{DNNL_ARG_SRC, coarse}, {DNNL_ARG_DST, dst}});
  dnnl::binary::desc add(dnnl::algorithm::binary_add, fd, fd, fd);
  const dnnl::binary::primitive_desc apd(add, ctx_->engine);
  push(dnnl::binary(apd), {{DNNL_ARG_SRC_0, dst}, {DNNL_ARG_SRC_1, fine}, {DNNL_ARG_DST, dst}});
  return dst;
}

void Graph::run() {
  if (!placed_) place();
  char* base = ctx_->arena(arena_bytes_);
  if (base != base_) {
  for (auto& b : buffers_) {
    b.m.set_data_handle(base + b.offset);
    for (auto& a : b.aliases) a.set_data_handle(base + b.offset);
  }
    base_ = base;
  }
  for (auto& s : steps_) s.prim.execute(ctx_->stream, s.args);
  ctx_->stream.wait();
}

void GraphCache::run(const float* input, const std::array<int64_t, 4>& shape, const Build& build,
                     const std::function<void(const float* output)>& read) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& plan = plans_[shape];
  if (!plan.graph) {
    plan.graph = std::make_unique<Graph>(numerics_, context_);
    plan.input = plan.graph->external({shape[0], shape[1], shape[2], shape[3]}, memory::data_type::f32, tag::nchw);
    plan.output = build(*plan.graph, plan.input);
    plan.graph->keep(plan.output);
  }
  plan.input.set_data_handle(const_cast<float*>(input));
  plan.graph->run();
  for (const auto& [name, m] : plan.graph->observed()) {
    const float* v = static_cast<const float*>(m.get_data_handle());
    float max = 0;  // blocked layouts pad channels with zeros: they change no maximum
    for (size_t i = 0, n = m.get_desc().get_size() / sizeof(float); i < n; ++i) max = std::max(max, std::abs(v[i]));
    observed_[name].push_back(max);
  }
  read(static_cast<const float*>(plan.output.get_data_handle()));
}

std::map<std::string, std::vector<float>> GraphCache::observed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return observed_;
}

}  // namespace fer::onednn
